"""Hostile input (issue 9): text from documents and registries never runs as code.

Every field that can carry text from outside reaches the map: a document's sentences,
its file name, its id, its title and URL, ``--title``, and every string of a user
registry (agreement names, official names, the names news uses, notes, event notes,
amendment names). Each test puts a Jinja2 payload into one such field and checks three
things: the payload that would run a command leaves no file behind, the arithmetic
payload is not evaluated, and the payload appears in the map's data as literal text.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

import geo.web.render as web_render
from geo.cli.main import main
from tests.test_assets import require_assets

pytestmark = pytest.mark.security

#: Evaluated by Jinja2 this gives ``geoPWNED``; as literal text it never contains it.
EVALUATES = "{{ 'geo' ~ 'PWN' ~ 'ED' }}"


def _runs(target: Path) -> str:
    """A payload that creates *target* when a template engine evaluates it."""
    return "{{ cycler.__init__.__globals__.os.system('touch " + str(target) + "') }}"


def _strings(value: Any) -> list[str]:
    """Every string inside a decoded JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def map_strings(page: str) -> list[str]:
    """The strings of the map's data blob and its legend text."""
    blob = re.search(
        r'<script type="application/json" id="geo-data-[^"]+">(.*?)</script>', page, re.S
    )
    assert blob is not None, "the map has no data blob"
    return _strings(json.loads(blob.group(1)))


def build(tmp_path: Path, *argv: str) -> tuple[int, str, str]:
    """Run ``geo build ARGV -o map.html``; return the exit code, the page and stderr."""
    require_assets()
    target = tmp_path / "map.html"
    out = io.StringIO()
    err = io.StringIO()
    import contextlib

    with contextlib.redirect_stderr(err):
        code = main(["build", *argv, "-o", str(target), "--as-of", "2024-06-01"], out=out)
    page = target.read_text(encoding="utf-8") if target.exists() else ""
    return code, page, err.getvalue()


def assert_inert(page: str, pwned: Path, literal: str) -> None:
    assert not pwned.exists(), "a template payload ran a command"
    assert "geoPWNED" not in page, "a template payload was evaluated"
    assert any(literal in s for s in map_strings(page)) or literal in page, (
        f"{literal!r} is not on the map as text"
    )


def _doc(body: str) -> str:
    return f"US forces use Ramsund under the agreement with Norway. {body}\n"


def test_payload_in_a_sentence(tmp_path: Path) -> None:
    pwned = tmp_path / "PWNED"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    sentence = f"Marines trained at Evenes {_runs(pwned)} and {EVALUATES} last week."
    (corpus / "a.txt").write_text(_doc(sentence), encoding="utf-8")
    code, page, err = build(tmp_path, str(corpus))
    assert code == 0, err
    assert_inert(page, pwned, EVALUATES)
    assert any(_runs(pwned) in s for s in map_strings(page))


def test_payload_with_quotes_is_not_a_template_error(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(_doc("Evenes {{ \"unterminated ' }} {% if %}"), "utf-8")
    code, page, err = build(tmp_path, str(corpus))
    assert code == 0, err
    assert "TemplateSyntaxError" not in err
    assert any("{% if %}" in s for s in map_strings(page))


def test_payload_in_file_name_title_and_front_matter(tmp_path: Path) -> None:
    pwned = tmp_path / "PWNED"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    name = "{{ 'geo' ~ 'PWN' ~ 'ED' }}.txt"
    front = (
        "---\n"
        f'title: "Title {EVALUATES}"\n'
        "date: 2023-05-01\n"
        f'url: "https://example.org/{EVALUATES}"\n'
        f'source: "Outlet {EVALUATES}"\n'
        "---\n"
    )
    (corpus / name).write_text(front + _doc("Jets landed at Evenes."), encoding="utf-8")
    code, page, err = build(tmp_path, str(corpus), "--title", f"My map {_runs(pwned)} {EVALUATES}")
    assert code == 0, err
    assert_inert(page, pwned, f"Title {EVALUATES}")
    strings = map_strings(page)
    assert any(name.removesuffix(".txt") in s for s in strings)
    assert "My map {{ cycler" in page  # --title, escaped into the legend and <title>


def test_payload_in_jsonl_ids_and_urls(tmp_path: Path) -> None:
    pwned = tmp_path / "PWNED"
    corpus = tmp_path / "corpus.jsonl"
    record = {
        "id": f"doc {_runs(pwned)}",
        "title": EVALUATES,
        "url": f"https://example.org/a?{EVALUATES}",
        "text": _doc("Jets landed at Evenes."),
    }
    corpus.write_text(json.dumps(record) + "\n", encoding="utf-8")
    code, page, err = build(tmp_path, str(corpus))
    assert code == 0, err
    assert_inert(page, pwned, f"doc {_runs(pwned)}")


def test_payload_in_every_registry_string(tmp_path: Path) -> None:
    pwned = tmp_path / "PWNED"
    registry = tmp_path / "mine.yaml"
    payload = f"{_runs(pwned)} {EVALUATES}"
    registry.write_text(
        "schema_version: 1\n"
        "agreements:\n"
        "  - id: xx-hostile\n"
        f'    name: "Pact {payload}"\n'
        f'    official_name: "Official {payload}"\n'
        f'    names: {{en: ["Hostile Pact {EVALUATES}"]}}\n'
        "    type: defense_agreement\n"
        '    host: "NO"\n'
        "    partner: US\n"
        "    events:\n"
        "      - type: signed\n"
        "        date: '2020-01-01'\n"
        "        source: https://example.org/pact\n"
        f'        note: "Note {payload}"\n'
        "    amendments:\n"
        "      - id: xx-hostile-amendment\n"
        f'        name: "Amendment {payload}"\n'
        "        events: [{type: signed, date: '2021-01-01', source: 'https://example.org/a'}]\n"
        "        adds_sites: [no-sola]\n"
        "    sites: [no-ramsund]\n"
        "    sources: [https://example.org/pact]\n"
        f'    notes: "Notes {payload}"\n',
        encoding="utf-8",
    )
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(_doc("Jets landed at Evenes."), encoding="utf-8")
    code, page, err = build(tmp_path, str(corpus), "--agreements", str(registry))
    assert code == 0, err
    assert_inert(page, pwned, f"Pact {payload}")
    assert f"Amendment {payload}" in "".join(map_strings(page))


# ----------------------------------------------------------------------------- outputs

import os  # noqa: E402
import signal  # noqa: E402
import stat  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

GEO = [str(Path(sys.executable).with_name("geo"))]
ENV = {**os.environ, "PYTHONWARNINGS": "ignore"}


def run_cli(*argv: str, stdin: bytes | None = None, timeout: float = 120, **kw: Any):
    """``python -m geo.cli ARGV`` in a subprocess (exit code, stdout, stderr)."""
    proc = subprocess.run(
        [*GEO, *argv], input=stdin, capture_output=True, timeout=timeout, env=ENV, check=False, **kw
    )
    return (
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )


def _corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)
    (corpus / "a.txt").write_text(_doc("Jets landed at Evenes."), encoding="utf-8")
    return corpus


def _device(tmp_path: Path) -> Path:
    """A character device like /dev/null (mknod needs root), or skip."""
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, OSError):
        pytest.skip("creating a device node needs root")
    return node


@pytest.mark.parametrize("command", ["extract", "build", "export"])
def test_output_onto_a_device_or_fifo_is_refused(tmp_path: Path, command: str) -> None:
    corpus = _corpus(tmp_path)
    fifo = tmp_path / "pipe.html"
    os.mkfifo(fifo)
    targets = [fifo, _device(tmp_path)]
    for target in targets:
        argv = [command, str(corpus), "-o", str(target)]
        if command == "export":
            argv += ["--format", "gpkg"] if target.suffix != ".html" else []
        code, _out, err = run_cli(*argv, timeout=60)
        assert code == 2, err
        assert "refusing" in err or "format" in err
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert stat.S_ISCHR(targets[1].stat().st_mode)


def test_output_onto_a_folder_is_refused(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    folder = tmp_path / "out.html"
    folder.mkdir()
    code, _out, err = run_cli("extract", str(corpus), "-o", str(folder))
    assert code == 2
    assert "a folder" in err


def test_output_symlink_is_followed(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    real = tmp_path / "real.jsonl"
    real.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    code, _out, err = run_cli("extract", str(corpus), "-o", str(link))
    assert code == 0, err
    assert link.is_symlink()
    assert '"surface": "Evenes"' in real.read_text(encoding="utf-8")


def test_output_that_is_an_input_is_refused(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    article = corpus / "a.txt"
    before = article.read_bytes()
    code, _out, err = run_cli("extract", str(article), "-o", str(article))
    assert code == 2
    assert "input" in err
    code, _out, err = run_cli("build", str(corpus), "-o", str(corpus / "x.txt"))
    assert code == 2
    code, _out, err = run_cli("build", str(corpus), "-o", str(corpus / "map.html"))
    assert code == 2, "a map inside the input folder would be read back as an article"
    assert article.read_bytes() == before
    assert sorted(p.name for p in corpus.iterdir()) == ["a.txt"]


@pytest.mark.parametrize(
    "argv",
    [
        ("extract", "-o", ""),
        ("export", "-o", ""),
        ("build", "-o", ""),
        ("extract", "-o", "x.csv", "--format", "geojson"),
        ("export", "-o", "x.csv", "--format", "geojson"),
    ],
)
def test_empty_or_mismatched_output_is_a_usage_error(tmp_path: Path, argv: tuple[str, ...]) -> None:
    corpus = _corpus(tmp_path)
    command, *rest = argv
    code, out, err = run_cli(command, str(corpus), *rest, cwd=tmp_path)
    assert code == 2, err
    assert out == ""
    assert not (tmp_path / "x.csv").exists()


def test_sigterm_leaves_no_temporary_file(tmp_path: Path) -> None:
    corpus = tmp_path / "big.jsonl"
    line = json.dumps({"id": "d", "text": _doc("Jets landed at Evenes and Bodø. " * 50)})
    corpus.write_text((line + "\n") * 4000, encoding="utf-8")
    target = tmp_path / "out" / "mentions.jsonl"
    proc = subprocess.Popen(
        [*GEO, "extract", str(corpus), "-o", str(target), "-q"],
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(target.parent.glob(".mentions.jsonl.*.tmp")):
        time.sleep(0.01)
    assert list(target.parent.glob(".mentions.jsonl.*.tmp")), "the run never started writing"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert list(target.parent.iterdir()) == []


def test_signals_wait_while_a_file_set_is_published(tmp_path: Path) -> None:
    from geo.io.outputs import publish, staging_folder

    folder = tmp_path / "layers"
    folder.mkdir()
    for name in ("a.geojson", "b.geojson"):
        (folder / name).write_text("old", encoding="utf-8")
    caught: list[str] = []

    def handler(signum: int, frame: Any) -> None:
        caught.append(
            "seen while files were "
            + ("new" if (folder / "b.geojson").read_text() == "new" else "old")
        )

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        with staging_folder(tmp_path) as stage:
            staged = {}
            for name in ("a.geojson", "b.geojson"):
                (stage / name).write_text("new", encoding="utf-8")
                staged[stage / name] = folder / name
            real_replace = os.replace

            def replace_then_signal(src: Any, dst: Any) -> None:
                real_replace(src, dst)
                os.kill(os.getpid(), signal.SIGTERM)

            import geo.io.outputs

            geo.io.outputs.os.replace = replace_then_signal  # type: ignore[assignment]
            try:
                publish(staged)
            finally:
                geo.io.outputs.os.replace = real_replace  # type: ignore[assignment]
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert caught, "the signal was lost"
    assert set(caught) == {"seen while files were new"}
    assert {p.read_text() for p in folder.iterdir()} == {"new"}


def test_folder_export_is_swapped_in_whole(tmp_path: Path) -> None:
    from geo.io.outputs import publish, staging_folder

    folder = tmp_path / "layers"
    folder.mkdir()
    (folder / "sites.geojson").write_text("old", encoding="utf-8")
    with staging_folder(tmp_path) as stage:
        (stage / "sites.geojson").write_text("new", encoding="utf-8")
        (stage / "places.geojson").write_text("new", encoding="utf-8")
        publish(
            {
                stage / "sites.geojson": folder / "sites.geojson",
                stage / "places.geojson": folder / "places.geojson",
            },
            folder=folder,
        )
    assert sorted(p.name for p in folder.iterdir()) == ["places.geojson", "sites.geojson"]
    assert {p.read_text() for p in folder.iterdir()} == {"new"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["layers"]


def test_a_shorter_run_never_leaves_a_longer_runs_parts(tmp_path: Path) -> None:
    from geo.io.outputs import publish, staging_folder

    for with_other_file in (False, True):
        folder = tmp_path / f"parts-{with_other_file}"
        folder.mkdir()
        for n in range(3):  # an earlier run of three parts
            (folder / f"part-0000{n}.parquet").write_text("old", encoding="utf-8")
        if with_other_file:  # not ours: kept, so the parts are replaced one by one
            (folder / "README.txt").write_text("mine", encoding="utf-8")
        with staging_folder(tmp_path) as stage:
            (stage / "part-00000.parquet").write_text("new", encoding="utf-8")
            publish(
                {stage / "part-00000.parquet": folder / "part-00000.parquet"},
                folder=folder,
                owned="part-*.parquet",
            )
        names = sorted(p.name for p in folder.iterdir())
        assert names == ["README.txt", "part-00000.parquet"][not with_other_file :]
        assert (folder / "part-00000.parquet").read_text(encoding="utf-8") == "new"


def test_full_disk_is_an_io_error(tmp_path: Path, seeds_dir: Path) -> None:
    """A file-size limit (EFBIG, like a full disk) while GDAL writes: exit 4, no output."""
    import resource

    require_assets()

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    for target in ("x.gpkg", "x.geojson", "x.kml", "x.csv"):
        code, _out, err = run_cli(
            "export", str(seeds_dir), "-o", str(tmp_path / target), preexec_fn=limit
        )
        assert code == 4, (target, err)
        assert "internal error" not in err
    assert [p.name for p in tmp_path.iterdir()] == []


# ----------------------------------------------------------------------------- resources


def test_long_line_output_grows_with_mentions_not_sentence_length(tmp_path: Path) -> None:
    from geo.text.sentences import MAX_EXCERPT

    doc = tmp_path / "line.txt"
    doc.write_text("Troops went to Evenes, " * 4000, encoding="utf-8")  # 92 KB, one sentence
    target = tmp_path / "m.jsonl"
    code, _out, err = run_cli("extract", str(doc), "-o", str(target), "-q")
    assert code == 0, err
    records = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 4000
    assert max(len(r["sentence"]) for r in records) <= MAX_EXCERPT
    assert target.stat().st_size < 4000 * 1500
    text = doc.read_text(encoding="utf-8")
    for r in records[::397]:
        offset = r["start"] - r["sentence_start"]
        assert r["sentence"][offset : offset + len(r["surface"])] == r["surface"]
        assert r["sentence_full_start"] == 0
        assert r["sentence_full_end"] == len(text.rstrip())


def test_huge_hyphenated_word_is_linear(tmp_path: Path) -> None:
    doc = tmp_path / "word.txt"
    doc.write_text("-".join(["Evenes", "Norway", "Abc"] * 20000), encoding="utf-8")  # 400 KB
    target = tmp_path / "m.jsonl"
    started = time.monotonic()
    code, _out, err = run_cli("extract", str(doc), "-o", str(target), "-q")
    assert code == 0, err
    assert time.monotonic() - started < 60
    lines = target.read_text(encoding="utf-8").splitlines()
    assert target.stat().st_size < len(lines) * 1500


def _bomb(path: Path) -> Path:
    rows = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        rows.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    rows += ["schema_version: 1", "agreements: [*i]"]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _measured(*argv: str) -> tuple[int, str, float, float]:
    """Exit code, stderr, seconds and peak memory (MB) of one CLI run."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.monotonic()
    code, _out, err = run_cli(*argv)
    took = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return code, err, took, max(peak, before) / 1024


def test_yaml_alias_bomb_registry_fails_fast(tmp_path: Path) -> None:
    code, err, took, _peak = _measured("timeline", "--agreements", str(_bomb(tmp_path / "b.yaml")))
    assert code == 3
    assert "expands to more than" in err
    assert "b.yaml:" in err
    assert took < 10  # the budget check itself takes milliseconds; most is start-up


def test_yaml_alias_bomb_costs_little(tmp_path: Path) -> None:
    """In process: under 2 s and 200 MB more (the budget is checked before expanding)."""
    import resource
    import tracemalloc

    from geo.errors import DataError
    from geo.registry.agreements import load_registry

    bomb = _bomb(tmp_path / "b.yaml")
    tracemalloc.start()
    # The curated registry (68 files) is read either way: time it alone, so the figure is
    # what the bomb adds on top (a loaded machine slows both alike).
    started = time.monotonic()
    load_registry([])
    curated = time.monotonic() - started
    started = time.monotonic()
    with pytest.raises(DataError, match="expands to more than"):
        load_registry([bomb])
    took = time.monotonic() - started - curated
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert took < 2
    assert peak < 200 * 1024 * 1024
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss > 0


def test_deep_and_huge_registries_are_refused(tmp_path: Path) -> None:
    deep = tmp_path / "deep.yaml"
    deep.write_text("[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    code, err, took, _ = _measured("timeline", "--agreements", str(deep))
    assert code == 3
    assert "nested deeper than" in err
    huge = tmp_path / "huge.yaml"
    huge.write_text("# padding\n" * 1_800_000 + "schema_version: 1\nagreements: []\n", "utf-8")
    code, err, took, _ = _measured("timeline", "--agreements", str(huge))
    assert code == 3
    assert "larger than" in err
    assert took < 20


def test_special_files_are_skipped_and_reported(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    os.mkfifo(corpus / "pipe.txt")
    (corpus / "zero.txt").symlink_to("/dev/zero")
    code, out, err = run_cli("extract", str(corpus), timeout=60)
    assert code == 1
    assert "pipe.txt: skipped: a FIFO" in err
    assert "zero.txt: skipped: a character device" in err
    assert '"surface": "Evenes"' in out
    code, _out, err = run_cli("extract", "/dev/zero", timeout=60)
    assert code == 1
    assert "not a regular file" in err


def test_document_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from geo.io import documents

    monkeypatch.setattr(documents, "MAX_DOCUMENT_BYTES", 1000)
    corpus = _corpus(tmp_path)
    (corpus / "big.txt").write_text("Evenes. " * 500, encoding="utf-8")
    (tmp_path / "c.jsonl").write_text(
        json.dumps({"id": "big", "text": "x" * 2000})
        + "\n"
        + json.dumps({"id": "ok", "text": "Evenes."})
        + "\n",
        encoding="utf-8",
    )
    errors: list[Exception] = []
    docs = list(documents.read_documents([corpus, tmp_path / "c.jsonl"], on_error=errors.append))
    assert [d.id for d in docs] == ["a", "ok"]
    assert any("big.txt: larger than" in str(e) for e in errors)
    assert any("c.jsonl:1: the record is larger than" in str(e) for e in errors)


def test_hostile_mention_records_are_reported_by_line_and_the_rest_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--from-mentions`` JSON Lines: a lone surrogate or an oversized line costs one line."""
    from geo.io import documents
    from geo.io.mentions import read_mention_records
    from geo.models import RECORD_FIELDS

    monkeypatch.setattr(documents, "MAX_DOCUMENT_BYTES", 4000)

    def record(doc: str, sentence: str = "Evenes.") -> str:
        fields = dict.fromkeys(RECORD_FIELDS)
        fields.update(doc=doc, start=0, end=6, surface="Evenes", sentence=sentence)
        return json.dumps(fields)

    lines = [
        record("\"'</script>{{7*7}}"),
        record("lone").replace('"lone"', '"lone\\ud800"'),
        record("big", "x" * 5000),
        record("after"),
    ]
    path = tmp_path / "m.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    errors: list[Exception] = []
    got = list(read_mention_records(path, on_error=errors.append))
    assert [r["doc"] for r in got] == ["\"'</script>{{7*7}}", "after"]
    said = [str(e) for e in errors]
    assert len(said) == 2
    assert "m.jsonl:2: a \\uD800-\\uDFFF escape without its pair" in said[0]
    assert "m.jsonl:3: the record is larger than" in said[1]


# ----------------------------------------------------------------------------- one bad record


def test_bad_jsonl_records_are_reported_one_by_one(tmp_path: Path) -> None:
    corpus = tmp_path / "c.jsonl"
    lines = [
        '{"id": "s1", "text": "Bad \\ud800 text at Evenes."}',
        '{"id": "s2\\udfff", "text": "Jets at Evenes."}',
        '{"id": "big", "text": "x", "n": ' + "9" * 5000 + "}",
        json.dumps({"id": "good", "text": "Jets landed at Evenes."}),
    ]
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = run_cli("extract", str(corpus))
    assert code == 1
    assert "c.jsonl:1:" in err
    assert "c.jsonl:2:" in err
    assert "c.jsonl:3:" in err
    assert "lone surrogate" in err
    records = [json.loads(line) for line in out.splitlines()]
    assert {r["doc"] for r in records} == {"good"}


def test_file_names_that_are_not_utf8(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    name = os.fsdecode(b"caf\xe9-\xff.txt")
    (corpus / name).write_text("Jets landed at Evenes.", encoding="utf-8")
    code, out, err = run_cli("extract", str(corpus))
    assert code == 0, err
    record = json.loads(out.splitlines()[0])
    assert record["doc"] == "caf\\xe9-\\xff"


def test_deeply_nested_folders(tmp_path: Path) -> None:
    deep = tmp_path / "c"
    path = deep
    path.mkdir()
    for _ in range(1500):  # pathlib's mkdir(parents=True) itself recurses
        path = path / "d"
        path.mkdir()
    (path / "a.txt").write_text("Jets landed at Evenes.", encoding="utf-8")
    try:
        code, out, err = run_cli("extract", str(deep))
    finally:  # shutil.rmtree (pytest's clean-up) recurses too: remove bottom-up
        (path / "a.txt").unlink()
        while path != tmp_path:
            path.rmdir()
            path = path.parent
    assert code == 0, err
    assert '"surface": "Evenes"' in out


def test_stdin_jsonl_is_read_line_by_line() -> None:
    data = (
        b'{"id": "bad" "text": 1}\n'
        + json.dumps({"id": "one", "text": "Jets at Evenes."}).encode()
        + b"\n"
        + b'{"id": "two", "text": "Ships at \xff Ramsund."}\n'
        + json.dumps({"id": "three", "text": "Jets at Evenes."}).encode()
        + b"\n"
    )
    code, out, err = run_cli("extract", "-", stdin=data)
    assert code == 1
    assert "<stdin>:1: invalid JSON" in err
    assert "<stdin>:3: not valid UTF-8" in err
    docs = {json.loads(line)["doc"] for line in out.splitlines()}
    assert docs == {"one", "three"}


def test_deep_html_is_never_silently_empty(tmp_path: Path) -> None:
    for depth in (300, 5000):
        page = tmp_path / f"deep{depth}.html"
        page.write_text(
            "<html><body>"
            + "<div>" * depth
            + "<p>US troops arrived at Evenes Air Station.</p>"
            + "</div>" * depth
            + "</body></html>",
            encoding="utf-8",
        )
        code, out, err = run_cli("extract", str(page))
        assert code == 0, err
        assert '"id": "no-evenes"' in out, depth
        assert "discarding data" not in err


# ----------------------------------------------------------------------------- shown safely


def test_csv_cells_cannot_be_formulas(tmp_path: Path) -> None:
    from geo.export.formats import read_layers

    require_assets()
    corpus = tmp_path / "c"
    corpus.mkdir()
    title = '=HYPERLINK("http://x.invalid","click")'
    (corpus / "a.txt").write_text(
        f"---\ntitle: '{title}'\n---\n-Evenes hosts jets. @Ramsund too.\n", encoding="utf-8"
    )
    code, _out, err = run_cli("export", str(corpus), "-o", str(tmp_path / "x.csv"))
    assert code == 0, err
    documents = (tmp_path / "x-documents.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in documents
    for file in tmp_path.glob("x-*.csv"):
        for line in file.read_text(encoding="utf-8").splitlines():
            for cell in line.split(","):
                assert not cell.startswith(("=", "+", "@")), (file.name, cell)
    layers = read_layers(tmp_path / "x.csv")
    assert layers["documents"]["title"].tolist() == [title]
    assert (layers["sites"]["lon"].dropna() < 0).any()  # numbers are not escaped
    code, out, err = run_cli("extract", str(corpus), "--format", "csv")
    assert code == 0, err
    assert ",'-Evenes hosts jets." in out


def test_resolve_never_echoes_controls_to_the_terminal() -> None:
    hostile = "Eve\u202enes"
    _code, out, err = run_cli("resolve", hostile)
    assert "\u202e" not in out + err
    assert "\\u202e" in out + err
    _code, out, err = run_cli("resolve", "--json", hostile)
    assert "\u202e" not in out
    assert json.loads(out)[0]["query"] == hostile
    raw = os.fsdecode(b"Even\xffes")
    _code, out, err = run_cli("resolve", raw)
    assert "\\xff" in out + err


# ----------------------------------------------------------------------------- property

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_PIECES = [
    "{{",
    "}}",
    "{%",
    "%}",
    "{#",
    "#}",
    EVALUATES,
    "</script>",
    "<script>",
    "<",
    ">",
    "&amp;",
    '"',
    "'",
    "`",
    "\u2028",
    "\u2029",
    "\u202e",
    "\u2066",
    "\\",
    " ",
    ".",
    "\n",
    "Evenes",
    "Ramsund",
    "Norway",
    "U.S.",
    "agreement",
]
hostile_text = st.lists(st.sampled_from(_PIECES), max_size=14).map("".join)
hostile_name = hostile_text.map(
    lambda s: s.replace("/", "").replace("\x00", "").replace("\n", "")[:60]
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    texts=st.lists(hostile_text, min_size=1, max_size=3),
    names=st.lists(hostile_name, min_size=3, max_size=3),
    ids=st.lists(st.one_of(hostile_text, st.just("\\ud800")), min_size=1, max_size=3),
    registry_name=hostile_text,
    title=hostile_text,
)
def test_hostile_corpora_never_escape(
    tmp_path_factory: pytest.TempPathFactory,
    texts: list[str],
    names: list[str],
    ids: list[str],
    registry_name: str,
    title: str,
) -> None:
    """Whatever the alphabet: no exception, every input accounted for, offsets valid,
    nothing evaluated on the map."""
    from geo.io.documents import DocumentWarning, read_documents
    from geo.layers.build import build_layers

    tmp = tmp_path_factory.mktemp("hostile")
    corpus = tmp / "corpus"
    corpus.mkdir()
    expected = 0
    for i, text in enumerate(texts):
        name = (names[i] or "x").lstrip(".") or "x"
        (corpus / f"{i}{name}.txt").write_text(f"{text} US troops at Evenes. {text}", "utf-8")
        expected += 1
    lines = []
    for i, doc_id in enumerate(ids):
        raw_id = json.dumps(f"{i}{doc_id}").replace("\\\\ud800", "\\ud800")
        lines.append('{"id": ' + raw_id + ', "text": ' + json.dumps(texts[0] + " Ramsund.") + "}")
        expected += 1
    (corpus / "c.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    registry = tmp / "r.yaml"
    registry.write_text(
        "schema_version: 1\nagreements:\n  - id: xx-prop\n"
        f"    name: {json.dumps('P ' + registry_name + EVALUATES)}\n"
        '    type: defense_agreement\n    host: "NO"\n    partner: US\n'
        "    events: [{type: signed, date: '2020-01-01', source: 'https://example.org/p'}]\n"
        "    sites: [no-ramsund]\n    sources: [https://example.org/p]\n",
        encoding="utf-8",
    )
    errors: list[Exception] = []
    docs = list(read_documents([corpus], on_error=errors.append))
    failures = [e for e in errors if not isinstance(e, DocumentWarning)]
    assert len(docs) + len(failures) == expected, (docs, errors)
    layers = build_layers(docs, as_of="2024-01-01", agreements=[registry], on_error=errors.append)
    texts_by_id = {d.id: d.text for d in docs}
    for row in layers.mentions.itertuples():
        assert texts_by_id[row.doc][row.start : row.end] == row.surface
        offset = row.start - row.sentence_start
        assert row.sentence[offset : offset + len(row.surface)] == row.surface
    page = web_render.map_html(layers, self_contained=False, basemap=None, title=title + EVALUATES)
    assert "geoPWNED" not in page
    assert EVALUATES in "".join(map_strings(page))
