"""Safe outputs: checked before any work, written atomically, never half there.

Every output of ``geo`` (maps, exports, the extract stream, the gazetteer index, the
online-geocoder cache) is written to a temporary file in the target's folder, flushed to
disk and renamed over the target with :func:`os.replace`. If anything fails on the way,
or the process is told to stop (SIGINT, SIGTERM), the temporary file is removed and the
old target is untouched.

Where an output may go (:func:`check_output`, called by the commands before they read
a single document), decided once for every command:

* **Only regular files are replaced.** An output that exists and is a folder, a FIFO, a
  device (``/dev/null``) or a socket is refused: renaming over it would replace the
  node itself (as root, ``-o /dev/null`` replaced ``/dev/null`` with a file).
* **Symbolic links are followed**: the file the link points to is replaced and the link
  stays a link (a link to a special file is refused like the file).
* **An output is never an input**: the same file as an input, or a file that reading an
  input folder would pick up again (``geo build corpus/ -o corpus/map.html``), is refused.
* ``-o ''`` is refused (it is not "standard output"; that is ``-`` where a command
  supports it).

Multi-file outputs (:func:`publish`) are written into one staging folder first and moved
into place together, with SIGINT and SIGTERM held back during the moves.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import signal
import stat
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from geo.errors import ConfigurationError, GeoError

__all__ = [
    "OutputError",
    "atomic_open",
    "check_output",
    "output_argument",
    "publish",
    "staging_folder",
    "write_bytes",
    "write_text",
]

#: Suffixes a folder input is read for (kept in step with ``geo.io.documents.SUFFIXES``
#: and, by their last suffix, ``COMPRESSED``).
_READ_SUFFIXES = frozenset(
    {".txt", ".md", ".html", ".htm", ".jsonl", ".csv", ".parquet", ".gz", ".bz2", ".xz", ".zst"}
)


class OutputError(GeoError):
    """An output could not be written (full disk, no permission): exit code 4."""


def output_argument(text: str) -> Path:
    """The ``-o`` argument type of every command: a path, never the empty string.

    ``Path("")`` is ``Path(".")``, the current folder: ``-o ''`` would otherwise export
    into it. argparse turns the error into a usage error (exit code 2).
    """
    if not text:
        import argparse

        msg = "the output path is empty"
        raise argparse.ArgumentTypeError(msg)
    return Path(text)


def _what(mode: int) -> str | None:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return None


def _shown(path: Path | str) -> str:
    text = os.fspath(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = os.fsencode(text).decode("utf-8", "backslashreplace")
    return text


def _inside(child: str, folder: str) -> bool:
    return child == folder or child.startswith(folder.rstrip(os.sep) + os.sep)


def check_output(
    path: Path | str | None,
    inputs: Iterable[Path | str] = (),
    *,
    folder: bool = False,
) -> Path:
    """The real path an output will replace, after checking it may be written at all.

    Raises :class:`~geo.errors.ConfigurationError` (a usage error, exit code 2) for an
    empty path, an existing output that is not a regular file (or, with ``folder``, not
    a folder), and an output that is one of *inputs* or would be read back from an input
    folder. Symbolic links are resolved: the returned path is the link's final target.
    """
    if path is None or os.fspath(path) == "":
        msg = "the output path is empty; name a file (or - for standard output where allowed)"
        raise ConfigurationError(msg)
    given = Path(path)
    real = Path(os.path.realpath(given))
    try:
        info = real.stat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        msg = f"cannot use {_shown(given)} as the output ({exc.strerror or exc})"
        raise ConfigurationError(msg) from None
    if info is not None:
        what = _what(info.st_mode)
        if folder and stat.S_ISDIR(info.st_mode):
            what = None
        elif folder:
            what = what or "a file"
        if what is not None:
            shown = _shown(given)
            via = f" (through the link {shown})" if given.is_symlink() else ""
            msg = (
                f"refusing to write {_shown(real)}{via}: it is {what}, not a "
                f"{'folder' if folder else 'regular file'}"
            )
            raise ConfigurationError(msg)
    real_text = os.fspath(real)
    for item in inputs:
        if os.fspath(item) in ("-", ""):
            continue
        source = os.path.realpath(item)
        if os.path.isdir(source):
            reread = folder or real.suffix.lower() in _READ_SUFFIXES
            if reread and _inside(real_text, source):
                msg = (
                    f"refusing to write {_shown(given)} inside the input folder "
                    f"{_shown(item)}: the next run would read it back as a document; "
                    "write it elsewhere"
                )
                raise ConfigurationError(msg)
        elif source == real_text or (folder and _inside(source, real_text)):
            msg = f"refusing to write {_shown(given)}: it is an input of this run"
            raise ConfigurationError(msg)
    return real


def _replace(tmp: str | Path, target: Path) -> None:
    """``os.replace`` onto *target*, which must be absent or a regular file."""
    try:
        info = target.lstat()
    except FileNotFoundError:
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode):
        what = _what(info.st_mode) or "not a regular file"
        msg = f"refusing to replace {_shown(target)}: it is {what}"
        raise OutputError(msg)
    os.replace(tmp, target)


@contextmanager
def atomic_open(
    path: Path | str, mode: str = "w", *, encoding: str | None = "utf-8", newline: str | None = ""
) -> Iterator[IO[Any]]:
    """Open a temporary file beside *path*; on success it replaces *path*.

    ``mode`` is ``"w"`` (text, UTF-8, newlines written as given) or ``"wb"``. Parent
    folders are created. The file gets the usual permissions (0644), not mkstemp's 0600.
    A symbolic link at *path* is followed (its target is replaced); a folder, FIFO or
    device there is never replaced (:class:`OutputError`).
    """
    target = Path(os.path.realpath(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    binary = "b" in mode
    try:
        with os.fdopen(
            fd, mode, encoding=None if binary else encoding, newline=None if binary else newline
        ) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        _replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: Path | str, text: str) -> Path:
    """Write *text* (UTF-8) to *path* atomically and return the path."""
    with atomic_open(path, "w") as handle:
        handle.write(text)
    return Path(path)


def write_bytes(path: Path | str, data: bytes) -> Path:
    """Write *data* to *path* atomically and return the path."""
    with atomic_open(path, "wb") as handle:
        handle.write(data)
    return Path(path)


@contextmanager
def staging_folder(beside: Path) -> Iterator[Path]:
    """A hidden temporary folder in *beside* (created), removed whatever happens."""
    beside.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".geo-staging-", dir=beside))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back while files are moved; deliver them afterwards.

    Two layers, because a signal sent to the process may reach any of its threads: the
    main thread blocks both signals, and the Python handlers are swapped for recorders,
    so a signal that another thread (a progress-bar monitor) caught is still only acted
    on once the moves are done, by the handler that was in place before.
    """
    held = (signal.SIGINT, signal.SIGTERM)
    try:
        previous_mask = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, OSError, ValueError):  # no such call
        previous_mask = None
    arrived: list[int] = []
    previous: dict[signal.Signals, Any] = {}
    try:
        for signum in held:
            previous[signum] = signal.signal(signum, lambda n, _f: arrived.append(n))
    except ValueError:  # not the main thread: handlers cannot be swapped
        previous.clear()
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if previous_mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous_mask)
        for number in dict.fromkeys(arrived):
            handler = previous.get(signal.Signals(number))
            if callable(handler):
                handler(number, None)
            elif handler == signal.SIG_DFL:
                signal.raise_signal(number)


def publish(
    staged: Mapping[Path, Path], *, folder: Path | None = None, owned: str | None = None
) -> None:
    """Move every staged file onto its target, so the set appears together.

    With *folder* (a folder output whose files are exactly the targets) and a staging
    folder holding them, the whole folder is swapped in by renames: the old folder is
    moved aside, the new one takes its name, the old one is removed; a reader sees the
    old set or the new set, never a mix. A folder that holds other files keeps them: the
    targets are then replaced one by one. *owned* is a glob of names the writer owns in
    *folder* (``part-*.parquet``): such files that are not targets are an older run's
    and go too (with the swap, or after the targets are replaced), so a shorter run
    never leaves a longer one's parts behind. The moves run with SIGINT and SIGTERM held
    back, so an interruption waits until the set is complete.
    """
    with _signals_held():
        if folder is not None and staged:
            stage = next(iter(staged)).parent
            if all(tmp.parent == stage for tmp in staged) and _swappable(folder, staged, owned):
                _swap_folder(stage, folder, staged)
                return
        for tmp, target in staged.items():
            _replace(tmp, target)
        if folder is not None and owned is not None:
            targets = set(staged.values())
            for stale in folder.glob(owned):
                if stale not in targets and stale.is_file():
                    stale.unlink()


def _swappable(folder: Path, staged: Mapping[Path, Path], owned: str | None = None) -> bool:
    if not all(target.parent == folder for target in staged.values()):
        return False
    if not folder.exists():
        return True
    names = {target.name for target in staged.values()}
    try:
        return all(
            (entry.name in names or (owned is not None and fnmatch.fnmatchcase(entry.name, owned)))
            and entry.is_file()
            for entry in os.scandir(folder)
        )
    except OSError:
        return False


def _swap_folder(stage: Path, folder: Path, staged: Mapping[Path, Path]) -> None:
    for tmp, target in staged.items():
        if tmp.name != target.name:
            os.rename(tmp, stage / target.name)
    if not folder.exists():
        os.rename(stage, folder)
        stage.mkdir()  # the staging context removes it again
        return
    old = Path(tempfile.mkdtemp(prefix=".geo-old-", dir=folder.parent))
    os.rename(folder, old / "x")
    os.rename(stage, folder)
    stage.mkdir()
    shutil.rmtree(old, ignore_errors=True)
