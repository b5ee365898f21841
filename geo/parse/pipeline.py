"""The geoparser: documents in, every place mention out, resolved in context.

This is the one pipeline the CLI (``geo extract``), the layer builder, the notebook and
the benchmarks call: language detection (:mod:`geo.text.langid`), toponym recognition
(:mod:`geo.parse.recognize`), sentence boundaries (:mod:`geo.text.sentences`) and resolution
(:mod:`geo.parse.resolve`). One document that fails never stops a corpus: the failure is
reported through ``on_error`` with the document's name and the rest goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator

from geo.errors import DocumentError
from geo.gazetteer.query import Gazetteer
from geo.gazetteer.store import load_gazetteer
from geo.io.documents import DocumentWarning
from geo.models import Candidate, Document, Mention, ParsedDocument, Resolution
from geo.parse.recognize import find_spans
from geo.parse.resolve import resolve_spans
from geo.text.langid import UNDETERMINED, detect_language, unsupported_script
from geo.text.languages import codes, normalize_code
from geo.text.sentences import excerpt, sentence_at, sentence_spans

log = logging.getLogger("geo")

#: The languages with a pack (geo/text/languages): text in any other is read as English.
SUPPORTED_LANGS = frozenset(codes())
LANGID_CHARS = 1000


def document_language(doc: Document) -> str:
    """The document's language: its declared ``lang`` if supported, else detected."""
    if doc.lang:
        code = normalize_code(doc.lang)
        if code is not None:
            return code
    # The first few thousand characters decide as well as the whole text, and cost
    # nothing on a 50 MB document.
    lang, _confidence = detect_language(doc.text[:LANGID_CHARS])
    return lang if lang in SUPPORTED_LANGS else "en"


def parse_document(doc: Document, gazetteer: Gazetteer | None = None) -> ParsedDocument:
    """Find and resolve every place mention of one document."""
    gaz = gazetteer or load_gazetteer()
    lang = document_language(doc)
    text = doc.text
    spans = find_spans(text, gaz, lang=lang)
    decisions = resolve_spans(text, spans)
    sentence_of = _SentenceFinder(text)
    out: list[Resolution] = []
    # A name repeated in a document mostly shares its decision (the resolver's memo):
    # its candidates are made once per decision and surface, not per mention.
    made: dict[tuple[int, str], tuple[Candidate, ...]] = {}
    for i, s in enumerate(spans):
        decision = decisions.get(i)
        if decision is None and not (s.keep and s.unknown):
            continue
        full = sentence_of(s.start)
        a, b = excerpt(text, full, s.start, s.end)
        mention = Mention(
            doc=doc.id,
            start=s.start,
            end=s.end,
            surface=s.surface,
            sentence=text[a:b],
            sentence_start=a,
            demonym=decision.demonym if decision else False,
            sentence_span=full,
        )
        if decision is None:
            resolution = Resolution(
                mention=mention,
                place=None,
                score=round(s.score, 4),
                reason="named like a place (its form) but the gazetteer has no such place",
            )
        else:
            candidates = made.get((id(decision), s.surface))
            if candidates is None:
                candidates = tuple(
                    Candidate(place, score, s.surface, "") for place, score in decision.ranked
                )
                made[id(decision), s.surface] = candidates
            resolution = Resolution(
                mention=mention,
                place=decision.place,
                score=decision.score,
                reason=decision.reason,
                candidates=candidates,
                precision=decision.precision,
            )
        out.append(resolution)
    return ParsedDocument(document=doc, lang=lang, resolutions=tuple(out))


class _SentenceFinder:
    """The sentence around an offset, splitting only the paragraphs that have mentions.

    A blank line always ends a sentence (:mod:`geo.text.sentences`), so each paragraph splits
    on its own; mentions come in text order, so each paragraph is found and split once.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.start = self.end = -1
        self.spans: list[tuple[int, int]] = []

    def __call__(self, offset: int) -> tuple[int, int]:
        if not self.start <= offset < self.end:
            text = self.text
            a = text.rfind("\n\n", 0, offset)
            self.start = 0 if a < 0 else a + 2
            b = text.find("\n\n", offset)
            self.end = len(text) if b < 0 else b
            base = self.start
            self.spans = [(x + base, y + base) for x, y in sentence_spans(text[base : self.end])]
        if not self.spans:
            return offset, offset
        return sentence_at(self.spans, offset)


def parse_text(
    text: str, *, doc_id: str = "doc", lang: str | None = None, gazetteer: Gazetteer | None = None
) -> list[Resolution]:
    """Geoparse one string: the mentions it names, in text order."""
    doc = Document(id=doc_id, text=text, lang=lang)
    return list(parse_document(doc, gazetteer).resolutions)


def geoparse(
    documents: Iterable[Document],
    *,
    gazetteer: Gazetteer | None = None,
    on_error: Callable[[DocumentError], None] | None = None,
) -> Iterator[ParsedDocument]:
    """Geoparse a corpus lazily; a document that fails is reported and skipped."""
    gaz = gazetteer or load_gazetteer()
    for doc in documents:
        script = unsupported_script(doc.text)
        if script is not None:
            # Chinese, Japanese, Korean, Arabic…: no capitals to find names by and no
            # language pack; said, not parsed as if it were English.
            warning = DocumentWarning(
                f"{doc.source or doc.id}: written in {script}, which geo does not read "
                f"(languages: {', '.join(sorted(SUPPORTED_LANGS))}); no places extracted"
            )
            if on_error is None:
                log.warning("%s", warning)
            else:
                on_error(warning)
            yield ParsedDocument(document=doc, lang=UNDETERMINED, resolutions=())
            continue
        try:
            yield parse_document(doc, gaz)
        except (MemoryError, RecursionError, ValueError, IndexError, KeyError) as err:
            error = DocumentError(f"{doc.source or doc.id}: cannot geoparse: {err}")
            if on_error is None:
                log.error("%s", error)
            else:
                on_error(error)
