"""Sentence boundaries for news text, in linear time.

Every mention carries the sentence around it, so this runs on every document and must be
fast (one regular-expression pass; Python work only at candidate boundaries) and
predictable. The rules, in order:

* A sentence ends at ``.``, ``!`` or ``?`` (plus closing quotes or brackets) followed by
  whitespace and then an upper-case letter, a digit or an opening quote/bracket —
  *unless* the word before a period is an abbreviation (``U.S.``, ``Dr.``, ``Gen.``,
  ``z.B.``, ``bl.a.``, ``m.fl.``, ``Nr.`` followed by a number, …), an initial
  (``J. F. Kennedy``), or a day number before a month name (``am 24. Februar``).
* An ellipsis (``...``, ``…``) never ends a sentence by punctuation: in news it marks an
  omission inside a quotation far more often than an ending.
* A blank line always ends a sentence. A single newline ends one too (headlines,
  datelines on their own line, one paragraph per line) unless the text plainly
  continues: the next line starts in lower case, or the line ends with a comma, hyphen,
  opening bracket or similar (hard-wrapped text).
* Decimals (``3.5``) and dotted numbers never split: there is no space after the dot.
* A dateline stays in its sentence: ``KOPENHAGEN: Dänemark …`` is one sentence.

Spans are ``(start, end)`` code-point offsets, end exclusive, trimmed of whitespace,
sorted and non-overlapping; together they cover every non-whitespace character.
"""

from __future__ import annotations

import bisect
import re

__all__ = ["ABBREVIATIONS", "MAX_EXCERPT", "excerpt", "sentence_at", "sentence_spans"]


def _words(text: str) -> frozenset[str]:
    """The whitespace-separated words of *text*: keeps the long lists below readable."""
    return frozenset(text.split())


# Abbreviations (with their final period) after which a period does not end a sentence.
# Lower-case ones also match capitalised at a sentence start ("Ca. 300 Soldaten").
ABBREVIATIONS: frozenset[str] = _words(
    """
    Mr. Mrs. Ms. Messrs. Dr. Prof. Sen. Rep. Gov. Gen. Lt. Col. Maj. Capt. Cpt. Adm. Sgt.
    Cpl. Pvt. Brig. Cmdr. Cdr. Gens. Rev. Hon. Pres. Sec. Amb. Supt. Insp. Cmdt.
    St. Mt. Ft. Jr. Sr. Sra. Srta. Hr. Fr. Frl. Mme. Mlle. Dir. Dipl. Ing.
    Inc. Ltd. Co. Corp. Bros. Dept. Univ. Assn.
    Jan. Feb. Mar. Apr. Jun. Jul. Aug. Sep. Sept. Oct. Nov. Dec.
    Mon. Tue. Tues. Wed. Thu. Thur. Thurs. Fri.
    Ave. Blvd. Rd. Fig. Figs. Vol. Vols. Ch. Chap. Sect.
    e.g. i.e. vs. v. cf. ca. approx. resp. incl. excl. esp. viz. a.m. p.m.
    z.B. u.a. bzw. usw. vgl. d.h. u.U. o.ä. s.o. s.u. z.T. i.d.R. u.v.m. sog. inkl.
    ggf. evtl. Mio. Mrd. Tsd. Jh. Jhd. Abs. Bd. geb. gest. Str. Tel. dt. engl. franz.
    evt. bl.a. m.fl. m.m. mm. osv. f.eks. fx. dvs. jf. jfr. ifm. pga. mht. vedr. kl.
    iflg. hhv. a.a. el.lign. t.ex. s.k. fr.o.m. t.o.m. o.s.v. ev. bl.
    esim. ns. ks. yms. jne. n. mrd. milj.
    MM. env. p.ex. apr. J.-C.
    Sres. Dña. Ud. Uds. núm. pág. aprox. p.ej. EE.UU. FF.AA.
    """
)

# Abbreviations that stay attached only before a number ("No. 5", "Art. 5", "Nr. 3").
_NUMBER_ABBREVIATIONS = frozenset({"No.", "Nos.", "no.", "Art.", "art.", "Nr.", "nr.", "pp.", "p."})

_MONTHS = _words(
    """
    januar februar märz maerz april mai juni juli august september oktober november
    dezember jänner january february march may june july october december marts maj
    juni august januari februari mars augusti tammikuuta helmikuuta maaliskuuta
    huhtikuuta toukokuuta kesäkuuta heinäkuuta elokuuta syyskuuta lokakuuta
    marraskuuta joulukuuta
    """
)

_OPENERS = "\"'“‘«„‚‹([¿¡—–-"
_CLOSERS = "\"'”’»›)]"
_NEWLINES = "\n\r\u2028\u2029\x85\x0b\x0c"
_CONTINUE_LINE = ",;-‐‑–—(/&+"

# One pass finds every candidate: terminal punctuation (a whole run, thanks to the
# look-behind) with closing quotes and the whitespace after it, or a newline with the
# whitespace after it. Possessive quantifiers keep the scan linear on long runs.
_CANDIDATE = re.compile(
    r"(?=[.!?…" + _NEWLINES + r"])"  # a leading class lets the engine skip ahead fast
    r"(?:(?<![.!?…])(?P<punct>[.!?…]++)(?P<close>[" + re.escape(_CLOSERS) + r"]*+)"
    r"(?P<ws>\s++)"
    r"|(?P<nl>[" + _NEWLINES + r"]\s*+))"
)
_HAS_NEWLINE = re.compile("[" + _NEWLINES + "]")
_INITIALS = re.compile(r"(?:[^\W\d_]{1,2}\.)*[^\W\d_]")
_NEXT_WORD = re.compile(r"[^\W\d_]+")


def _is_abbreviation(text: str, dot: int, after: int) -> bool:
    """Whether the period at *dot* belongs to the word before it, not to the sentence.

    *after* is where the next word starts (past the whitespace).
    """
    before = text[max(0, dot - 40) : dot]
    token = before.rsplit(None, 1)[-1] if before and not before[-1].isspace() else ""
    token = token.lstrip(_OPENERS)
    if not token:
        return False
    word = token + "."
    if word in _NUMBER_ABBREVIATIONS:
        return text[after].isdigit()
    if word in ABBREVIATIONS or word.lower() in ABBREVIATIONS:
        return True
    if "." in token:
        return _INITIALS.fullmatch(token) is not None  # U.S., EE.UU., e.g. in any case
    if len(token) == 1:
        return token.isupper()  # an initial, as in "J. F. Kennedy"; not "plan b."
    if token.isdigit() and len(token) <= 2:  # "am 24. Februar", "den 9. april"
        match = _NEXT_WORD.match(text, after)
        return bool(match and match.group().lower() in _MONTHS)
    return False


def _newline_breaks(text: str, line_end: int, nxt: str, ws: str) -> bool:
    """Whether a line break (whitespace *ws* before *nxt*) ends a sentence."""
    newlines = sum(ws.count(ch) for ch in _NEWLINES) - ws.count("\r\n")
    if newlines >= 2:
        return True  # a blank line: end of paragraph
    if not nxt or nxt.islower():
        return False
    line = text[max(0, line_end - 16) : line_end].rstrip()
    return not line or line[-1] not in _CONTINUE_LINE


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Return the sentences of *text* as ``(start, end)`` offsets (see the module docs).

    Called once per document before mentions are extracted. Linear in the length of the
    text (one regex pass, constant work per candidate); an empty or all-whitespace text
    has no sentences.
    """
    size = len(text)
    spans: list[tuple[int, int]] = []
    start = 0  # where the current sentence began
    for match in _CANDIDATE.finditer(text):
        punct, ws, nl = match.group("punct", "ws", "nl")
        after = match.end()
        nxt = text[after] if after < size else ""
        if punct is None:
            if _newline_breaks(text, match.start(), nxt, nl):
                _add(text, start, match.start(), spans)
                start = after
            continue
        if not nxt:
            continue  # end of text: the last span is closed below
        if nxt.isupper() or nxt.isdigit() or nxt in _OPENERS:
            if punct == ".":
                breaks = not _is_abbreviation(text, match.start(), after)
            else:
                breaks = "…" not in punct and ".." not in punct
        else:
            breaks = False
        end = match.end("close")
        if breaks or (
            ws != " " and _HAS_NEWLINE.search(ws) and _newline_breaks(text, end, nxt, ws)
        ):
            _add(text, start, end, spans)
            start = after
    _add(text, start, size, spans)
    return spans


def _add(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    """Append ``text[start:end]`` trimmed of whitespace, if anything is left."""
    if start < end and (text[start].isspace() or text[end - 1].isspace()):
        piece = text[start:end]
        stripped = piece.lstrip()
        start += len(piece) - len(stripped)
        end = start + len(stripped.rstrip())
    if start < end:
        spans.append((start, end))


def sentence_at(spans: list[tuple[int, int]], offset: int) -> tuple[int, int]:
    """The span of :func:`sentence_spans` that contains *offset* (binary search).

    For an offset in the whitespace between two sentences the one before it is returned,
    and the first one for an offset before all of them. Raises ``ValueError`` when there
    are no spans.
    """
    if not spans:
        msg = "no sentences to search: the text is empty or all whitespace"
        raise ValueError(msg)
    index = bisect.bisect_right(spans, offset, key=lambda span: span[0]) - 1
    return spans[max(index, 0)]


#: The longest sentence text a mention or a link carries (code points). Longer sentences
#: (a 92 KB line without a full stop, a list of a thousand places) are cut to a window
#: around the mention, so output and memory grow with the number of mentions, not with
#: mentions x sentence length (issue 9).
MAX_EXCERPT = 600


def excerpt(
    text: str, sentence: tuple[int, int], start: int, end: int, limit: int = MAX_EXCERPT
) -> tuple[int, int]:
    """The part of *sentence* (offsets into *text*) to quote for the span ``start:end``.

    The whole sentence when it is at most *limit* code points long; otherwise a window of
    about *limit* code points centred on the span, widened to whole words where a space is
    near (at most 40 code points away), and never narrower than the span itself. Pure and
    O(limit): only the window's edges are inspected.
    """
    a, b = sentence
    if b - a <= limit:
        return a, b
    side = max(0, (limit - (end - start)) // 2)
    lo = max(a, start - side)
    hi = min(b, end + side)
    if lo > a:
        space = text.find(" ", lo, min(start, lo + 40))
        if space >= 0:
            lo = space + 1
    if hi < b:
        space = text.rfind(" ", max(end, hi - 40), hi)
        if space >= 0:
            hi = space
    return min(lo, start), max(hi, end)
