"""Every ``$ geo ...`` command the README shows works as written.

The README's console blocks are the user's first contact: a command that names a file
the checkout does not have, or an option that changed, is a broken promise. Each command
runs in a fresh folder that sees the checkout's ``seeds/`` and ``examples/`` (so the
outputs under ``out/`` never land in the checkout), through the installed ``geo``
script, as a shell would run it. Exit 1 is accepted: it means the outputs were written
and some names stayed unresolved, as the README documents.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def readme_commands() -> list[str]:
    """The ``$ geo`` lines of the README's console blocks, continuations joined."""
    commands: list[str] = []
    for block in re.findall(r"```console\n(.*?)```", README.read_text(encoding="utf-8"), re.S):
        pending = ""
        for line in block.splitlines():
            if pending:
                pending += " " + line.strip()
            elif line.startswith("$ geo "):
                pending = line[2:]
            if pending.endswith("\\"):
                pending = pending[:-1].rstrip()
                continue
            if pending:
                commands.append(pending)
                pending = ""
    return commands


def test_the_readme_shows_commands() -> None:
    commands = readme_commands()
    assert len(commands) >= 15
    assert any("--engine dask" in c for c in commands)
    assert any("--from-mentions" in c for c in commands)


@pytest.mark.slow
@pytest.mark.parametrize("command", readme_commands())
def test_readme_command_works_as_written(command: str, tmp_path: Path) -> None:
    for name in ("seeds", "examples"):
        (tmp_path / name).symlink_to(ROOT / name, target_is_directory=True)
    argv = shlex.split(command, comments=True)
    assert argv[0] == "geo"
    geo = Path(sys.executable).parent / "geo"
    # Commands that read what an earlier README line wrote run that line first.
    for earlier in readme_commands():
        if earlier == command:
            break
        wrote = [a for a in shlex.split(earlier, comments=True) if a.startswith("out/")]
        if wrote and any(w.rstrip("/") in command for w in wrote) and "-o" in earlier:
            subprocess.run(
                [geo, *shlex.split(earlier, comments=True)[1:]],
                cwd=tmp_path,
                capture_output=True,
                timeout=300,
                check=False,
            )
    done = subprocess.run(
        [geo, *argv[1:]], cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode in (0, 1), f"{command}\n{done.stderr}"
    assert "error" not in done.stderr.lower(), f"{command}\n{done.stderr}"
    for arg in argv:
        if arg.startswith("out/") and "-o" in argv:
            assert (tmp_path / arg).exists(), f"{command} did not write {arg}"
