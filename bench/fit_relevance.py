"""Fit the relevance signal (logistic on the best passage's cosine and lexical coverage) on
two corpora at once, and report how it declines on each.

    .venv/bin/python bench/fit_relevance.py --scifact-dir .assistant/scifact \
        --out bench/results/relevance-fit.json

Answerable (label 1): the top paper for questions each corpus answers: the bundled dev and
first held-out sets' answerable questions on the bundled index (held-out 2 and 3 stay out of
the fit); SciFact's train queries and the SciFact factoid
set on the SciFact index. Not answerable (label 0): the bundled out-of-corpus questions on
both indexes, the bundled corpus's ML questions on the SciFact index, and SciFact claims and
factoid questions on the bundled index: each corpus's questions are the other's negatives.
Each (corpus, class) cell weighs the same in the fit. Leave-one-corpus-out: weights fitted
on one corpus, tested on the other.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant, Settings  # noqa: E402
from assistant.search.retrieval import RELEVANCE_WEIGHTS  # noqa: E402


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _features(assistant: Assistant, questions: list[str]) -> list[tuple[float, float]]:
    out = []
    for q in questions:
        top = assistant.search(q, k=1)
        out.append((top[0].score, top[0].lexical) if top else (0.0, 0.0))
    return out


def fit(x: np.ndarray, y: np.ndarray, group: np.ndarray | None = None, l2: float = 1e-3,
        steps: int = 5000) -> np.ndarray:
    """Logistic regression by gradient descent. Every (group, class) cell weighs the same, so
    a corpus with 850 questions does not outvote one with 40."""
    xb = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(xb.shape[1])
    group = np.zeros(len(y)) if group is None else group
    cells = {(g, c): ((group == g) & (y == c)).sum() for g in set(group) for c in (0, 1)}
    weight = np.array([len(y) / (len(cells) * cells[(g, c)]) for g, c in zip(group, y, strict=True)])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-xb @ w))
        grad = xb.T @ ((p - y) * weight) / len(y) + l2 * np.r_[0, w[1:]]
        w -= 2.0 * grad
    return w


def rates(w: np.ndarray, x: np.ndarray, y: np.ndarray, threshold: float = 0.5) -> dict:
    p = 1 / (1 + np.exp(-(w[0] + x @ w[1:])))
    return {"false_declines": int(((p < threshold) & (y == 1)).sum()), "answerable": int(y.sum()),
            "false_answers": int(((p >= threshold) & (y == 0)).sum()),
            "unanswerable": int((y == 0).sum())}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scifact-dir", default=str(ROOT / ".assistant" / "scifact"))
    parser.add_argument("--scifact-data", default=str(ROOT.parent / "shared/data/scifact"))
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    ev = ROOT / "eval"
    bundled_q = [q for name in ("questions", "heldout") for q in _jsonl(ev / f"{name}.jsonl")
                 if not q.get("after")]
    ml = [q["question"] for q in bundled_q if q.get("gold")]
    outside = [q["question"] for q in bundled_q if not q.get("gold")] + \
        [q["question"] for q in _jsonl(ev / "out_of_corpus.jsonl")]
    sf_data = Path(args.scifact_data)
    train = {line.split("\t")[0] for line in
             (sf_data / "qrels" / "train.tsv").read_text().splitlines()[1:] if line.strip()}
    sf_queries = [q["text"] for q in _jsonl(sf_data / "queries.jsonl") if q["_id"] in train]
    sf_factoid = [q["question"] for q in _jsonl(ev / "scifact_factoid.jsonl")]
    sf_claims = sorted({q["question"] for q in _jsonl(ev / "scifact_claims.jsonl")})[::3]

    bundled = Assistant(Settings.from_env(data_dir=str(ROOT / ".assistant" / "bench-index")))
    bundled.ensure_bundled()
    scifact = Assistant(Settings.from_env(data_dir=args.scifact_dir))
    sets = {
        "bundled": (_features(bundled, ml) + _features(bundled, outside)
                    + _features(bundled, sf_factoid + sf_claims),
                    [1] * len(ml) + [0] * (len(outside) + len(sf_factoid) + len(sf_claims))),
        "scifact": (_features(scifact, sf_queries + sf_factoid)
                    + _features(scifact, ml + outside),
                    [1] * (len(sf_queries) + len(sf_factoid)) + [0] * (len(ml) + len(outside))),
    }
    data = {k: (np.array(x), np.array(y, dtype=float)) for k, (x, y) in sets.items()}
    x_all = np.vstack([d[0] for d in data.values()])
    y_all = np.concatenate([d[1] for d in data.values()])
    g_all = np.concatenate([np.full(len(d[1]), i) for i, d in enumerate(data.values())])
    w = fit(x_all, y_all, g_all)
    current = np.array(RELEVANCE_WEIGHTS)
    report = {"current_weights": list(RELEVANCE_WEIGHTS),
              "current": {k: rates(current, *d) for k, d in data.items()},
              "refit_weights": [round(float(v), 2) for v in w],
              "refit": {k: rates(w, *d) for k, d in data.items()}}
    for held in data:
        other = [k for k in data if k != held][0]
        w_one = fit(*data[other])
        report[f"fitted_on_{other}_tested_on_{held}"] = rates(w_one, *data[held])
    print(json.dumps(report, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
