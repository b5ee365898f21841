"""Fit the recognizer's weights on the TRAINING split of the benchmark corpora.

Usage::

    python benchmarks/train_recognizer.py [--bench-dir ../shared/bench] [--write]

Reads the three corpora in place (never copied), keeps only the first 70% of each file's
documents (the test split stays unseen), runs the recognizer's candidate generation,
labels each candidate span by whether it overlaps a gold toponym, and fits an
L2-regularised logistic regression with Newton's method (numpy only). Features the
English corpora cannot teach (German capitalises every noun) keep their hand-set weights.
Prints the fit and, with ``--write``, stores the weights in
``geo/recognizer_weights.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from geoparse import CORPORA, default_bench_dir

from geo.gazetteer.store import load_gazetteer
from geo.parse.evaluate import Prediction, end_to_end, load_corpus, split
from geo.parse.recognize import find_spans

HAND_SET = {"common_noun_language": -4.0, "compound_head_noun_language": 1.0, "threshold": 0.5}
WEIGHTS = ROOT / "geo" / "recognizer_weights.json"


def collect(bench: Path) -> tuple[list[dict[str, float]], list[int], int]:
    """Features and labels of every candidate span on the training splits."""
    gaz = load_gazetteer()
    feats: list[dict[str, float]] = []
    labels: list[int] = []
    n_gold = 0
    for name in CORPORA:
        docs = split(load_corpus(bench / f"{name}.jsonl"), "train")
        for doc in docs:
            gold = [(t.start, t.end) for t in doc.toponyms]
            n_gold += len(gold)
            for s in find_spans(doc.text, gaz, lang="en", with_features=True):
                hit = any(a < s.end and s.start < b for a, b in gold)
                feats.append(s.features)
                labels.append(int(hit))
    return feats, labels, n_gold


def e2e_by_threshold(bench: Path, thresholds: list[float]) -> dict[float, float]:
    """Mean end-to-end F1@161 over the three corpora (training split) per threshold.

    Spans are found once with every score; for each threshold, the spans at or above it
    are resolved and scored, so the sweep costs one recognition pass. The resolver runs
    with the weights as they are in the package (the recognizer's new weights only
    change which spans are kept, which the threshold sweep reproduces).
    """
    from geo.parse.recognize import recognizer
    from geo.parse.resolve import resolve_spans

    gaz = load_gazetteer()
    rec = recognizer(gaz, "en")
    corpora = []
    for name in CORPORA:
        docs = split(load_corpus(bench / f"{name}.jsonl"), "train")
        corpora.append([(d, rec.spans(d.text, with_features=True)) for d in docs])
    out = {}
    for t in thresholds:
        f1s = []
        for docs in corpora:
            total = None
            for doc, spans in docs:
                for s in spans:
                    s.keep = s.score >= t
                kept = [s for s in spans if s.keep]
                decisions = resolve_spans(doc.text, kept)
                preds = []
                for i, s in enumerate(kept):
                    d = decisions.get(i)
                    lat = d.place.lat if d else None
                    lon = d.place.lon if d else None
                    preds.append(Prediction(s.start, s.end, s.surface, lat, lon))
                prf = end_to_end(doc.toponyms, preds)
                total = prf if total is None else total + prf
            f1s.append(total.f1 if total is not None else 0.0)
        out[t] = sum(f1s) / len(f1s)
    return out


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 50) -> np.ndarray:
    """Logistic regression by Newton's method with an L2 penalty (not on the bias)."""
    w = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(x @ w)))
        grad = x.T @ (p - y) + penalty * w
        hess = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return w


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench-dir", default=str(default_bench_dir()))
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--write", action="store_true", help="store the fitted weights")
    args = parser.parse_args()
    feats, labels, n_gold = collect(Path(args.bench_dir))
    names = sorted({k for f in feats for k in f if k not in HAND_SET})
    x = np.array([[1.0] + [f.get(k, 0.0) for k in names] for f in feats])
    y = np.array(labels, dtype=float)
    w = fit(x, y, l2=args.l2)
    p = 1 / (1 + np.exp(-(x @ w)))
    best = (0.0, 0.5)
    for t in np.arange(0.2, 0.8, 0.02):
        pred = p >= t
        tp = float((pred & (y == 1)).sum())
        prec = tp / max(pred.sum(), 1)
        rec = tp / max(n_gold, 1)
        f1 = 2 * prec * rec / max(prec + rec, 1e-9)
        best = max(best, (f1, float(t)))
    print(f"{len(y):,} candidate spans, {int(y.sum()):,} overlap gold; {n_gold:,} gold toponyms")
    print(f"candidate recall ceiling ~ {y.sum() / n_gold:.3f}")
    print(f"best training F1 (span level) {best[0]:.3f} at threshold {best[1]:.2f}")
    weights = {"bias": round(float(w[0]), 4)}
    weights.update({k: round(float(v), 4) for k, v in zip(names, w[1:], strict=True)})
    weights.update(HAND_SET)
    weights["threshold"] = round(best[1], 2)
    if args.write:
        # Write the fitted weights first so the threshold sweep scores with them, then
        # choose the threshold that maximises end-to-end F1@161 (what users see: a
        # mention that is found but put in the wrong place helps nobody).
        _write(weights, best[0])
        from geo.parse.recognize import _RECOGNIZERS, _weights

        _weights.cache_clear()
        _RECOGNIZERS.clear()
        grid = [round(0.30 + 0.02 * i, 2) for i in range(16)]
        sweep = e2e_by_threshold(Path(args.bench_dir), grid)
        chosen = max(sweep, key=lambda t: (sweep[t], -abs(t - 0.5)))
        print("threshold sweep (mean e2e F1@161, train):", end="")
        print("".join(f" {t:.2f}:{f:.3f}" for t, f in sweep.items()))
        weights["threshold"] = chosen
    for k, v in sorted(weights.items(), key=lambda kv: -abs(kv[1])):
        print(f"  {k:24} {v:+.3f}")
    if args.write:
        _write(weights, best[0])
        print(f"wrote {WEIGHTS} (threshold {weights['threshold']})")
    return 0


def _write(weights: dict[str, float], training_f1: float) -> None:
    payload = {
        "about": (
            "Weights of the recognizer's logistic model, fitted by "
            "benchmarks/train_recognizer.py on the training split (first 70% of the "
            f"documents) of {', '.join(CORPORA)}; common_noun_language and "
            "compound_head_noun_language are set by hand (German capitalises nouns and "
            "builds compounds; no English corpus can teach it)."
        ),
        "fitted_on": date.today().isoformat(),
        "training_f1": round(training_f1, 4),
        "threshold_rule": "maximises mean end-to-end F1@161 on the training split",
        "weights": weights,
    }
    WEIGHTS.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
