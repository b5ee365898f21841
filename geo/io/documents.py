r"""Reading documents: files, folders, JSON Lines corpora and standard input.

Every later stage works on :class:`~geo.models.Document` records, so this module is where
the messy outside world is turned into clean text once:

* **Formats**, chosen by suffix: ``.txt`` and ``.md`` (plain text, Markdown kept as
  written), ``.html``/``.htm`` (the article is extracted, boilerplate dropped) and
  ``.jsonl`` (one document per line), ``.csv`` (a header row with ``id`` and ``text``
  columns, as news databases export; other columns are metadata like JSON Lines keys),
  and both compressed (``.jsonl.gz``, ``.csv.bz2``, ``.jsonl.xz``, ``.csv.zst``...:
  news archives come so, and a corpus of tens of GB need not be unpacked first; each is
  decompressed as it is read). A file named explicitly with any other suffix is read as
  text; inside a folder such files are skipped *and reported*.
* **Encodings**: UTF-8 with or without BOM, UTF-16 with BOM, and — for the legacy
  Western-European news files that still circulate — a single-byte encoding when it can
  be determined with confidence. Anything else is refused with a message that names the
  file and says how to fix it; nothing is decoded by guesswork.
* **Newlines** are normalised to ``\n`` (``\r\n`` and lone ``\r``); nothing else is
  stripped or rewritten. All offsets downstream (mentions, sentences) are code-point
  offsets into this normalised, metadata-free ``Document.text``.
* **Metadata** at the start of a text (YAML front matter or a ``date 2022-02`` prefix)
  is moved into the record's fields, so the text starts with the article itself.

Decisions, so callers can rely on them:

* **Errors never stop a run.** Every problem becomes a :class:`~geo.errors.DocumentError`
  passed to ``on_error``; the rest is still read. Problems that do not lose the document
  (a renamed duplicate id, an unreadable date) are :class:`DocumentWarning`, a subclass,
  so a caller can count them apart. Pass a callback that raises to stop at the first one.
* **Duplicate ids are kept, renamed**: the second document with id ``x`` becomes
  ``x#2`` (the third ``x#3``) and a :class:`DocumentWarning` says so. Dropping it would
  silently lose an article; two records with one id would corrupt every join on ``doc``.
  The ids seen move from memory to a temporary SQLite file after the first 100,000
  (:class:`SeenIds`), so a corpus of millions of documents is read in flat memory.
* **Empty documents are yielded** (with ``text == ""``): reading does not judge content,
  and counts of documents in and out stay equal. An empty ``.jsonl`` holds no records.
* ``Document.lang`` is the *declared* language (front matter, JSONL, ``<html lang>``)
  or ``None``; detecting it is :func:`geo.text.langid.detect_language`'s job.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from geo.errors import DocumentError
from geo.io import safeyaml
from geo.models import Document

__all__ = [
    "COMPRESSED",
    "SUFFIXES",
    "DocumentWarning",
    "Metadata",
    "Partition",
    "SeenIds",
    "UniqueIds",
    "decode_bytes",
    "file_kind",
    "normalize_date",
    "normalize_newlines",
    "parse_metadata",
    "plan_partitions",
    "read_documents",
    "read_partition",
    "read_text",
]

log = logging.getLogger(__name__)
# trafilatura logs "discarding data: None" without a file name for pages it cannot use;
# this module reports those pages itself, by name.
logging.getLogger("trafilatura").setLevel(logging.ERROR)

ErrorHandler = Callable[[DocumentError], None]

#: Suffix (lower-case) → format. Anything else is skipped inside folders.
SUFFIXES: Mapping[str, str] = {
    ".txt": "text",
    ".md": "text",
    ".html": "html",
    ".htm": "html",
    ".jsonl": "jsonl",
    ".csv": "csv",
    ".parquet": "parquet",
}

#: Compressed corpora: full suffix (lower-case) → format. Read as a stream, one record at
#: a time like ``.jsonl`` and ``.csv``; a partition of the Dask engine is a whole file (a
#: compressed stream cannot be entered in the middle).
COMPRESSED: Mapping[str, str] = {
    f"{base}.{codec}": f"{base[1:]}-{codec}"
    for base in (".jsonl", ".csv")
    for codec in ("gz", "bz2", "xz", "zst")
}


def file_kind(path: Path) -> str | None:
    """The format of *path* by its suffix (:data:`SUFFIXES`, :data:`COMPRESSED`), if known."""
    name = path.name.lower()
    for suffix, kind in COMPRESSED.items():
        if name.endswith(suffix):
            return kind
    return SUFFIXES.get(path.suffix.lower())


STDIN = "-"
STDIN_SOURCE = "<stdin>"
STDIN_ID = "stdin"

# Record fields that front matter and JSONL keys fill; every other key goes to ``meta``.
_FIELDS = ("id", "title", "date", "lang", "url")

_FRONT_MATTER_LIMIT = 65_536  # front matter longer than this is not front matter
_SAMPLE = 65_536  # bytes/characters inspected by the binary and plausibility checks


class DocumentWarning(DocumentError):
    """Reported through ``on_error`` when a document *was* read but something is off.

    Raised for a duplicate id (the document is kept under a ``#2`` suffix) and for
    metadata that could not be used (an unreadable date, broken front matter). A caller
    that counts failures can skip these with ``isinstance(err, DocumentWarning)``.
    """


# --------------------------------------------------------------------------------------
# Encodings
# --------------------------------------------------------------------------------------

_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)

# Control bytes that never occur in text (all C0 controls but TAB, LF, VT, FF, CR, ESC).
_CONTROL_BYTES = bytes([*range(0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F])
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")

# Well-known binary formats, to say what the file is instead of "binary".
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF; extract its text first (for example with pdftotext)"),
    (b"PK\x03\x04", "a ZIP archive (or .docx/.odt); unpack or export it as text"),
    (b"\x1f\x8b", "gzip-compressed; decompress it first (JSON Lines is read as .jsonl.gz)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office file; save it as text"),
    (b"{\\rtf", "RTF; save it as plain text"),
)

# A well-formed UTF-8 multi-byte sequence: finding many in a file that does not decode
# means "broken UTF-8", not "some other encoding".
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)

# Non-ASCII characters that Western-European news in the supported languages uses:
# letters of en/de/da/no/sv/fi/fr/es (and a few neighbours) and typographic punctuation.
_WESTERN = frozenset(
    "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝßàáâãäåæçèéêëìíîïñòóôõöøùúûüýÿŠšŽžŒœŸ"
    "–—‘’‚“”„…«»‹›€£¥§°±×·¼½¾¹²³ªº¿¡©®™•†\u00a0\u00ad"
)

_HTML_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I
)


def _encoding_error(name: str, detail: str = "") -> DocumentError:
    detail = f" ({detail})" if detail else ""
    return DocumentError(
        f"{name}: cannot determine the text encoding (not UTF-8/UTF-16){detail}; "
        "convert it to UTF-8"
    )


def _refuse_binary(data: bytes, name: str) -> None:
    """Raise when *data* is not text at all: a known binary format, NULs, control bytes."""
    for magic, what in _MAGIC:
        if data.startswith(magic):
            msg = f"{name}: binary file, not text: looks like {what}"
            raise DocumentError(msg)
    if b"\x00" in data:
        msg = (
            f"{name}: binary file, not text (contains NUL bytes; "
            "UTF-16 text needs a byte-order mark)"
        )
        raise DocumentError(msg)
    sample = data[:_SAMPLE]
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if sample and controls / len(sample) > 0.01:
        msg = f"{name}: binary file, not text ({controls} control bytes in the first {len(sample)})"
        raise DocumentError(msg)


def _looks_western(text: str) -> bool:
    """Whether the non-ASCII characters of *text* are the ones our languages write."""
    sample = text[: _SAMPLE * 4]
    odd = total = 0
    for ch in sample:
        if ch >= "\x80":
            total += 1
            if ch not in _WESTERN:
                odd += 1
    return total > 0 and odd <= total * 0.02


def _too_many_controls(text: str) -> bool:
    sample = text[:_SAMPLE]
    return bool(sample) and len(_CONTROL_CHARS.findall(sample)) > len(sample) * 0.01


def decode_bytes(data: bytes, name: str, *, html: bool = False) -> str:
    """Decode the raw bytes of a document, or raise :class:`DocumentError` naming *name*.

    Called for every file and for standard input. In order: a BOM decides (UTF-8,
    UTF-16 LE/BE); binary data is refused; strict UTF-8 is tried; for HTML a declared
    ``<meta charset>`` is honoured; bytes that are *almost* UTF-8 are refused as broken
    UTF-8 rather than mis-decoded; cp1252 (a superset of Latin-1 for text) is accepted
    when every non-ASCII character it yields belongs to Western-European news
    (charset-normalizer alone mislabels short Latin-1 texts as cp1250 or hp_roman8);
    finally charset-normalizer's best guess is accepted only when it is confident (low
    "chaos", some language coherence) and the result is text. Newlines are *not* normalised here.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as exc:
                where = exc.start + len(bom)
                msg = (
                    f"{name}: invalid {encoding.upper()} at byte {where} despite its "
                    "byte-order mark; re-save it as UTF-8"
                )
                raise DocumentError(msg) from None
            if "\x00" in text or _too_many_controls(text):
                msg = (
                    f"{name}: binary file, not text (control characters after a "
                    f"{encoding.upper()} byte-order mark)"
                )
                raise DocumentError(msg)
            return text

    _refuse_binary(data, name)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start

    if html:
        match = _HTML_CHARSET.search(data[:4096])
        if match:
            declared = match.group(1).decode("ascii").lower()
            try:
                if declared.replace("-", "").startswith(("utf16", "utf32")):
                    raise LookupError(declared)  # needs a BOM, which was not there
                text = data.decode(declared)
            except (LookupError, UnicodeDecodeError):
                pass
            else:
                if not _too_many_controls(text):
                    return text

    sample = data[: _SAMPLE * 4]
    high = sum(1 for b in sample if b >= 0x80)
    in_sequences = sum(len(m) for m in _UTF8_SEQUENCE.findall(sample))
    if high and in_sequences >= high * 0.5:
        msg = (
            f"{name}: not valid UTF-8 (broken byte sequence at byte {first_bad}); "
            "repair or re-save it as UTF-8"
        )
        raise DocumentError(msg)

    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        pass
    else:
        if _looks_western(text) and not _too_many_controls(text):
            return text

    return _decode_with_charset_normalizer(data, name)


def _decode_with_charset_normalizer(data: bytes, name: str) -> str:
    from charset_normalizer import from_bytes  # imported late: it is slow to import

    best = from_bytes(data[: _SAMPLE * 4]).best()
    if best is None:
        raise _encoding_error(name)
    encoding = best.encoding
    # "Confident": little mess in the decoded text *and* it reads like some language
    # (coherence); garbage bytes often decode to a low-mess but incoherent jumble.
    if encoding.startswith(("utf_16", "utf_32")) or best.chaos > 0.1 or best.coherence < 0.2:
        raise _encoding_error(name, f"best guess {encoding} is not reliable")
    try:
        text = data.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        raise _encoding_error(name, f"best guess {encoding} does not fit the whole file") from None
    if _too_many_controls(text):
        msg = f"{name}: binary file, not text (control characters as {encoding})"
        raise DocumentError(msg)
    return text


def normalize_newlines(text: str) -> str:
    r"""Turn ``\r\n`` and lone ``\r`` into ``\n``; every other character is kept.

    Applied to every document text, so offsets refer to the normalised text.
    """
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --------------------------------------------------------------------------------------
# Metadata
# --------------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?:[T ]\d\S*)?")
_DMY_DATE = re.compile(r"(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")

# `date 2022-02 ` (the seeds' prefix) or `date: 2022-02-10`, before the article text.
_DATE_PREFIX = re.compile(
    r"\s*(?:date|Date|DATE)"
    r"(?::[ \t]*(?P<loose>\d{4}(?:-\d{1,2}){0,2}(?:T[0-9:.]+(?:Z|[+-]\d\d:?\d\d)?)?)"
    r"|[ \t]+(?P<strict>\d{4}-\d{1,2}(?:-\d{1,2})?))"
    r"(?=\s|\Z)\s*"
)
_FRONT_MATTER_OPEN = re.compile(r"---[ \t]*\n")
_FRONT_MATTER_CLOSE = re.compile(r"\n---[ \t]*(?:\n|\Z)")
_SPACE = re.compile(r"\s+")


def _skip_space(text: str, pos: int) -> int:
    """The first offset at or after *pos* that is not whitespace (or the end)."""
    match = _SPACE.match(text, pos)
    return match.end() if match else pos


def normalize_date(value: object) -> str | None:
    """Return *value* as an ISO 8601 date (``2022-02-10``, ``2022-02`` or ``2022``).

    Used for every date from front matter, prefixes, JSONL and HTML metadata. Accepts
    ``date``/``datetime`` objects (YAML makes those), years as integers, ISO strings
    with ``-``, ``/`` or ``.`` separators (a time part is dropped: agreements are dated
    by day), ``10.02.2022`` (German and Nordic order) and ``20220210``. Returns ``None``
    when the value is not a real calendar date.
    """
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return f"{value:04d}" if 1000 <= value <= 2999 else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = match.groups()
    elif match := _DMY_DATE.fullmatch(text):
        day, month, year = match.groups()
    elif match := _COMPACT_DATE.fullmatch(text):
        year, month, day = match.groups()
    else:
        return None
    y = int(year)
    if not 1000 <= y <= 2999:
        return None
    if month is None:
        return f"{y:04d}"
    m = int(month)
    if not 1 <= m <= 12:
        return None
    if day is None:
        return f"{y:04d}-{m:02d}"
    try:
        return dt.date(y, m, int(day)).isoformat()
    except ValueError:
        return None


def _normalize_lang(value: object) -> str | None:
    """``de-DE`` → ``de``; Bokmål and Nynorsk (``nb``, ``nn``) → ``no``."""
    if value is None:
        return None
    code = str(value).strip().lower().replace("_", "-").split("-")[0]
    if code in ("nb", "nn", "nob", "nno", "nor"):
        return "no"
    return code or None


class _TooLarge(ValueError):
    """Front matter that expands beyond :data:`_MAX_META_NODES` values (alias bombs)."""


_MAX_META_NODES = 10_000


def _jsonable(value: Any, budget: list[int] | None = None) -> Any:
    """Make YAML values safe for JSON output: dates become ISO strings, keys strings.

    YAML aliases can make a small block expand exponentially; *budget* (a one-item
    counter) bounds the number of values copied and raises :class:`_TooLarge` past it.
    """
    if budget is None:
        budget = [_MAX_META_NODES]
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooLarge
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v, budget) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v, budget) for v in value]
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value


class _FrontMatterLoader(safeyaml.BudgetLoader):
    """Front matter is a handful of fields: a much smaller expansion budget."""

    max_nodes = _MAX_META_NODES


class Metadata(NamedTuple):
    """What :func:`parse_metadata` found at the start of a text.

    ``values`` holds the keys as written (``date`` not yet normalised), ``body_start``
    the offset where the article text begins, and ``problems`` messages about metadata
    that was present but unusable (the text is then left as it was).
    """

    values: dict[str, Any]
    body_start: int
    problems: tuple[str, ...] = ()


def parse_metadata(text: str) -> Metadata:
    """Find the metadata block at the start of *text*; pure, never raises.

    Two forms are recognised: YAML front matter (``---`` on the first line, a mapping,
    ``---`` closing it within 64 KiB; safe-loaded) and a ``date`` prefix
    (``date 2022-02 `` with at least year and month, or ``date: 2022-02-10``), optionally
    after leading whitespace. Whitespace after the block belongs to it, so the body starts
    at the first character of the article (``KOPENHAGEN:`` in the German seed).
    ``text[body_start:]`` is always a suffix of *text*; without metadata it is all of it.
    """
    if _FRONT_MATTER_OPEN.match(text):
        return _parse_front_matter(text)
    match = _DATE_PREFIX.match(text)
    if match:
        return Metadata({"date": match.group("loose") or match.group("strict")}, match.end())
    return Metadata({}, 0)


def _parse_front_matter(text: str) -> Metadata:
    opening = _FRONT_MATTER_OPEN.match(text)
    assert opening is not None  # checked by the caller
    limit = min(len(text), _FRONT_MATTER_LIMIT)
    close = _FRONT_MATTER_CLOSE.search(text, opening.end() - 1, limit)
    if close is None or (close.end() == limit < len(text) and text[limit - 1] != "\n"):
        return Metadata({}, 0, ("front matter '---' is never closed; read as text",))
    block = text[opening.end() : close.start() + 1]
    try:
        loaded = safeyaml.load(block, name="front matter", loader=_FrontMatterLoader)
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            problem = "front matter is not a mapping of keys to values; read as text"
            return Metadata({}, 0, (problem,))
        values = _jsonable(loaded)
    except _TooLarge:
        return Metadata({}, 0, ("front matter expands to too many values; read as text",))
    except safeyaml.YAMLBudgetError as exc:
        if "expands" in str(exc.problem):
            return Metadata({}, 0, ("front matter expands to too many values; read as text",))
        return Metadata({}, 0, (f"front matter is {exc.problem}; read as text",))
    except (yaml.YAMLError, RecursionError, ValueError, OverflowError) as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return Metadata({}, 0, (f"front matter is not valid YAML ({first_line}); read as text",))
    return Metadata(values, _skip_space(text, close.end()))


def _scalar(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float | dt.date):
        return _id_string(value) if isinstance(value, int | float) else value.isoformat()
    return None


def _id_string(value: int | float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _build(
    text: str,
    *,
    doc_id: str,
    source: str | None,
    fields: Mapping[str, Any] | None = None,
    meta: Mapping[str, Any] | None = None,
    problems: list[str] | None = None,
) -> Document:
    """Assemble a Document from raw text plus explicit fields (which win over metadata).

    Problems that do not lose the document are appended to *problems*.
    """
    text = normalize_newlines(text)
    found = parse_metadata(text)
    issues = list(found.problems)
    values = dict(found.values)
    merged_meta: dict[str, Any] = {}
    for key, value in values.items():
        if key not in _FIELDS:
            merged_meta[key] = value
    if meta:
        merged_meta.update(meta)
    explicit = {k: v for k, v in (fields or {}).items() if v is not None}
    chosen = {key: explicit.get(key, values.get(key)) for key in _FIELDS}

    title = _scalar(chosen["title"])
    url = _scalar(chosen["url"])
    new_id = _scalar(chosen["id"]) or doc_id
    raw_date = chosen["date"]
    date = normalize_date(raw_date) if raw_date is not None else None
    if raw_date is not None and date is None:
        issues.append(f"unreadable date {raw_date!r} (expected ISO 8601 such as 2022-02-10)")
        merged_meta.setdefault("date_raw", raw_date)
    for key in ("title", "url"):
        if chosen[key] is not None and _scalar(chosen[key]) is None:
            issues.append(f"{key} must be text, not {type(chosen[key]).__name__}; ignored")
    if problems is not None:
        problems.extend(issues)
    return Document(
        id=new_id,
        text=text[found.body_start :],
        title=title,
        date=date,
        lang=_normalize_lang(chosen["lang"]),
        url=url,
        source=source,
        meta=merged_meta,
    )


def read_text(text: str, doc_id: str = "<text>", *, source: str | None = None) -> Document:
    """Make a Document from an in-memory string (tests, notebooks, the web UI).

    The same rules as for files apply: newlines are normalised and leading metadata is
    moved into the fields, so ``text`` starts with the article. An ``id`` in front
    matter overrides *doc_id*. Problems with the metadata are not raised: the text is
    then kept as it was (see :func:`parse_metadata`).
    """
    return _build(text, doc_id=doc_id, source=source)


# --------------------------------------------------------------------------------------
# Formats
# --------------------------------------------------------------------------------------


def _text_document(text: str, name: str, doc_id: str, report: ErrorHandler) -> Document:
    problems: list[str] = []
    doc = _build(text, doc_id=doc_id, source=name, problems=problems)
    for problem in problems:
        report(DocumentWarning(f"{name}: {problem}"))
    return doc


_HTML_LANG = re.compile(rb"""<html[^>]{0,500}?\blang\s*=\s*["']?([A-Za-z]{2,3})""", re.I)
_SKIP_TAGS = frozenset(
    {"script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed"}
    | {"select", "button", "nav", "footer", "aside", "form", "head", "title"}
)
_BLOCK_TAGS = frozenset(
    {"address", "article", "blockquote", "body", "br", "dd", "details", "dialog", "div"}
    | {"dl", "dt", "fieldset", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6"}
    | {"header", "hr", "li", "main", "ol", "p", "pre", "section", "summary", "table", "td"}
    | {"th", "tr", "ul"}
)


def _parse_html(text: str) -> Any:
    """Parse HTML with lxml; encoding already decided, so declarations are ignored."""
    import lxml.html

    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=False, huge_tree=True)
    return lxml.html.document_fromstring(text.encode("utf-8", "surrogatepass"), parser=parser)


def _lxml_paragraphs(root: Any) -> list[str]:
    """Text of the ``<body>`` as paragraphs, by walking the tree (no regex on tags).

    The fallback when trafilatura finds no article (very short pages, odd markup).
    Iterative, so deeply nested pages cannot exhaust the stack.
    """
    body = root.find("body")
    if body is None:
        body = root
    paragraphs: list[str] = []
    current: list[str] = []

    def flush() -> None:
        joined = " ".join("".join(current).split())
        if joined:
            paragraphs.append(joined)
        current.clear()

    stack: list[tuple[Any, bool]] = [(body, False)]
    while stack:
        element, closing = stack.pop()
        tag = element.tag.lower() if isinstance(element.tag, str) else None
        if closing:
            if tag in _BLOCK_TAGS:
                flush()
            if element is not body and element.tail:
                current.append(element.tail)
            continue
        if tag is None or tag in _SKIP_TAGS:  # comments, processing instructions, chrome
            if element is not body and element.tail:
                current.append(element.tail)
            continue
        if tag in _BLOCK_TAGS:
            flush()
        if element.text:
            current.append(element.text)
        stack.append((element, True))
        stack.extend((child, False) for child in reversed(element))
    flush()
    return paragraphs


class _TextOnly(HTMLParser):
    """Paragraphs of an HTML page by a flat scan of its tags (no tree, no depth limit).

    libxml2 gives up on pages nested deeper than a couple of thousand elements and
    returns an empty body; this stdlib tokenizer keeps only text, skipping the same
    chrome as :func:`_lxml_paragraphs` and breaking paragraphs at block tags.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self.current: list[str] = []
        self.skipping: list[str] = []

    def flush(self) -> None:
        joined = " ".join("".join(self.current).split())
        if joined:
            self.paragraphs.append(joined)
        self.current.clear()

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in _SKIP_TAGS:
            self.skipping.append(tag)
        elif tag in _BLOCK_TAGS:
            self.flush()

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and tag == self.skipping[-1]:
            self.skipping.pop()
        elif tag in _BLOCK_TAGS:
            self.flush()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.current.append(data)


def _flat_paragraphs(html: str) -> list[str]:
    parser = _TextOnly()
    parser.feed(html)
    parser.close()
    parser.flush()
    return parser.paragraphs


def _html_document(data: bytes, name: str, doc_id: str, report: ErrorHandler) -> Document:
    """Extract the article of an HTML page: trafilatura first, lxml's ``<body>`` second.

    Paragraphs are separated by blank lines so the sentence splitter sees them. Title,
    date and canonical URL come from trafilatura's metadata (``<title>`` as fallback),
    author, site name and description go to ``meta``, the language from ``<html lang>``.
    """
    import lxml.etree
    import trafilatura

    html = normalize_newlines(decode_bytes(data, name, html=True))
    if not html.strip():
        return Document(id=doc_id, text="", source=name)
    try:
        tree = _parse_html(html)
    except (lxml.etree.LxmlError, ValueError) as exc:
        msg = f"{name}: cannot parse the HTML ({exc})"
        raise DocumentError(msg) from None

    title = date = url = None
    meta: dict[str, Any] = {}
    paragraphs: list[str] = []
    try:
        extracted = trafilatura.bare_extraction(
            tree,
            include_comments=False,
            include_tables=True,
            with_metadata=True,
            date_extraction_params={"original_date": True, "extensive_search": False},
        )
    except Exception:  # a third-party extractor: one odd page must not stop the run
        log.debug("trafilatura failed on %s", name, exc_info=True)
        extracted = None
    if extracted is not None and not isinstance(extracted, dict):  # a Document record
        title = extracted.title or None
        date = normalize_date(extracted.date) if extracted.date else None
        url = extracted.url or None
        meta = {
            key: value
            for key in ("author", "sitename", "description")
            if isinstance(value := getattr(extracted, key, None), str) and value
        }
        paragraphs = [line.strip() for line in (extracted.text or "").split("\n") if line.strip()]
    if not paragraphs:
        tree = _parse_html(html)  # trafilatura prunes the tree it is given
        paragraphs = _lxml_paragraphs(tree)
        if title is None:
            found = tree.findtext(".//title")
            title = (" ".join(found.split()) or None) if found else None
    if not paragraphs:
        paragraphs = _flat_paragraphs(html)
        if paragraphs:
            report(
                DocumentWarning(
                    f"{name}: the HTML is nested too deeply for the article extractor; "
                    "its text was taken by a plain scan of the tags"
                )
            )
    lang_match = _HTML_LANG.search(data[:8192]) or _HTML_LANG.search(html[:8192].encode())
    return Document(
        id=doc_id,
        text="\n\n".join(paragraphs),
        title=title,
        date=date,
        lang=_normalize_lang(lang_match.group(1).decode("ascii")) if lang_match else None,
        url=url,
        source=name,
        meta=meta,
    )


#: Largest document read (bytes): a text or HTML file, one JSON Lines record, standard
#: input as one text. A bigger one is reported by name and skipped, so ``/dev/zero``-like
#: input or a 27 GB file cannot exhaust memory. JSON Lines files have no overall limit:
#: they are read one line at a time.
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024


def display_name(path: str | Path) -> str:
    r"""*path* as text safe to print and to write as UTF-8.

    A file name that is not valid UTF-8 comes from :mod:`os` with lone surrogates
    (``surrogateescape``); writing those to a terminal or a JSON Lines file fails. They
    become ``\xNN`` escapes here, so the name is still recognisable in every report.
    """
    text = os.fspath(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", "backslashreplace")
    return text


def _bad_unicode(value: Any, budget: list[int] | None = None) -> bool:
    """Whether a decoded JSON value holds a lone surrogate (``"\ud800"`` escapes)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_bad_unicode(k) or _bad_unicode(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_bad_unicode(v) for v in value)
    return False


def _jsonl_record(line: str, where: str, report: ErrorHandler) -> Document | None:
    """The Document of one JSON Lines line, or ``None`` after reporting why not."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        report(DocumentError(f"{where}: invalid JSON ({exc.msg} at column {exc.colno})"))
        return None
    except RecursionError:
        report(DocumentError(f"{where}: invalid JSON (nested too deeply)"))
        return None
    except ValueError as exc:  # an integer of more than 4,300 digits, and the like
        report(DocumentError(f"{where}: invalid JSON ({str(exc).splitlines()[0][:120]})"))
        return None
    if not isinstance(record, dict):
        report(DocumentError(f"{where}: expected a JSON object, got {type(record).__name__}"))
        return None
    if ("\\ud" in line or "\\uD" in line) and _bad_unicode(record):
        report(
            DocumentError(
                f"{where}: a \\uD800-\\uDFFF escape without its pair (a lone surrogate) is "
                "not Unicode text; repair the record"
            )
        )
        return None
    return _record_document(record, where, report)


def _record_document(record: dict[str, Any], where: str, report: ErrorHandler) -> Document | None:
    """The Document of one corpus record (a JSON Lines line or a Parquet row).

    The same rules for both: ``id`` and ``text`` are required, ``title``/``date``/
    ``lang``/``url`` fill the record's fields, every other key goes to ``meta``.
    """
    missing = [key for key in ("id", "text") if key not in record]
    if missing:
        report(DocumentError(f"{where}: missing " + " and ".join(f'"{k}"' for k in missing)))
        return None
    raw_id, text = record["id"], record["text"]
    if isinstance(raw_id, bool) or not isinstance(raw_id, str | int | float):
        report(DocumentError(f'{where}: "id" must be a string or a number'))
        return None
    doc_id = raw_id if isinstance(raw_id, str) else _id_string(raw_id)
    if not doc_id.strip():
        report(DocumentError(f'{where}: "id" is empty'))
        return None
    if not isinstance(text, str):
        report(DocumentError(f'{where}: "text" must be a string, not {type(text).__name__}'))
        return None
    bad = [
        key
        for key in ("title", "date", "lang", "url")
        if record.get(key) is not None and not isinstance(record[key], str | int | float)
    ]
    if bad:
        report(DocumentError(f'{where}: "{bad[0]}" must be a string'))
        return None
    fields = {key: record.get(key) for key in ("title", "date", "lang", "url")}
    fields["id"] = doc_id
    meta = {key: value for key, value in record.items() if key not in (*_FIELDS, "text")}
    problems: list[str] = []
    doc = _build(text, doc_id=doc_id, source=where, fields=fields, meta=meta, problems=problems)
    for problem in problems:
        report(DocumentWarning(f"{where}: {problem}"))
    return doc


def _jsonl_records(
    lines: Iterable[tuple[int, str]], name: str, report: ErrorHandler
) -> Iterator[Document]:
    """One Document per non-blank JSONL line; a bad line is reported and skipped."""
    for number, line in lines:
        if not line.strip():
            continue
        where = f"{name}:{number}"
        doc = _guarded(_jsonl_record, line, where, "record", report)
        if doc is not None:
            yield doc


def _guarded(
    read: Callable[[Any, str, ErrorHandler], Document | None],
    raw: Any,
    where: str,
    what: str,
    report: ErrorHandler,
) -> Document | None:
    """``read(raw, where, report)``, a malformed record reported as one failure.

    JSON Lines records and Parquet rows fail the same ways (deep nesting, bad numbers,
    unpaired surrogates); the failure names its place (``file:line`` or ``file:row N``)
    and the rest of the corpus goes on. ``None`` then.
    """
    try:
        return read(raw, where, report)
    except (RecursionError, ValueError, UnicodeError, OverflowError) as exc:
        report(DocumentError(f"{where}: cannot read the {what} ({type(exc).__name__}: {exc})"))
        return None


def _binary_lines(
    stream: Any, limit: int, *, first: int = 0, end: int | None = None
) -> Iterator[tuple[int, bytes | None]]:
    """Numbered lines of a binary stream, each at most *limit* bytes (else ``None``).

    Reads one line at a time, so a corpus of any size streams in constant memory; a
    line longer than *limit* is consumed in pieces and reported as ``None``. Numbers
    start after *first*; with *end* (a byte offset) no line starting at or after it is
    read, which is how a partition of a JSON Lines file is read (:func:`read_partition`).
    """
    number = first
    while end is None or stream.tell() < end:
        raw = stream.readline(limit + 1)
        if not raw:
            return
        number += 1
        if len(raw) > limit and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):
                raw = stream.readline(1 << 20)
            yield number, None
            continue
        yield number, raw


def _line_too_large(name: str, number: int) -> str:
    limit = MAX_DOCUMENT_BYTES // (1024 * 1024)
    return f"{name}:{number}: the record is larger than {limit} MB; skipped"


def _decoded_lines(
    lines: Iterable[tuple[int, bytes | None]], name: str, report: ErrorHandler
) -> Iterator[tuple[int, str]]:
    """Decode each JSON Lines line on its own: one corrupt line costs one record."""
    for number, raw in lines:
        if raw is None:
            report(DocumentError(_line_too_large(name, number)))
            continue
        if number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            report(
                DocumentError(
                    f"{name}:{number}: not valid UTF-8 at byte {exc.start} of the line "
                    "(JSON Lines must be UTF-8)"
                )
            )
            continue
        if "\x00" in line:
            report(DocumentError(f"{name}:{number}: binary data (NUL bytes), not a JSON record"))
            continue
        yield number, line.rstrip("\n").removesuffix("\r")


_DAMAGE = "the compressed data is damaged"


def _damage_errors() -> tuple[type[BaseException], ...]:
    """What the decompressors raise on a truncated or corrupt archive."""
    import lzma
    import zlib

    return (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError)


def _open_compressed(path: Path, kind: str) -> Any:
    """A binary stream of the decompressed contents of *path* (see :data:`COMPRESSED`)."""
    import io

    codec = kind.rpartition("-")[2]
    if codec == "gz":
        import gzip

        raw: Any = gzip.open(path, "rb")  # noqa: SIM115 - the caller closes the stream
    elif codec == "bz2":
        import bz2

        raw = bz2.open(path, "rb")  # noqa: SIM115
    elif codec == "xz":
        import lzma

        raw = lzma.open(path, "rb")  # noqa: SIM115
    else:  # zstd, through pyarrow's codec (a dependency already; the stdlib has none)
        import pyarrow as pa

        raw = pa.input_stream(str(path), compression="zstd")
    # Buffered, so the first 64 KB can be looked at without consuming them.
    return io.BufferedReader(raw, buffer_size=_SAMPLE)


def _counted(
    lines: Iterable[tuple[int, bytes | None]], seen: list[int]
) -> Iterator[tuple[int, bytes | None]]:
    """*lines*, the number of the last one kept in ``seen[0]``."""
    for number, line in lines:
        seen[0] = number
        yield number, line


def _jsonl_stream(
    handle: Any, name: str, report: ErrorHandler, sample: bytes, seen: list[int]
) -> Iterator[Document]:
    """The records of an open JSON Lines stream whose first bytes are *sample*."""
    if sample[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 JSON Lines: small files only
        data = handle.read(MAX_DOCUMENT_BYTES + 1)
        if len(data) > MAX_DOCUMENT_BYTES:
            report(_too_large(name))
            return
        text = normalize_newlines(decode_bytes(data, name))
        yield from _jsonl_records(enumerate(text.split("\n"), start=1), name, report)
        return
    _refuse_binary(sample.removeprefix(b"\xef\xbb\xbf"), name)
    raw = _counted(_binary_lines(handle, MAX_DOCUMENT_BYTES), seen)
    yield from _jsonl_records(_decoded_lines(raw, name, report), name, report)


def _stream_file(
    path: Path,
    name: str,
    report: ErrorHandler,
    kind: str,
    read: Callable[[Any, str, ErrorHandler, bytes, list[int]], Iterator[Document]],
) -> Iterator[Document]:
    """The records *read* finds in a JSON Lines or CSV file, plain or compressed.

    *read* gets the open binary stream, its first 64 KB and a counter of the lines it
    has read. A truncated or corrupt archive gives every record the decompressor could
    read before the damage and one report naming the last line read; the rest of that
    file cannot be read (a compressed stream has no way to find the next good line).
    """
    seen = [0]
    try:
        with _open_stream(path, kind) as handle:
            yield from read(handle, name, report, handle.peek(_SAMPLE)[:_SAMPLE], seen)
    except DocumentError:
        raise  # (a ValueError too) said by the reader itself: not damage
    except _damage_errors() as exc:
        if kind in ("jsonl", "csv"):
            raise  # a plain file: the caller says it cannot be read
        report(DocumentError(_damage(name, seen[0], exc)))


def _open_stream(path: Path, kind: str) -> Any:
    """A buffered binary stream of a JSON Lines or CSV file's text, decompressed if need be.

    Its first 64 KB can be looked at with ``peek`` without consuming them.
    """
    if kind in ("jsonl", "csv"):
        return path.open("rb", buffering=_SAMPLE)
    return _open_compressed(path, kind)


def _damage(name: str, last_line: int, exc: BaseException) -> str:
    """What is said of an archive that cannot be read past *last_line*."""
    where = f"after line {last_line}" if last_line else "before its first line"
    return f"{name}: {_DAMAGE} {where} ({exc}); the rest of the file is skipped"


def _csv_lines(
    lines: Iterable[tuple[int, bytes | None]], name: str, seen: list[int], problems: list[str]
) -> Iterator[str]:
    """Decoded lines for the CSV reader; a line it cannot have ends the file, said why.

    A CSV record may span lines (a quoted newline), so a line that is too long or not
    UTF-8 cannot be skipped on its own: the lines before it are read, the rest is not.
    """
    for number, raw in lines:
        seen[0] = number
        if raw is None:
            limit = MAX_DOCUMENT_BYTES // (1024 * 1024)
            problems.append(f"{name}:{number}: a line is larger than {limit} MB")
            return
        if number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(
                f"{name}:{number}: not valid UTF-8 at byte {exc.start} of the line "
                "(a CSV corpus must be UTF-8)"
            )
            return


def _csv_rows(
    handle: Any, name: str, report: ErrorHandler, sample: bytes, seen: list[int]
) -> Iterator[Document]:
    """The records of an open binary CSV stream whose first bytes are *sample*."""
    _refuse_binary(sample.removeprefix(b"\xef\xbb\xbf"), name)
    yield from _csv_records(_binary_lines(handle, MAX_DOCUMENT_BYTES), name, report, seen)


def _csv_header(header: list[str], name: str) -> None:
    """Refuse a CSV header without ``id`` and ``text`` or with a repeated column."""
    missing = [c for c in ("id", "text") if c not in header]
    if missing or len(set(header)) != len(header):
        problem = "missing " + " and ".join(missing) if missing else "a column name is repeated"
        shown = ", ".join(display_name(c) for c in header)[:300]
        msg = (
            f"{name}: a CSV corpus needs a header row with the columns id and text; "
            f"{problem} (columns: {shown})"
        )
        raise DocumentError(msg)


def _csv_records(
    raw: Iterable[tuple[int, bytes | None]],
    name: str,
    report: ErrorHandler,
    seen: list[int],
    offset: int = 0,
) -> Iterator[Document]:
    """The records of numbered CSV lines, the first of them the header row.

    *offset* is the number of file lines between the header and the first line after it:
    0 for a whole file, more for a partition of one (:func:`_csv_chunks`), whose lines
    are numbered as in the file.
    """
    import csv

    # The csv module's limit is process-wide: set for this file, put back afterwards.
    previous_limit = csv.field_size_limit(MAX_DOCUMENT_BYTES)
    problems: list[str] = []
    reader = csv.reader(_csv_lines(raw, name, seen, problems), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            return  # an empty file holds no records
        _csv_header(header, name)
        while True:
            start = offset + reader.line_num + 1
            row = next(reader, None)
            if row is None:
                return
            if not row:
                continue  # a blank line
            where = f"{name}:{start}"
            if len(row) != len(header):
                report(DocumentError(f"{where}: {len(row)} fields, the header has {len(header)}"))
                continue
            record = {k: v for k, v in zip(header, row, strict=True) if v or k in ("id", "text")}
            doc = _guarded(_record_document, record, where, "row", report)
            if doc is not None:
                yield doc
    except csv.Error as exc:
        if not problems:  # (a line left out makes the reader fail: that line is the news)
            report(DocumentError(_malformed_csv(name, offset + reader.line_num, exc)))
    finally:
        csv.field_size_limit(previous_limit)
        for problem in problems:
            report(DocumentError(f"{problem}; the rest of the file is skipped"))


def _malformed_csv(name: str, number: int, exc: Exception) -> str:
    return (
        f"{name}:{number}: malformed CSV ({exc}); the rest of the file is skipped "
        "(it cannot be read reliably past this point)"
    )


#: Rows of a Parquet corpus converted to Python at a time: a row group is read in
#: batches of this many rows, so memory holds one batch of texts, not the corpus.
PARQUET_BATCH_ROWS = 256


def _parquet_value(value: Any) -> Any:
    """A Parquet cell as the JSON-like value a JSON Lines record would hold."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, Mapping):
        return {str(k): _parquet_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_parquet_value(v) for v in value]
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if hasattr(value, "as_tuple"):  # decimal.Decimal
        return float(value)
    return value


def _parquet_rows(
    batches: Iterable[Any], name: str, first_row: int, report: ErrorHandler
) -> Iterator[Document]:
    """One Document per row of Arrow record *batches*; rows are numbered from *first_row*.

    A bad row (no text, an id that is not a string or number, a text over the size
    limit) is reported as ``corpus.parquet:row 12`` (1-based) and skipped; the rest goes on.
    """
    number = first_row
    for batch in batches:
        for row in batch.to_pylist():
            number += 1
            where = f"{name}:row {number}"
            record = {str(k): _parquet_value(v) for k, v in row.items()}
            text = record.get("text")
            if isinstance(text, str) and len(text) > MAX_DOCUMENT_BYTES:
                report(_too_large(where))
                continue
            doc = _guarded(_record_document, record, where, "row", report)
            if doc is not None:
                yield doc


def _parquet_open(path: Path, name: str) -> Any:
    """The ``pyarrow.parquet.ParquetFile`` of a corpus, checked for ``id`` and ``text``."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        msg = f"{name}: reading Parquet needs pyarrow (pip install pyarrow)"
        raise DocumentError(msg) from None
    try:
        parquet = pq.ParquetFile(path)
    except (OSError, ValueError) as exc:
        msg = f"{name}: not a readable Parquet file ({exc})"
        raise DocumentError(msg) from None
    columns = parquet.schema_arrow.names
    missing = [c for c in ("id", "text") if c not in columns]
    if missing:
        msg = (
            f"{name}: a Parquet corpus needs the columns id and text; missing "
            + " and ".join(missing)
            + f" (columns: {', '.join(columns) or 'none'})"
        )
        raise DocumentError(msg)
    return parquet


def _parquet_file(path: Path, name: str, report: ErrorHandler) -> Iterator[Document]:
    """The rows of a Parquet corpus, read one row group at a time in small batches."""
    parquet = _parquet_open(path, name)
    try:
        yield from _parquet_rows(
            parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS), name, 0, report
        )
    except OSError as exc:  # pyarrow.ArrowInvalid and friends are OSError/ValueError
        report(DocumentError(f"{name}: cannot read the Parquet file ({exc})"))


def _too_large(name: str) -> DocumentError:
    limit = MAX_DOCUMENT_BYTES // (1024 * 1024)
    return DocumentError(f"{name}: larger than {limit} MB, the limit for one document; skipped")


# --------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------


def _log_error(error: DocumentError) -> None:
    log.warning("%s", error)


_SPECIAL = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def special_file(mode: int) -> str | None:
    """What a non-regular, non-folder file is (``"a FIFO (named pipe)"``), else ``None``."""
    for test, what in _SPECIAL:
        if test(mode):
            return what
    return None


def _read_file(path: Path, kind: str, report: ErrorHandler) -> Iterator[Document]:
    """The documents of one file; every problem is reported, nothing is raised.

    Only regular files are read: a FIFO would block the run and a device (``/dev/zero``)
    never ends, so both are reported and skipped, also behind a symbolic link.
    """
    name = display_name(path)
    try:
        info = path.stat()
    except OSError as exc:
        report(DocumentError(f"{name}: cannot read the file ({exc.strerror or exc})"))
        return
    what = special_file(info.st_mode)
    if what is not None:
        report(DocumentError(f"{name}: skipped: {what}, not a regular file (use - for a pipe)"))
        return
    doc_id = display_name(path.stem or path.name)
    try:
        if kind.startswith("jsonl"):
            yield from _stream_file(path, name, report, kind, _jsonl_stream)
            return
        if kind.startswith("csv"):
            yield from _stream_file(path, name, report, kind, _csv_rows)
            return
        if kind == "parquet":
            yield from _parquet_file(path, name, report)
            return
        if info.st_size > MAX_DOCUMENT_BYTES:
            report(_too_large(name))
            return
        with path.open("rb") as handle:
            data = handle.read(MAX_DOCUMENT_BYTES + 1)
        if len(data) > MAX_DOCUMENT_BYTES:
            report(_too_large(name))
            return
        if kind == "html" and written_by_geo(data):
            report(
                DocumentWarning(
                    f"{name}: skipped: a map written by geo (its generator tag says so), "
                    "not an article"
                )
            )
            return
        if kind == "html":
            yield _html_document(data, name, doc_id, report)
        else:
            yield _text_document(decode_bytes(data, name), name, doc_id, report)
    except DocumentError as exc:
        report(exc)
    except OSError as exc:
        report(DocumentError(f"{name}: cannot read the file ({exc.strerror or exc})"))
    except (RecursionError, ValueError, UnicodeError, OverflowError) as exc:
        report(DocumentError(f"{name}: cannot read the document ({type(exc).__name__}: {exc})"))


#: The generator name in the ``<meta name="generator">`` of every page ``geo`` writes.
GENERATOR = "geo-agreements"

_GENERATOR_RE = re.compile(
    rb"""<meta\s[^>]{0,200}?name\s*=\s*["']?generator["']?[^>]{0,200}?content\s*=\s*["']"""
    + GENERATOR.encode("ascii")
    + rb"""[\s"']""",
    re.I,
)


def written_by_geo(data: bytes) -> bool:
    """Whether an HTML file is a page ``geo`` wrote (its head has our generator tag).

    Only the first 64 KB are searched: the tag is the first line of the head.
    """
    return _GENERATOR_RE.search(data[:65536]) is not None


def _read_stdin(report: ErrorHandler) -> Iterator[Document]:
    """Standard input: JSON Lines when its first non-blank line starts with ``{``, else text.

    JSON Lines are read and decoded line by line, as files are, so one bad byte or one
    bad record costs that record only; a first line that is not a valid record is
    reported like any other line, never read as text. Text is one document, at most
    :data:`MAX_DOCUMENT_BYTES`.
    """
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is None:  # a text stream (tests, notebooks): encode it back
        import io

        buffer = io.BytesIO(sys.stdin.read().encode("utf-8", "surrogatepass"))
    try:
        lines = _binary_lines(buffer, MAX_DOCUMENT_BYTES)
        head: list[tuple[int, bytes | None]] = []
        for number, raw in lines:
            head.append((number, raw))
            if raw is None or raw.strip():
                break
        first = head[-1][1] if head else b""
        if first is not None and first.lstrip().removeprefix(b"\xef\xbb\xbf").startswith(b"{"):
            import itertools

            decoded = _decoded_lines(itertools.chain(head, lines), STDIN_SOURCE, report)
            yield from _jsonl_records(decoded, STDIN_SOURCE, report)
            return
        chunks = [raw for _, raw in head if raw is not None]
        size = sum(len(c) for c in chunks)
        too_large = any(raw is None for _, raw in head)
        if not too_large:
            rest = buffer.read(MAX_DOCUMENT_BYTES + 1 - size)
            chunks.append(rest)
            too_large = size + len(rest) > MAX_DOCUMENT_BYTES
        if too_large:
            report(_too_large(STDIN_SOURCE))
            return
        text = normalize_newlines(decode_bytes(b"".join(chunks), STDIN_SOURCE))
    except DocumentError as exc:
        report(exc)
        return
    except (OSError, ValueError) as exc:
        report(DocumentError(f"{STDIN_SOURCE}: cannot read standard input ({exc})"))
        return
    yield _text_document(text, STDIN_SOURCE, STDIN_ID, report)


def _walk(folder: Path, report: ErrorHandler) -> Iterator[tuple[Path, str]]:
    """Files under *folder* with their format, depth first in name order.

    Iterative (an explicit stack), so folders nested thousands deep cannot exhaust the
    Python stack. Hidden files and folders (a leading ``.``) are skipped silently; other
    files with an unsupported suffix, special files (FIFOs, devices, sockets) and maps
    written by ``geo build`` are reported and skipped. Symlinked folders are followed
    once (the real paths already listed are remembered), so links cannot loop.
    """
    seen: set[str] = set()
    stack: list[Iterator[os.DirEntry[str]]] = []

    def enter(path: Path) -> None:
        real = os.path.realpath(path)
        if real in seen:
            return
        seen.add(real)
        try:
            with os.scandir(path) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError as exc:
            shown = display_name(path)
            report(DocumentError(f"{shown}: cannot list the folder ({exc.strerror or exc})"))
            return
        stack.append(iter(entries))

    enter(folder)
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            continue
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        try:
            info = entry.stat()  # follows symbolic links
        except OSError as exc:
            report(DocumentError(f"{display_name(path)}: cannot read ({exc.strerror or exc})"))
            continue
        if stat.S_ISDIR(info.st_mode):
            enter(path)
            continue
        what = special_file(info.st_mode)
        if what is not None:
            report(DocumentError(f"{display_name(path)}: skipped: {what}, not a regular file"))
            continue
        kind = file_kind(path)
        if kind is None:
            supported = ", ".join([*SUFFIXES, *COMPRESSED])
            suffix = display_name(path.suffix) or "(no suffix)"
            report(
                DocumentError(
                    f"{display_name(path)}: skipped: unsupported file type {suffix!r} "
                    f"(supported: {supported}; name the file explicitly to read it as text)"
                )
            )
            continue
        yield path, kind


def _read_input(item: str | Path, report: ErrorHandler) -> Iterator[Document]:
    if str(item) == STDIN:
        yield from _read_stdin(report)
        return
    path = Path(item)
    try:
        is_dir = path.is_dir()
        exists = is_dir or path.exists()
    except OSError as exc:
        report(DocumentError(f"{display_name(path)}: cannot access ({exc.strerror or exc})"))
        return
    if is_dir:
        for file, kind in _walk(path, report):
            yield from _read_file(file, kind, report)
    elif exists:
        yield from _read_file(path, file_kind(path) or "text", report)
    else:
        report(DocumentError(f"{display_name(path)}: no such file or folder"))


def read_documents(
    inputs: Iterable[str | Path] | str | Path,
    *,
    on_error: ErrorHandler | None = None,
) -> Iterator[Document]:
    r"""Yield the documents of *inputs* lazily, in order; report problems, never stop.

    *inputs* are files, folders (read recursively in name order, hidden entries skipped)
    or ``"-"`` for standard input (text, or JSON Lines when its first line is a record).
    A single path may be passed on its own. Each problem — a missing file, an unsupported
    suffix inside a folder, an undecodable or binary file, a bad JSONL line
    (``corpus.jsonl:12: missing "text"``) — becomes a :class:`DocumentError` passed to
    *on_error*, and reading goes on; by default problems are logged as warnings on the
    ``geo.io.documents`` logger (pass ``errors.append`` to collect them for a summary).

    Ids are unique across the run: a repeated id is renamed ``id#2``, ``id#3``, … and
    reported as a :class:`DocumentWarning`. ``Document.source`` is the path,
    ``path:line`` for JSONL, or ``<stdin>``. Document texts have ``\n`` newlines and no
    leading metadata; offsets downstream refer to that text.
    """
    report = on_error or _log_error
    if isinstance(inputs, str | Path):
        inputs = [inputs]
    seen = SeenIds()
    try:
        for item in inputs:
            for doc in _read_input(item, report):
                yield _unique(doc, seen, report)
    finally:
        seen.close()


class UniqueIds:
    """The duplicate-id rule of :func:`read_documents`, for documents read elsewhere.

    The Dask engine reads partitions on many workers; the driver passes every document
    id through one ``UniqueIds`` in document order, so ids come out exactly as a
    single-process run gives them (``x``, ``x#2``, …) and the same warnings are reported.
    """

    def __init__(self, report: ErrorHandler | None = None) -> None:
        self.seen = SeenIds()
        self.report = report or _log_error

    def __call__(self, doc_id: str, source: str | None) -> str:
        """The id the document gets in this run (*doc_id*, or ``doc_id#n`` if taken)."""
        return _unique(Document(id=doc_id, text="", source=source), self.seen, self.report).id

    def close(self) -> None:
        """Let go of the ids seen (and of their temporary file, if they spilled to one)."""
        self.seen.close()


#: Ids kept in a dict before the table moves to a temporary SQLite file (about 200 bytes
#: an id in memory: 100,000 ids are some 20 MB).
SPILL_IDS = 100_000


class SeenIds:
    """The document ids a run has used, each with the source that used it first.

    The duplicate-id rule needs every id seen so far: on a corpus of millions of articles
    a dict of them grows by some 200 bytes a document, the one part of a streaming run
    that grows with the corpus. So the first *spill_after* ids (:data:`SPILL_IDS` by
    default) are held in a dict, then moved to a private temporary SQLite database
    (``sqlite3.connect("")``: a file in the system's temporary folder, ``$SQLITE_TMPDIR``
    or ``$TMPDIR``, deleted by SQLite when the connection closes or the process ends),
    which keeps at most *cache_mb* of its pages in memory. A lookup there costs a few
    microseconds, against about a millisecond to geoparse a document. Ids and sources
    are stored as UTF-8 with ``surrogatepass``, so names undecodable on disk survive the
    round trip.
    """

    def __init__(self, spill_after: int | None = None, cache_mb: int = 32) -> None:
        self.spill_after = SPILL_IDS if spill_after is None else spill_after
        self.cache_mb = cache_mb
        self._memory: dict[str, str | None] = {}
        self._db: Any = None

    @property
    def spilled(self) -> bool:
        """Whether the ids have moved to the temporary database."""
        return self._db is not None

    def add(self, doc_id: str, source: str | None) -> bool:
        """Record *doc_id* as used by *source*; False (and nothing changes) if it was taken."""
        if self._db is None:
            if doc_id in self._memory:
                return False
            self._memory[doc_id] = source
            if len(self._memory) > self.spill_after:
                self._spill()
            return True
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO ids VALUES (?, ?)", (_blob(doc_id), _blob(source))
        )
        return bool(cursor.rowcount == 1)

    def source(self, doc_id: str) -> str | None:
        """The source that first used *doc_id* (None when unknown or not seen)."""
        if self._db is None:
            return self._memory.get(doc_id)
        row = self._db.execute("SELECT source FROM ids WHERE id = ?", (_blob(doc_id),)).fetchone()
        return (
            None
            if row is None or row[0] is None
            else bytes(row[0]).decode("utf-8", "surrogatepass")
        )

    def __len__(self) -> int:
        if self._db is None:
            return len(self._memory)
        return int(self._db.execute("SELECT count(*) FROM ids").fetchone()[0])

    def close(self) -> None:
        """Drop the ids; the temporary database, if any, is closed and deleted."""
        self._memory = {}
        if self._db is not None:
            self._db.close()
            self._db = None

    def _spill(self) -> None:
        import sqlite3

        db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        db.execute(f"PRAGMA cache_size = -{int(self.cache_mb) * 1024}")
        db.execute("CREATE TABLE ids (id BLOB PRIMARY KEY, source BLOB) WITHOUT ROWID")
        db.execute("BEGIN")
        db.executemany(
            "INSERT INTO ids VALUES (?, ?)",
            ((_blob(key), _blob(value)) for key, value in self._memory.items()),
        )
        db.execute("COMMIT")
        self._db = db
        self._memory = {}


def _blob(text: str | None) -> bytes | None:
    """*text* as the bytes :class:`SeenIds` stores (lone surrogates kept)."""
    return None if text is None else text.encode("utf-8", "surrogatepass")


class Partition(NamedTuple):
    """A slice of a corpus that one worker reads on its own (:func:`plan_partitions`).

    ``kind`` is ``"files"`` (``files`` lists whole files with their format),
    ``"jsonl"`` (the lines of ``files[0][0]`` starting in bytes ``start`` to ``end``,
    numbered after line ``first``), ``"parquet"`` (row group ``start`` of
    ``files[0][0]``, rows numbered after ``first``) or ``"lines"``: lines of a compressed
    JSON Lines file or of a CSV file, read by the planner and carried in ``data`` (a
    compressed stream cannot be entered in the middle, and a CSV record may span lines,
    so a worker could not find them itself), numbered after ``first``; a CSV
    partition's data starts with the header row (see :func:`_csv_chunks`). ``start`` and
    ``end`` are the lines' offsets in the (decompressed) file, and ``notes`` the
    problems to report after them (a line over the size limit, damage or malformed CSV
    that ends the file).
    """

    kind: str
    files: tuple[tuple[str, str], ...]
    start: int = 0
    end: int = 0
    first: int = 0
    data: bytes = b""
    notes: tuple[str, ...] = ()


def _jsonl_ranges(path: Path, target_bytes: int) -> Iterator[tuple[int, int, int]]:
    """``(start, end, lines before start)`` byte ranges of about *target_bytes*, cut at newlines.

    The file is scanned once in 8 MB chunks (counting newlines is fast), never loaded.
    """
    size = path.stat().st_size
    start = lines_before = 0
    with path.open("rb") as handle:
        while start < size:
            cut = min(size, start + target_bytes)
            if cut < size:
                handle.seek(cut)
                handle.readline()  # to the end of the line the cut falls in
                cut = min(size, handle.tell())
            handle.seek(start)
            count, left = 0, cut - start
            while left:
                chunk = handle.read(min(left, 8 << 20))
                if not chunk:
                    break
                count += chunk.count(b"\n")
                left -= len(chunk)
            yield start, cut, lines_before
            lines_before += count
            start = cut


def plan_partitions(
    inputs: Iterable[str | Path] | str | Path,
    *,
    target_bytes: int = 16 << 20,
    files_per_partition: int = 64,
    on_error: ErrorHandler | None = None,
) -> Iterator[Partition]:
    """Cut *inputs* into partitions that workers read independently, in document order.

    Plain files and HTML go in batches of *files_per_partition*; a JSON Lines file is
    cut into byte ranges of about *target_bytes* at line ends (line numbers in reports
    stay those of the whole file); a compressed JSON Lines file is decompressed here
    and its lines are handed out in partitions of about *target_bytes* (see
    :func:`_jsonl_chunks`, :func:`_csv_chunks`); a CSV file is one partition; a Parquet corpus gives
    one partition per row group.
    Reading every partition in order with :func:`read_partition` yields the documents
    :func:`read_documents` yields, before duplicate ids are renamed (:class:`UniqueIds`).
    Standard input cannot be partitioned: :class:`~geo.errors.ConfigurationError`.
    """
    from geo.errors import ConfigurationError

    report = on_error or _log_error
    if isinstance(inputs, str | Path):
        inputs = [inputs]
    batch: list[tuple[str, str]] = []
    for item in inputs:
        if str(item) == STDIN:
            msg = "standard input (-) cannot be split over workers; save it to a file first"
            raise ConfigurationError(msg)
        path = Path(item)
        if path.is_dir():
            files: Iterable[tuple[Path, str]] = _walk(path, report)
        elif path.exists():
            files = [(path, file_kind(path) or "text")]
        else:
            report(DocumentError(f"{display_name(path)}: no such file or folder"))
            continue
        for file, kind in files:
            if kind.startswith("csv") or kind in COMPRESSED.values():
                # A compressed stream cannot be entered in the middle, and a CSV record may
                # span lines (quoted newlines): this process reads such a file and hands out
                # its lines.
                if batch:
                    yield Partition("files", tuple(batch))
                    batch = []
                if not file.is_file():
                    yield Partition("files", ((str(file), kind),))
                else:
                    cutter = _csv_chunks if kind.startswith("csv") else _jsonl_chunks
                    yield from _more_than_one(cutter(file, kind, target_bytes), file, kind)
                continue
            splittable = kind in ("jsonl", "parquet") and file.is_file()
            if kind == "jsonl" and splittable:
                with file.open("rb") as handle:
                    splittable = handle.read(2) not in (b"\xff\xfe", b"\xfe\xff")
            if not splittable:
                batch.append((str(file), kind))
                if len(batch) >= files_per_partition:
                    yield Partition("files", tuple(batch))
                    batch = []
                continue
            if batch:
                yield Partition("files", tuple(batch))
                batch = []
            if kind == "jsonl":
                for start, end, first in _jsonl_ranges(file, target_bytes):
                    yield Partition("jsonl", ((str(file), kind),), start, end, first)
                continue
            try:
                parquet = _parquet_open(file, display_name(file))
            except DocumentError as exc:
                report(exc)
                continue
            rows = 0
            for group in range(parquet.metadata.num_row_groups):
                yield Partition("parquet", ((str(file), kind),), group, group + 1, rows)
                rows += parquet.metadata.row_group(group).num_rows
    if batch:
        yield Partition("files", tuple(batch))


class _Tally:
    """A binary stream's ``readline``, counting the bytes read (``tell``)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.read = 0

    def readline(self, limit: int = -1) -> bytes:
        raw: bytes = self.stream.readline(limit)
        self.read += len(raw)
        return raw

    def tell(self) -> int:
        return self.read


def _utf8_lines(sample: bytes) -> bool:
    """Whether a JSON Lines file starting with *sample* is read by lines (not UTF-16, binary)."""
    if sample[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return False
    try:
        _refuse_binary(sample.removeprefix(b"\xef\xbb\xbf"), "")
    except DocumentError:
        return False
    return True


def _jsonl_chunks(file: Path, kind: str, target_bytes: int) -> Iterator[Partition]:
    """A compressed JSON Lines file as ``"lines"`` partitions of about *target_bytes*.

    Why: a news archive often comes as one large ``.jsonl.gz``; read whole by one worker
    it would keep every other worker idle. The planner decompresses it (hundreds of MB
    a second, against a few MB a second of geoparsing per worker) and hands out its
    lines. What the file's reader would report is kept in order: a line over the size
    limit ends a partition with a note, and damage ends the file with one. A file that
    cannot be opened or that is not UTF-8 text (binary, UTF-16) is one ``"files"``
    partition, which the worker reads and reports on itself, as before.
    """
    whole = Partition("files", ((str(file), kind),))
    lines: list[bytes] = []
    size = start = first = 0
    offset = last = 0

    def cut(notes: tuple[str, ...] = ()) -> Partition:
        nonlocal lines, size, start, first
        data = b"".join(lines)
        chunk = Partition("lines", whole.files, start, offset, first, data, notes)
        lines, size, start, first = [], 0, offset, last
        return chunk

    try:
        handle = _open_compressed(file, kind)
    except _damage_errors():
        yield whole
        return
    with handle:
        try:
            sample = handle.peek(_SAMPLE)[:_SAMPLE]
        except _damage_errors():
            sample = b"\x00"  # damaged at its start: the worker says so
        if not _utf8_lines(sample):
            yield whole
            return
        name = display_name(file)
        stream = _Tally(handle)  # (pyarrow's zstd stream cannot tell its position)
        try:
            for number, raw in _binary_lines(stream, MAX_DOCUMENT_BYTES):
                last, offset = number, stream.tell()
                if raw is None:
                    yield cut((_line_too_large(name, number),))
                else:
                    lines.append(raw)
                    size += len(raw)
                    if size >= target_bytes:
                        yield cut()
        except _damage_errors() as exc:
            yield cut((_damage(name, last, exc),))
            return
    if lines:
        yield cut()


def _csv_chunks(file: Path, kind: str, target_bytes: int) -> Iterator[Partition]:
    """A CSV file, plain or compressed, as ``"lines"`` partitions of whole records.

    Why: a news database's export is often one large CSV file, and a record may span
    lines (a quoted newline), so byte ranges cannot be cut blindly. This process reads
    the file with the csv module and cuts after a record once about *target_bytes* are
    gathered. Each partition holds the header row, then its records' lines; ``first``
    is the file line of its first record less the header's lines and one, so that a
    worker numbers lines as the file's reader does (:func:`_csv_records`). A problem
    that ends the file (malformed CSV, a line that is not UTF-8 or is too long, a
    damaged archive) ends the last partition as a note, after the records before it. A
    file that is binary, unreadable or has a header a worker would refuse is one
    ``"files"`` partition, read and reported on by the worker as before.
    """
    import csv

    whole = Partition("files", ((str(file), kind),))
    name = display_name(file)
    try:
        handle = _open_stream(file, kind)
    except _damage_errors():
        yield whole
        return
    pending: list[bytes] = []  # the lines read since the last cut
    seen = [0]
    problems: list[str] = []

    def recorded() -> Iterator[tuple[int, bytes | None]]:
        for number, raw in _binary_lines(handle, MAX_DOCUMENT_BYTES):
            if raw is not None:
                pending.append(raw)
            yield number, raw

    notes: list[str] = []
    damage = ""
    refused: tuple[type[BaseException], ...] = (DocumentError, csv.Error, *_damage_errors())
    previous_limit = csv.field_size_limit(MAX_DOCUMENT_BYTES)
    try:
        with handle:
            try:
                _refuse_binary(handle.peek(_SAMPLE)[:_SAMPLE].removeprefix(b"\xef\xbb\xbf"), name)
                reader = csv.reader(_csv_lines(recorded(), name, seen, problems), strict=True)
                header = next(reader, None)
                if header is None:
                    raise DocumentError(name)  # empty
                _csv_header(header, name)
            except refused:
                yield whole  # the worker says what is wrong with it, if anything
                return
            head = b"".join(pending)
            start = end = len(head)  # offsets in the (decompressed) file
            head = head.removeprefix(b"\xef\xbb\xbf")
            skip = reader.line_num + 1  # the header's lines, and one
            del pending[:]
            first = skip  # the file line of pending[0]
            whole_records = 0

            def cut(n: int, notes: tuple[str, ...] = ()) -> Partition:
                nonlocal first, start
                data = head + b"".join(pending[:n])
                chunk = Partition("lines", whole.files, start, end, first - skip, data, notes)
                first += n
                start = end
                del pending[:n]
                return chunk

            try:
                for _row in reader:
                    for raw in pending[whole_records:]:
                        end += len(raw)
                    whole_records = len(pending)
                    if end - start >= target_bytes:
                        yield cut(whole_records)
                        whole_records = 0
            except csv.Error as exc:
                if not problems:  # (a line left out makes the reader fail: that line is the news)
                    notes.append(_malformed_csv(name, reader.line_num, exc))
            except _damage_errors() as exc:
                damage = _damage(name, seen[0], exc)
    finally:
        csv.field_size_limit(previous_limit)
    notes.extend(f"{problem}; the rest of the file is skipped" for problem in problems)
    if damage:
        notes.append(damage)
    if whole_records or notes:
        yield cut(whole_records, tuple(notes))


def _more_than_one(chunks: Iterator[Partition], file: Path, kind: str) -> Iterator[Partition]:
    """*chunks*, unless there is only one without notes: then the whole file, as before.

    A small file is read by its worker itself; it need not pass through this process.
    """
    whole = Partition("files", ((str(file), kind),))
    one = next(chunks, None)
    if one is None:
        yield whole
        return
    two = next(chunks, None)
    if two is None:
        yield one if one.notes or one.kind == "files" else whole
        return
    yield one
    yield two
    yield from chunks


def read_partition(
    partition: Partition, *, on_error: ErrorHandler | None = None
) -> Iterator[Document]:
    """The documents of one partition, in order, ids as written (see :class:`UniqueIds`).

    Problems are reported exactly as :func:`read_documents` reports them
    (``corpus.jsonl:1200: invalid JSON``, ``corpus.parquet:row 7: missing "text"``).
    """
    report = on_error or _log_error
    if partition.kind == "files":
        for file, kind in partition.files:
            yield from _read_file(Path(file), kind, report)
        return
    if partition.kind == "lines":
        import io

        file, kind = partition.files[0]
        name = display_name(Path(file))
        raw = _binary_lines(io.BytesIO(partition.data), MAX_DOCUMENT_BYTES, first=partition.first)
        if kind.startswith("csv"):
            yield from _csv_records(raw, name, report, [0], offset=partition.first)
        else:
            yield from _jsonl_records(_decoded_lines(raw, name, report), name, report)
        for note in partition.notes:
            report(DocumentError(note))
        return
    path = Path(partition.files[0][0])
    name = display_name(path)
    try:
        if partition.kind == "jsonl":
            with path.open("rb") as handle:
                handle.seek(partition.start)
                raw = _binary_lines(
                    handle, MAX_DOCUMENT_BYTES, first=partition.first, end=partition.end
                )
                yield from _jsonl_records(_decoded_lines(raw, name, report), name, report)
            return
        parquet = _parquet_open(path, name)
        batches = parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS, row_groups=[partition.start])
        yield from _parquet_rows(batches, name, partition.first, report)
    except DocumentError as exc:
        report(exc)
    except (OSError, ValueError) as exc:
        report(DocumentError(f"{name}: cannot read the file ({exc})"))


def _unique(doc: Document, seen: SeenIds, report: ErrorHandler) -> Document:
    """Rename *doc* when its id was already used in this run (see :func:`read_documents`)."""
    if seen.add(doc.id, doc.source):
        return doc
    n = 2
    while not seen.add(f"{doc.id}#{n}", doc.source):
        n += 1
    new_id = f"{doc.id}#{n}"
    report(
        DocumentWarning(
            f"{doc.source}: duplicate document id {doc.id!r} (first used by "
            f"{seen.source(doc.id)}); kept as {new_id!r}"
        )
    )
    return replace(doc, id=new_id)
