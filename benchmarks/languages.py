"""Per-language figures on the language tests' paragraphs (issue 12).

There is no public gold corpus of defense news in Polish or Ukrainian, so each supported
language has hand-checked paragraphs in the test suite (``tests/test_geoparse.py`` and
``tests/test_context.py``): the places a reader finds in them, in order. This script runs
the geoparser on each paragraph with language detection on (as ``geo extract`` does) and
prints, per language, the detected language, the places expected and found, precision and
recall of place ids, and throughput. The tests assert exact lists; this gives the figures
``docs/benchmarks.md`` reports. Usage::

    python benchmarks/languages.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "tests"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from geo.gazetteer.store import load_gazetteer
from geo.models import NON_PLACE_KINDS, Document
from geo.parse.pipeline import parse_document


def paragraphs() -> list[tuple[str, str, list[str]]]:
    """(language, text, expected place ids) of every language test, in the suite's order."""
    import test_context
    import test_geoparse

    found: list[tuple[str, str, list[str]]] = []
    marks = test_geoparse.test_every_supported_language.pytestmark  # type: ignore[attr-defined]
    (param,) = [m for m in marks if m.name == "parametrize"]
    argvalues, ids = param.args[1], param.kwargs["ids"]
    for lang, (text, expected) in zip(ids, argvalues, strict=True):
        found.append((lang, text, list(expected)))
    for lang, (text, expected) in sorted(test_context.PARAGRAPHS.items()):
        found.append((lang, text, list(expected)))
    return found


def main() -> int:
    """Print one row per language and a total."""
    gaz = load_gazetteer()
    rows = paragraphs()
    print(f"{'lang':5} {'detected':8} {'chars':>5} {'exp':>4} {'found':>5} {'P':>5} {'R':>5}")
    tp_all = exp_all = found_all = chars = 0
    for lang, text, expected in rows:
        parsed = parse_document(Document(id=lang, text=text), gaz)
        got = [r.place.id for r in parsed.resolutions if r.place and r.kind not in NON_PLACE_KINDS]
        tp = sum(min(got.count(x), expected.count(x)) for x in set(expected))
        p = tp / len(got) if got else 1.0
        r = tp / len(expected) if expected else 1.0
        print(
            f"{lang:5} {parsed.lang:8} {len(text):5} {len(expected):4} {len(got):5} "
            f"{p:5.2f} {r:5.2f}"
        )
        tp_all += tp
        exp_all += len(expected)
        found_all += len(got)
        chars += len(text)
    print(
        f"all   {len(rows)} paragraphs, {chars} chars: P {tp_all / found_all:.3f} "
        f"R {tp_all / exp_all:.3f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
