"""Tests of :mod:`geo.io.documents`: formats, encodings, metadata, errors and scale."""

from __future__ import annotations

import io
import itertools
import json
import logging
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.errors import DocumentError
from geo.io import documents
from geo.io.documents import (
    DocumentWarning,
    decode_bytes,
    normalize_date,
    normalize_newlines,
    parse_metadata,
    read_documents,
    read_text,
)
from geo.models import Document

GERMAN_SEED = "004_f6e18cdd7bce2205"
ENGLISH_SEED = "000_640b02f3eca9c30c"

DANISH = (
    "Danmark og USA har indgået en aftale om forsvarssamarbejde. "
    "Aftalen giver amerikanske styrker adgang til Karup, Skrydstrup og Aalborg – "
    "og den koster “næsten ingenting”, siger forsvarsministeren. Pris: 0 €."
)

ARTICLE_PAGE = """<!DOCTYPE html>
<html lang="en-GB">
<head>
  <meta charset="utf-8">
  <title>Denmark and US sign defense deal | Nordic Defense News</title>
  <meta property="article:published_time" content="2023-12-14T10:00:00Z">
  <link rel="canonical" href="https://news.example/denmark-us-dca">
  <script>window.tracking = "<p>not article text</p>";</script>
  <style>p { color: red; }</style>
</head>
<body>
  <nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>
  <li><a href="/defense">Defense</a></li><li><a href="/login">Log in</a></li></ul></nav>
  <header><div class="logo">Nordic Defense News</div></header>
  <main><article>
    <h1>Denmark and US sign defense deal</h1>
    <p>COPENHAGEN: Denmark and the United States signed a defense cooperation agreement
    on Thursday that gives American forces access to the air bases at Karup,
    Skrydstrup and Aalborg.</p>
    <p>The agreement, which must still be approved by the Danish parliament, allows the
    US to preposition equipment and to station personnel at the three bases.</p>
    <p>Defense Minister Troels Lund Poulsen said the deal was a natural step after
    Finland, Sweden and Norway concluded similar agreements with Washington.</p>
  </article></main>
  <aside><h3>Most read</h3><ul><li><a href="/a">Cookie policy changes</a></li>
  <li><a href="/b">Subscribe now for unlimited access</a></li></ul></aside>
  <footer><p>© 2023 Nordic Defense News. All rights reserved.</p>
  <p><a href="/privacy">Privacy</a> | <a href="/contact">Contact us</a></p></footer>
</body>
</html>
"""


def read_all(*inputs: str | Path) -> tuple[list[Document], list[DocumentError]]:
    errors: list[DocumentError] = []
    docs = list(read_documents(inputs, on_error=errors.append))
    return docs, errors


# --- formats --------------------------------------------------------------------------


def test_txt_and_md(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Plain text.\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("# Heading\n\nSome *Markdown*.\n", encoding="utf-8")
    docs, errors = read_all(tmp_path)
    assert errors == []
    assert [(d.id, d.text) for d in docs] == [
        ("a", "Plain text.\n"),
        ("b", "# Heading\n\nSome *Markdown*.\n"),
    ]
    assert docs[0].source == str(tmp_path / "a.txt")


def test_a_single_path_may_be_passed_alone(tmp_path: Path) -> None:
    path = tmp_path / "only.txt"
    path.write_text("Alone.", encoding="utf-8")
    assert [d.text for d in read_documents(path)] == ["Alone."]
    assert [d.text for d in read_documents(str(path))] == ["Alone."]


def test_html_article_is_extracted_without_boilerplate(tmp_path: Path) -> None:
    path = tmp_path / "dca.html"
    path.write_text(ARTICLE_PAGE, encoding="utf-8")
    docs, errors = read_all(path)
    assert errors == []
    (doc,) = docs
    assert doc.id == "dca"
    assert "COPENHAGEN: Denmark and the United States signed" in doc.text
    assert "concluded similar agreements with Washington." in doc.text
    for boilerplate in ("Home", "Log in", "Cookie", "Subscribe", "rights reserved", "Privacy"):
        assert boilerplate not in doc.text
    assert "not article text" not in doc.text
    assert "<" not in doc.text
    paragraphs = doc.text.split("\n\n")
    assert len(paragraphs) >= 3
    assert any(p.startswith("The agreement, which must still") for p in paragraphs)
    assert doc.title is not None
    assert doc.title.startswith("Denmark and US sign defense deal")
    assert doc.date == "2023-12-14"
    assert doc.url == "https://news.example/denmark-us-dca"
    assert doc.lang == "en"


def test_html_falls_back_to_the_body_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import trafilatura

    monkeypatch.setattr(trafilatura, "bare_extraction", lambda *a, **k: None)
    path = tmp_path / "short.htm"
    path.write_text(
        "<html><head><title>Kurz</title></head><body><nav>Menü</nav>"
        "<script>var a = 1;</script><p>Erster <b>Absatz</b><!-- x -->.</p>"
        "<div>Zweiter Absatz.</div></body></html>",
        encoding="utf-8",
    )
    (doc,) = read_documents([path])
    assert doc.text == "Erster Absatz.\n\nZweiter Absatz."
    assert doc.title == "Kurz"


def test_html_in_a_declared_legacy_encoding(tmp_path: Path) -> None:
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
        "</head><body><p>Forsvarsministeren besøgte Ærø og Østersøen i går.</p></body></html>"
    )
    path = tmp_path / "legacy.html"
    path.write_bytes(page.encode("latin-1"))
    (doc,) = read_documents([path])
    assert "Ærø og Østersøen" in doc.text


def test_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "corpus.jsonl"
    records = [
        {"id": "dk-1", "text": "Denmark signs.", "title": "T", "date": "2023-12-21"},
        {"id": 42, "text": "Norway signs.", "lang": "nb", "url": "https://x.example", "k": [1]},
    ]
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    docs, errors = read_all(path)
    assert errors == []
    assert [d.id for d in docs] == ["dk-1", "42"]
    assert docs[0].title == "T"
    assert docs[0].date == "2023-12-21"
    assert docs[0].source == f"{path}:1"
    assert docs[1].lang == "no"
    assert docs[1].url == "https://x.example"
    assert docs[1].meta == {"k": [1]}
    assert docs[1].source == f"{path}:2"


def test_jsonl_bad_lines_are_reported_and_the_rest_read(tmp_path: Path) -> None:
    path = tmp_path / "corpus.jsonl"
    lines = [
        json.dumps({"id": "a", "text": "First."}),
        '{"id": "b", "text": "broken',
        json.dumps({"id": "c", "title": "no text"}),
        "",
        json.dumps(["not", "an", "object"]),
        json.dumps({"id": "d", "text": 5}),
        json.dumps({"id": "e", "text": "Last."}),
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    docs, errors = read_all(path)
    assert [d.id for d in docs] == ["a", "e"]
    messages = [str(e) for e in errors]
    assert messages[0].startswith(f"{path}:2: invalid JSON")
    assert messages[1] == f'{path}:3: missing "text"'
    assert messages[2].startswith(f"{path}:5: expected a JSON object")
    assert messages[3].startswith(f'{path}:6: "text" must be a string')
    assert len(errors) == 4


def test_jsonl_line_in_a_wrong_encoding_costs_only_that_line(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    good = json.dumps({"id": "a", "text": "Grüße"}, ensure_ascii=False).encode()
    bad = '{"id": "b", "text": "Grüße"}'.encode("cp1252")
    path.write_bytes(
        b"\xef\xbb\xbf" + good + b"\r\n" + bad + b"\r\n" + good.replace(b'"a"', b'"c"')
    )
    docs, errors = read_all(path)
    assert [(d.id, d.text) for d in docs] == [("a", "Grüße"), ("c", "Grüße")]
    assert len(errors) == 1
    assert str(errors[0]).startswith(f"{path}:2: not valid UTF-8")


def test_an_explicit_file_with_an_unknown_suffix_is_read_as_text(tmp_path: Path) -> None:
    path = tmp_path / "notes.text"
    path.write_text("Read me.", encoding="utf-8")
    docs, errors = read_all(path)
    assert errors == []
    assert [(d.id, d.text) for d in docs] == [("notes", "Read me.")]


# --- folders, stdin, errors -------------------------------------------------------------


def test_folders_are_read_recursively_in_name_order(tmp_path: Path) -> None:
    for rel in ["b/z.txt", "a/y.txt", "a/sub/x.md", "c.txt", ".hidden/h.txt", ".h.txt"]:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rel, encoding="utf-8")
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.4 ...")
    docs, errors = read_all(tmp_path)
    assert [d.text for d in docs] == ["a/sub/x.md", "a/y.txt", "b/z.txt", "c.txt"]
    assert len(errors) == 1
    assert str(errors[0]).startswith(f"{tmp_path / 'scan.pdf'}: skipped: unsupported file type")
    assert not isinstance(errors[0], DocumentWarning)


def test_missing_input_is_reported_and_the_rest_read(tmp_path: Path) -> None:
    (tmp_path / "ok.txt").write_text("Fine.", encoding="utf-8")
    docs, errors = read_all(tmp_path / "nope.txt", tmp_path / "ok.txt")
    assert [d.id for d in docs] == ["ok"]
    assert str(errors[0]) == f"{tmp_path / 'nope.txt'}: no such file or folder"


def test_duplicate_ids_are_kept_and_renamed(tmp_path: Path) -> None:
    for rel in ["one/report.txt", "two/report.txt", "three/report.md"]:
        path = tmp_path / rel
        path.parent.mkdir(parents=True)
        path.write_text(rel, encoding="utf-8")
    docs, errors = read_all(tmp_path / "one", tmp_path / "two", tmp_path / "three")
    assert [d.id for d in docs] == ["report", "report#2", "report#3"]
    assert [d.text for d in docs] == ["one/report.txt", "two/report.txt", "three/report.md"]
    assert len(errors) == 2
    assert all(isinstance(e, DocumentWarning) for e in errors)
    assert "duplicate document id 'report'" in str(errors[0])
    assert str(errors[0]).startswith(str(tmp_path / "two" / "report.txt"))


def _renamed(ids: list[str], spill_after: int) -> tuple[list[str], list[str], bool]:
    """Ids as a run renames them through one SeenIds, with the warnings and its state."""
    seen = documents.SeenIds(spill_after=spill_after)
    warnings: list[str] = []
    out = [
        documents._unique(Document(id=i, text="", source=f"src{n}"), seen, warnings.append).id
        for n, i in enumerate(ids)
    ]
    spilled = seen.spilled
    assert len(seen) == len(ids)  # every id given, renamed or not, is taken once
    seen.close()
    return out, [str(w) for w in warnings], spilled


@given(
    st.lists(st.sampled_from(["a", "a#2", "a#3", "b", "b#2", "\ud800x", "é", "1"]), max_size=14),
    st.integers(min_value=0, max_value=6),
)
@settings(max_examples=80, deadline=None)
def test_seen_ids_spilled_to_sqlite_rename_as_in_memory(ids: list[str], spill_after: int) -> None:
    in_memory = _renamed(ids, 10**9)
    spilled = _renamed(ids, spill_after)
    assert spilled[:2] == in_memory[:2]
    assert spilled[2] == (len(ids) > spill_after)


def test_duplicate_ids_after_the_spill_name_the_first_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(documents, "SPILL_IDS", 2)
    lines = [{"id": i, "text": "x"} for i in ["a", "b", "c", "a", "d", "c", "a"]]
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    docs, errors = read_all(corpus)
    assert [d.id for d in docs] == ["a", "b", "c", "a#2", "d", "c#2", "a#3"]
    assert [str(e) for e in errors] == [
        f"{corpus}:4: duplicate document id 'a' (first used by {corpus}:1); kept as 'a#2'",
        f"{corpus}:6: duplicate document id 'c' (first used by {corpus}:3); kept as 'c#2'",
        f"{corpus}:7: duplicate document id 'a' (first used by {corpus}:1); kept as 'a#3'",
    ]


def test_stdin_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("date: 2024-03-07\nOSLO: Norge signerer.\r\n"))
    (doc,) = read_documents(["-"])
    assert doc.source == "<stdin>"
    assert doc.id == "stdin"
    assert doc.date == "2024-03-07"
    assert doc.text == "OSLO: Norge signerer.\n"


def test_stdin_bytes_are_decoded(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.TextIOWrapper(io.BytesIO(DANISH.encode("cp1252")), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stream)
    (doc,) = read_documents(["-"])
    assert doc.text == DANISH


def test_stdin_json_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [json.dumps({"id": "x", "text": "One."}), "{oops", json.dumps({"id": "y", "text": "2"})]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines)))
    docs, errors = read_all("-")
    assert [(d.id, d.source) for d in docs] == [("x", "<stdin>:1"), ("y", "<stdin>:3")]
    assert str(errors[0]).startswith("<stdin>:2: invalid JSON")


def test_errors_are_logged_by_default(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="geo.io.documents"):
        assert list(read_documents([tmp_path / "missing.txt"])) == []
    assert "missing.txt: no such file or folder" in caplog.text


def test_a_raising_callback_stops_the_run(tmp_path: Path) -> None:
    def stop(error: DocumentError) -> None:
        raise error

    with pytest.raises(DocumentError, match="no such file"):
        list(read_documents([tmp_path / "missing.txt"], on_error=stop))


# --- encodings --------------------------------------------------------------------------


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_utf8_with_and_without_bom(tmp_path: Path, bom: bytes) -> None:
    path = tmp_path / "utf8.txt"
    path.write_bytes(bom + DANISH.encode("utf-8"))
    (doc,) = read_documents([path])
    assert doc.text == DANISH


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "utf16.txt"
    data = DANISH.encode(encoding)
    if encoding != "utf-16":  # "utf-16" writes its own BOM
        data = ("\ufeff" + DANISH).encode(encoding)
    path.write_bytes(data)
    (doc,) = read_documents([path])
    assert doc.text == DANISH


def test_utf16_without_bom_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "nobom.txt"
    path.write_bytes(DANISH.encode("utf-16-le"))
    docs, errors = read_all(path)
    assert docs == []
    assert "byte-order mark" in str(errors[0])
    assert str(errors[0]).startswith(str(path))


@pytest.mark.parametrize(
    "text",
    [
        DANISH,
        "Dänemark leitet Verhandlungen ein – „Atomwaffen“ werde es nicht geben.",
        "Le Danemark a signé un accord de défense « très important » à Copenhague.",
        "España firmó el acuerdo de defensa en Rota; ¿qué pasará después?",
        "Suomi ja Yhdysvallat allekirjoittivat sopimuksen. Häätö ei ole tulossa.",
        "Norge og USA har inngått en avtale om forsvarssamarbeid på Evenes.",
    ],
)
def test_cp1252_news(tmp_path: Path, text: str) -> None:
    path = tmp_path / "legacy.txt"
    path.write_bytes(text.encode("cp1252"))
    docs, errors = read_all(path)
    assert errors == []
    assert docs[0].text == text


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "binary file, not text: looks like a PNG"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "looks like a PDF"),
        (b"some words\x00\x01\x02 and more", "binary file, not text (contains NUL bytes"),
        (bytes([1, 2, 3, 4, 5, 6, 7, 8]) * 100 + b"text", "binary file, not text"),
    ],
)
def test_binary_files_are_refused(tmp_path: Path, data: bytes, expected: str) -> None:
    path = tmp_path / "blob.txt"
    path.write_bytes(data)
    docs, errors = read_all(path)
    assert docs == []
    assert len(errors) == 1
    assert str(errors[0]).startswith(f"{path}: ")
    assert expected in str(errors[0])


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (bytes(range(0x80, 0x100)) * 10, "cannot determine the text encoding"),
        (b"Headline \x81\x8d\x8f\x90\x9d\xa4\xb6\xbe\xfe\xf0\x8a\x9a", "cannot determine"),
        ("Grüße aus Köln, Straße".encode() + b"\xff" + "Été à Århus".encode(), "not valid UTF-8"),
    ],
)
def test_undecodable_files_are_refused_with_the_file_named(
    tmp_path: Path, data: bytes, expected: str
) -> None:
    path = tmp_path / "x.txt"
    path.write_bytes(data)
    docs, errors = read_all(path)
    assert docs == []
    assert str(errors[0]).startswith(f"{path}: ")
    assert expected in str(errors[0])
    assert "UTF-8" in str(errors[0])


def test_decode_bytes_message() -> None:
    with pytest.raises(DocumentError, match=r"^x\.txt: cannot determine the text encoding"):
        decode_bytes(bytes(range(0x80, 0x100)) * 4, "x.txt")


def test_empty_file_gives_an_empty_document(tmp_path: Path) -> None:
    for name in ("a.txt", "b.html", "c.jsonl", "d.md"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "e.txt").write_text("\n\n", encoding="utf-8")
    docs, errors = read_all(tmp_path)
    assert errors == []
    # An empty .jsonl holds no records; every other empty file is one empty document.
    assert [(d.id, d.text) for d in docs] == [("a", ""), ("b", ""), ("d", ""), ("e", "\n\n")]


def test_newlines_are_normalised_and_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"  Line one\r\nLine two\rLine three\n\n\t ")
    (doc,) = read_documents([path])
    assert doc.text == "  Line one\nLine two\nLine three\n\n\t "


# --- metadata ---------------------------------------------------------------------------


def test_german_seed_date_prefix(seeds_dir: Path) -> None:
    (doc,) = read_documents([seeds_dir / f"{GERMAN_SEED}.txt"])
    assert doc.date == "2022-02"
    assert doc.text.startswith("KOPENHAGEN: Dänemark leitet Verhandlungen")
    assert doc.id == GERMAN_SEED
    raw = (seeds_dir / f"{GERMAN_SEED}.txt").read_text(encoding="utf-8")
    assert raw.endswith(doc.text)


def test_seeds_folder(seeds_dir: Path) -> None:
    docs, errors = read_all(seeds_dir)
    assert errors == []
    assert [d.id for d in docs] == [ENGLISH_SEED, GERMAN_SEED]
    assert docs[0].date is None
    assert docs[0].text.startswith("Denmark and the US are negotiating")


def test_yaml_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "fm.md"
    path.write_text(
        "---\n"
        "title: Danmark og USA indgår aftale\n"
        "date: 2023-12-21\n"
        "lang: da\n"
        "url: https://nyheder.example/dca\n"
        "id: dk-dca\n"
        "tags: [forsvar, USA]\n"
        "published: 2023-12-21 10:30:00\n"
        "---\n"
        "\n"
        "KØBENHAVN: Danmark har underskrevet aftalen.\n",
        encoding="utf-8",
    )
    docs, errors = read_all(path)
    assert errors == []
    (doc,) = docs
    assert doc.id == "dk-dca"
    assert doc.title == "Danmark og USA indgår aftale"
    assert doc.date == "2023-12-21"
    assert doc.lang == "da"
    assert doc.url == "https://nyheder.example/dca"
    assert doc.meta == {"tags": ["forsvar", "USA"], "published": "2023-12-21T10:30:00"}
    assert doc.text == "KØBENHAVN: Danmark har underskrevet aftalen.\n"


def test_broken_front_matter_leaves_the_text_and_warns(tmp_path: Path) -> None:
    path = tmp_path / "broken.md"
    text = "---\ntitle: [unclosed\n---\nBody.\n"
    path.write_text(text, encoding="utf-8")
    docs, errors = read_all(path)
    assert docs[0].text == text
    assert isinstance(errors[0], DocumentWarning)
    assert "front matter is not valid YAML" in str(errors[0])


@pytest.mark.timeout(10)  # a hang guard, not a speed measurement (see benchmarks/)
def test_yaml_alias_bomb_is_refused_quickly() -> None:
    lines = ["---", "a: &a [x, x, x, x, x, x, x, x, x, x]"]
    lines += [
        f"{c}: &{c} [{', '.join(['*' + p] * 10)}]"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    ]
    text = "\n".join([*lines, "---", "Body."])
    doc = read_text(text)
    assert doc.text == text
    assert parse_metadata(text).problems == (
        "front matter expands to too many values; read as text",
    )


def test_symlinked_folders_cannot_loop(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "doc.txt").write_text("Once.", encoding="utf-8")
    (tmp_path / "a" / "loop").symlink_to(tmp_path, target_is_directory=True)
    docs, errors = read_all(tmp_path)
    assert [d.text for d in docs] == ["Once."]
    assert errors == []


def test_unreadable_date_keeps_the_document(tmp_path: Path) -> None:
    path = tmp_path / "d.md"
    path.write_text("---\ndate: next Tuesday\n---\nBody.", encoding="utf-8")
    docs, errors = read_all(path)
    assert docs[0].date is None
    assert docs[0].meta["date_raw"] == "next Tuesday"
    assert docs[0].text == "Body."
    assert isinstance(errors[0], DocumentWarning)


@pytest.mark.parametrize(
    ("text", "date", "body"),
    [
        (" date 2022-02 KOPENHAGEN: Text.", "2022-02", "KOPENHAGEN: Text."),
        ("date: 2022-02-10\n\nBody.", "2022-02-10", "Body."),
        ("Date: 2021\nBody.", "2021", "Body."),
        ("date 2022 was a year.", None, "date 2022 was a year."),
        ("dated 2022-02 text", None, "dated 2022-02 text"),
        ("The date 2022-02 is late.", None, "The date 2022-02 is late."),
    ],
)
def test_date_prefix(text: str, date: str | None, body: str) -> None:
    doc = read_text(text)
    assert doc.date == date
    assert doc.text == body


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2022-02-10", "2022-02-10"),
        ("2022-2", "2022-02"),
        ("2022", "2022"),
        (2022, "2022"),
        ("2022/02/10", "2022-02-10"),
        ("10.02.2022", "2022-02-10"),
        ("20220210", "2022-02-10"),
        ("2022-02-10T12:30:00Z", "2022-02-10"),
        ("2022-13", None),
        ("2022-02-30", None),
        ("yesterday", None),
        (True, None),
        (None, None),
    ],
)
def test_normalize_date(value: object, expected: str | None) -> None:
    assert normalize_date(value) == expected


def test_read_text_keeps_its_id_unless_front_matter_names_one() -> None:
    assert read_text("Hello.").id == "<text>"
    assert read_text("Hello.", "mine").id == "mine"
    assert read_text("---\nid: 7\n---\nHello.", "mine").id == "7"


# --- scale ------------------------------------------------------------------------------


@pytest.mark.timeout(120)  # a hang guard; the speed itself is measured in benchmarks/
def test_a_50_mb_document_is_read_whole(tmp_path: Path, seeds_dir: Path) -> None:
    seed = (seeds_dir / f"{GERMAN_SEED}.txt").read_text(encoding="utf-8")
    block = (seed.replace("\n", "\r\n") + "\r\n").encode("utf-8")
    path = tmp_path / "big.txt"
    with path.open("wb") as out:
        for _ in range(50_000_000 // len(block) + 1):
            out.write(block)
    (doc,) = read_documents([path])
    assert doc.date == "2022-02"
    assert doc.text.startswith("KOPENHAGEN:")
    assert "\r" not in doc.text
    assert len(doc.text) > 45_000_000


# --- properties -------------------------------------------------------------------------

_FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@_FUZZ
@given(
    data=st.one_of(
        st.binary(max_size=2_000),
        st.text(max_size=500).map(lambda s: s.encode("utf-8", "surrogatepass")),
        st.text(max_size=300).map(lambda s: s.encode("utf-16", "surrogatepass")),
        st.builds(
            lambda head, tail: head + tail,
            st.sampled_from([b"---\n", b"date 2022-02 ", b"<html><body>", b'{"id":1,"text":', b""]),
            st.binary(max_size=500),
        ),
    ),
    suffix=st.sampled_from([".txt", ".md", ".html", ".jsonl", ".bin"]),
)
def test_arbitrary_bytes_only_ever_give_document_errors(
    tmp_path: Path, data: bytes, suffix: str
) -> None:
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    errors: list[DocumentError] = []
    docs = list(read_documents([path], on_error=errors.append))  # must not raise
    assert all(isinstance(e, DocumentError) for e in errors)
    assert all(str(e).startswith(str(path)) for e in errors)
    for doc in docs:
        assert isinstance(doc.text, str)
        assert "\r" not in doc.text


@settings(max_examples=300, deadline=None)
@given(text=st.text())
def test_read_text_round_trips_apart_from_newlines_and_metadata(text: str) -> None:
    normalised = normalize_newlines(text)
    doc = read_text(text)
    found = parse_metadata(normalised)
    assert normalised.endswith(doc.text)
    assert doc.text == normalised[found.body_start :]
    if not found.values and found.body_start == 0:
        assert doc.text == normalised


@settings(max_examples=200, deadline=None)
@given(
    body=st.text().filter(lambda s: not s.lstrip().lower().startswith(("date", "---"))),
    title=st.text(alphabet=st.characters(categories=["L", "N", "Zs"]), min_size=1, max_size=30),
)
def test_front_matter_is_removed_and_the_body_kept(body: str, title: str) -> None:
    title = title.strip() or "x"
    header = yaml.safe_dump({"title": title}, allow_unicode=True)
    doc = read_text(f"---\n{header}---\n{body}")
    assert doc.title == title
    assert doc.text == normalize_newlines(body).lstrip()


def test_module_exports() -> None:
    assert set(documents.__all__) <= set(dir(documents))


def _compress(data: bytes, kind: str, path: Path) -> Path:
    """*data* written to *path* compressed as *kind* (gz, bz2, xz, zst)."""
    import bz2
    import gzip
    import lzma

    if kind == "zst":
        import pyarrow as pa

        with pa.output_stream(str(path), compression="zstd") as out:
            out.write(data)
    else:
        packer = {"gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress}[kind]
        path.write_bytes(packer(data))
    return path


_RECORDS = [
    {"id": "dk-1", "text": "Denmark signs in Copenhagen.", "date": "2023-12-21"},
    {"id": 42, "text": "Die Regierung in Kopenhagen – Grüße.", "lang": "de", "k": [1]},
    {"id": "no-3", "text": "Evenes and Ramsund."},
]


@pytest.mark.parametrize("kind", ["gz", "bz2", "xz", "zst"])
def test_compressed_json_lines_read_like_the_plain_file(tmp_path: Path, kind: str) -> None:
    lines = [json.dumps(r, ensure_ascii=False) for r in _RECORDS]
    lines.insert(1, '{"id": "broken", "text": ')  # reported by line, as in a plain file
    data = ("\n".join(lines) + "\n").encode("utf-8")
    plain = tmp_path / "plain" / "corpus.jsonl"
    plain.parent.mkdir()
    plain.write_bytes(data)
    folder = tmp_path / "packed"
    folder.mkdir()
    packed = _compress(data, kind, folder / f"corpus.jsonl.{kind}")
    expected, expected_errors = read_all(plain)
    for source in (packed, folder):  # named, and found in a folder
        docs, errors = read_all(source)
        assert [(d.id, d.text, d.date, d.lang, d.meta) for d in docs] == [
            (d.id, d.text, d.date, d.lang, d.meta) for d in expected
        ]
        assert [d.source for d in docs] == [f"{packed}:{n}" for n in (1, 3, 4)]
        assert [str(e).replace(str(packed), "F") for e in errors] == [
            str(e).replace(str(plain), "F") for e in expected_errors
        ]
    # the Dask engine's partitions: the whole file is one, read the same way
    (partition,) = documents.plan_partitions([packed])
    assert partition.files == ((str(packed), f"jsonl-{kind}"),)
    assert [d.id for d in documents.read_partition(partition)] == [d.id for d in expected]


@pytest.mark.parametrize("kind", ["gz", "xz"])
def test_a_damaged_archive_keeps_what_was_read_and_the_corpus_goes_on(
    tmp_path: Path, kind: str
) -> None:
    rows = [json.dumps({"id": f"d{i}", "text": f"Line {i} names Oslo. " * 20}) for i in range(400)]
    data = ("\n".join(rows) + "\n").encode("utf-8")
    whole = _compress(data, kind, tmp_path / f"a.jsonl.{kind}")
    cut = tmp_path / f"cut.jsonl.{kind}"
    cut.write_bytes(whole.read_bytes()[: len(whole.read_bytes()) // 2])
    after = tmp_path / "z.jsonl"
    after.write_text(json.dumps({"id": "after", "text": "Bergen."}) + "\n", encoding="utf-8")
    docs, errors = read_all(cut, after)
    ids = [d.id for d in docs]
    assert ids[-1] == "after"  # the next input is read
    kept = ids[:-1]
    assert 0 < len(kept) < 400
    assert kept == [f"d{i}" for i in range(len(kept))]  # every record before the damage
    (error,) = errors
    assert str(error).startswith(f"{cut}: the compressed data is damaged after line ")
    assert "the rest of the file is skipped" in str(error)


def test_a_compressed_line_over_the_limit_is_reported_and_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(documents, "MAX_DOCUMENT_BYTES", 1000)
    rows = [
        json.dumps({"id": "a", "text": "Oslo."}),
        json.dumps({"id": "huge", "text": "x" * 50_000}),  # 50 kB a line, 100 bytes packed
        json.dumps({"id": "c", "text": "Bergen."}),
    ]
    packed = _compress(("\n".join(rows) + "\n").encode(), "gz", tmp_path / "c.jsonl.gz")
    assert packed.stat().st_size < 1000
    docs, errors = read_all(packed)
    assert [d.id for d in docs] == ["a", "c"]
    (error,) = errors
    assert str(error) == f"{packed}:2: the record is larger than 0 MB; skipped"


def _partitioned(
    inputs: list[Path], target_bytes: int
) -> tuple[list[documents.Partition], list[Document], list[str]]:
    """The Dask engine's partitions of *inputs*, and what reading them in order gives."""
    errors: list[str] = []
    parts = list(documents.plan_partitions(inputs, target_bytes=target_bytes))
    docs = [
        d
        for p in parts
        for d in documents.read_partition(p, on_error=lambda e: errors.append(str(e)))
    ]
    return parts, docs, errors


@pytest.mark.parametrize("kind", ["gz", "bz2", "xz", "zst"])
def test_a_compressed_json_lines_file_is_cut_into_partitions_read_like_the_file(
    tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(documents, "MAX_DOCUMENT_BYTES", 4000)
    rows = [
        json.dumps({"id": f"d{i}", "text": f"Article {i} from Tromsø. " * (i % 7 + 1)}).encode()
        for i in range(300)
    ]
    rows[0] = b"\xef\xbb\xbf" + rows[0]  # a byte-order mark
    rows[40] = b"{not json"
    rows[41] = b""
    rows[90] = json.dumps({"id": "huge", "text": "x" * 10_000}).encode()  # over the limit
    rows[91] = b'{"id": "latin", "text": "K\xf8benhavn"}'  # not UTF-8
    rows[150] = rows[151] = json.dumps({"id": "big", "text": "y" * 3000}).encode()
    packed = _compress(b"\n".join(rows) + b"\n", kind, tmp_path / f"c.jsonl.{kind}")
    expected, expected_errors = read_all(packed)
    assert len(expected_errors) == 4  # the bad line, the huge one, Latin-1, the duplicate

    parts, docs, errors = _partitioned([packed], 2000)
    assert {p.kind for p in parts} == {"lines"}
    assert len(parts) > 5
    # duplicate ids are renamed over the whole run by the engine, not per partition
    renamed = [d.id for d in expected]
    assert [(d.text, d.source) for d in docs] == [(d.text, d.source) for d in expected]
    assert [d.id for d in docs] == [i.replace("#2", "") for i in renamed]
    assert errors == [str(e) for e in expected_errors if "duplicate" not in str(e)]
    # the partitions follow each other in the decompressed stream and in line numbers
    assert parts[0].start == parts[0].first == 0
    for a, b in itertools.pairwise(parts):
        assert b.start == a.end
        assert b.first == a.first + a.data.count(b"\n") + len(a.notes)
    assert sum(len(p.data) for p in parts) + 10_001 + len('{"id": "huge", "text": ""}') == (
        parts[-1].end
    )


def test_a_damaged_compressed_file_cut_into_partitions_reports_the_damage_last(
    tmp_path: Path,
) -> None:
    rows = [json.dumps({"id": f"d{i}", "text": f"Line {i} names Oslo. " * 20}) for i in range(400)]
    whole = _compress(("\n".join(rows) + "\n").encode(), "gz", tmp_path / "a.jsonl.gz")
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(whole.read_bytes()[: len(whole.read_bytes()) // 2])
    expected, expected_errors = read_all(cut)
    parts, docs, errors = _partitioned([cut], 20_000)
    assert len(parts) > 3
    assert [(d.id, d.source) for d in docs] == [(d.id, d.source) for d in expected]
    assert errors == [str(e) for e in expected_errors]
    assert errors[0].startswith(f"{cut}: the compressed data is damaged after line ")
    assert parts[-1].notes == (errors[0],)
    # A file that is binary once decompressed, or small, is one partition read by the worker
    nul = _compress(b"\x00" * 100_000, "gz", tmp_path / "nul.jsonl.gz")
    small = _compress(b'{"id": "s", "text": "Bergen."}\n', "gz", tmp_path / "s.jsonl.gz")
    parts, docs, errors = _partitioned([nul, small], 1000)
    assert parts == [
        documents.Partition("files", ((str(nul), "jsonl-gz"),)),
        documents.Partition("files", ((str(small), "jsonl-gz"),)),
    ]
    assert [d.id for d in docs] == ["s"]
    assert len(errors) == 1
    assert "binary" in errors[0]


def test_an_unknown_compressed_suffix_in_a_folder_is_reported(tmp_path: Path) -> None:
    (tmp_path / "notes.txt.gz").write_bytes(b"\x1f\x8b\x08")
    docs, errors = read_all(tmp_path)
    assert docs == []
    (error,) = errors
    assert "unsupported file type '.gz'" in str(error)
    assert ".jsonl.gz" in str(error)


def _csv_corpus(path: Path) -> Path:
    rows = [
        ["id", "text", "date", "title", "outlet"],
        ["dk-1", "Denmark signs in Copenhagen.", "2023-12-21", "Signed", "DR"],
        ["42", 'Die Regierung in Kopenhagen –\nGrüße, "zitiert".', "", "", ""],
        ["short", "two"],  # a row with the wrong number of fields
        ["no-3", "Evenes and Ramsund.", "", "", "NRK"],
    ]
    import csv

    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        for row in rows:
            writer.writerow(row)
    return path


def test_csv_corpus_reads_each_row_as_a_record(tmp_path: Path) -> None:
    path = _csv_corpus(tmp_path / "export.csv")
    docs, errors = read_all(path)
    assert [d.id for d in docs] == ["dk-1", "42", "no-3"]
    assert docs[0].date == "2023-12-21"
    assert docs[0].title == "Signed"
    assert docs[0].meta == {"outlet": "DR"}
    assert docs[1].text == 'Die Regierung in Kopenhagen –\nGrüße, "zitiert".'
    assert docs[1].date is None  # an empty cell is no value
    assert docs[1].meta == {}
    assert [d.source for d in docs] == [f"{path}:2", f"{path}:3", f"{path}:6"]
    assert [str(e) for e in errors] == [f"{path}:5: 2 fields, the header has 5"]
    # compressed, in a folder, and as one partition of the Dask engine
    (tmp_path / "sub").mkdir()
    packed = _compress(path.read_bytes(), "gz", tmp_path / "sub" / "export.csv.gz")
    assert [(d.id, d.text) for d in read_all(tmp_path / "sub")[0]] == [(d.id, d.text) for d in docs]
    (partition,) = documents.plan_partitions([path])
    assert partition.files == ((str(path), "csv"),)
    assert [d.id for d in documents.read_partition(partition)] == ["dk-1", "42", "no-3"]
    assert documents.file_kind(packed) == "csv-gz"


def _big_csv(ending: bytes, rows: int = 300) -> bytes:
    """A CSV export (a BOM, quoted newlines, a short row, a blank line), then *ending*."""
    import csv

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "text", "outlet"])
    for i in range(rows):
        text = f'Row {i} from Tromsø.\n\nIt goes on, "quoted".' if i % 3 else f"Row {i}, Bodø."
        writer.writerow([f"r{i}", text, "NRK" if i % 2 else ""])
        if i == 50:
            writer.writerow(["short", "row"])
        if i == 70:
            out.write("\n")
    return "\ufeff".encode() + out.getvalue().encode() + ending


@pytest.mark.parametrize(
    ("ending", "kind", "problem"),
    [
        (b"", "csv", None),
        (b"", "zst", None),
        (b'"bad" quote,x,y\nr9,more,z\n', "csv", "malformed CSV"),
        (b'r8,"K\xf8benhavn",\nr9,more,z\n', "gz", "not valid UTF-8"),
        (b'r8,"' + b"x" * 5000 + b'",z\nr9,more,z\n', "csv", "larger than"),
        (b"", "damaged", "damaged"),
    ],
)
def test_a_csv_file_is_cut_into_partitions_of_whole_records_read_like_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ending: bytes, kind: str, problem: str | None
) -> None:
    monkeypatch.setattr(documents, "MAX_DOCUMENT_BYTES", 4000)
    data = _big_csv(ending, 3000 if kind == "damaged" else 300)
    if kind == "csv":
        path = tmp_path / "export.csv"
        path.write_bytes(data)
    elif kind == "damaged":
        path = _compress(data, "gz", tmp_path / "export.csv.gz")
        path.write_bytes(path.read_bytes()[: path.stat().st_size * 2 // 3])
    else:
        path = _compress(data, kind, tmp_path / f"export.csv.{kind}")
    expected, expected_errors = read_all(path)
    assert len(expected) > 150
    parts, docs, errors = _partitioned([path], 1500)
    assert {p.kind for p in parts} == {"lines"}
    assert len(parts) > 5
    assert [(d.id, d.text, d.meta, d.source) for d in docs] == [
        (d.id, d.text, d.meta, d.source) for d in expected
    ]
    assert errors == [str(e) for e in expected_errors]
    assert errors[0].startswith(f"{path}:")
    assert errors[0].endswith(": 2 fields, the header has 3")
    if problem is None:
        assert len(errors) == 1
        assert parts[-1].notes == ()
    else:
        assert len(errors) == 2
        assert problem in errors[1]
        assert parts[-1].notes == (errors[1],)
    # every partition starts with the header, and the records follow each other
    assert all(p.data.startswith(b"id,text,outlet\n") for p in parts)
    for a, b in itertools.pairwise(parts):
        assert b.start == a.end


def test_a_small_or_refused_csv_file_is_one_partition(tmp_path: Path) -> None:
    small = _csv_corpus(tmp_path / "small.csv")
    no_text = tmp_path / "no-text.csv"
    no_text.write_bytes(b"id,body\n" + b"a,Oslo\n" * 2000)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    parts, _docs, errors = _partitioned([small, no_text, empty], 10_000)
    assert [p.kind for p in parts] == ["files", "files", "files"]
    assert any("needs a header row with the columns id and text" in e for e in errors)


def test_csv_corpus_problems_name_the_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_text = tmp_path / "a.csv"
    no_text.write_text("id,body\n1,Oslo\n", encoding="utf-8")
    docs, errors = read_all(no_text)
    assert docs == []
    assert [str(e) for e in errors] == [
        f"{no_text}: a CSV corpus needs a header row with the columns id and text; "
        "missing text (columns: id, body)"
    ]
    broken = tmp_path / "b.csv"
    broken.write_bytes(
        b'id,text\n1,"Oslo."\n2,"Bergen \xff."\n' + b"3,Tromso\n" * 5000  # bad UTF-8
    )
    docs, errors = read_all(broken)
    assert [str(e) for e in errors] == [
        f"{broken}:3: not valid UTF-8 at byte 10 of the line (a CSV corpus must be UTF-8); "
        "the rest of the file is skipped"
    ]
    assert [d.id for d in docs] == ["1"]  # every row before it
    monkeypatch.setattr(documents, "MAX_DOCUMENT_BYTES", 100)
    huge = tmp_path / "c.csv"
    huge.write_text(f'id,text\n1,Oslo\n2,"{"x" * 500}"\n3,Bergen\n', encoding="utf-8")
    docs, errors = read_all(huge)
    assert [d.id for d in docs] == ["1"]
    (error,) = errors
    assert str(error) == f"{huge}:3: a line is larger than 0 MB; the rest of the file is skipped"


def test_reading_a_csv_corpus_leaves_the_csv_module_as_it_was(tmp_path: Path) -> None:
    import csv

    before = csv.field_size_limit()
    path = _csv_corpus(tmp_path / "export.csv")
    assert len(read_all(path)[0]) == 3
    assert csv.field_size_limit() == before


def test_a_compressed_file_is_judged_on_what_it_holds(tmp_path: Path) -> None:
    zeros = _compress(b"\x00" * 1_000_000, "gz", tmp_path / "zeros.jsonl.gz")
    no_text = _compress(b"id,body\n1,Oslo\n", "xz", tmp_path / "cols.csv.xz")
    docs, errors = read_all(zeros, no_text)
    assert docs == []
    assert [str(e).split(" (")[0] for e in errors] == [
        f"{zeros}: binary file, not text",  # not "damaged": it decompresses fine
        f"{no_text}: a CSV corpus needs a header row with the columns id and text; missing text",
    ]
