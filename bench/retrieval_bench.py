"""Dense-only, BM25-only and fused rankings side by side on a BEIR dataset, plus tuning runs.

    .venv/bin/python bench/retrieval_bench.py [--data ../shared/data/scifact] [--split train]
        [--data-dir .assistant/scifact] [--grid] [--out bench/results/retrieval.json]

The corpus is ingested once through `Assistant.ingest()` (skipped when already indexed);
every configuration then searches the same index. Query embeddings are cached across
configurations, so timings of later configurations exclude the embedding: the latency row
of the first configuration includes it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant, Settings  # noqa: E402
from assistant.evaluation.retrieval import evaluate, load_beir  # noqa: E402


class CachedEmbedder:
    """Wraps the real embedder; remembers query vectors between configurations."""

    def __init__(self, inner):
        self.inner = inner
        self.name = inner.name
        self.cache: dict[str, list[float]] = {}

    def embed(self, texts):
        missing = [t for t in texts if t not in self.cache]
        if missing:
            for t, v in zip(missing, self.inner.embed(missing), strict=True):
                self.cache[t] = v
        return [self.cache[t] for t in texts]


BASELINES = [
    ("dense", {}, "dense"),
    ("bm25", {}, "bm25"),
    ("rrf (k=60, equal)", {"fusion": "rrf", "dense_weight": 0.5}, "hybrid"),
    ("weighted (default)", {}, "hybrid"),
]


def grid():
    """Tuning runs, in stages: BM25 parameters and fusion weight, then the dense side."""
    for k1, b in [(0.9, 0.4), (1.2, 0.75), (1.5, 0.75)]:
        for w in [0.3, 0.4, 0.5, 0.6]:
            yield (f"weighted w={w} k1={k1} b={b}",
                   {"dense_weight": w, "bm25_k1": k1, "bm25_b": b}, "hybrid")
    for w in [0.5, 0.7]:
        yield f"rrf w={w}", {"fusion": "rrf", "dense_weight": w}, "hybrid"
    for pvw in [0.3, 0.5]:
        yield f"weighted + paper vector {pvw}", {"paper_vector_weight": pvw}, "hybrid"
    for f, fw in [(3, 0.5), (5, 0.5), (3, 1.0)]:
        yield f"weighted + feedback {f}x{fw}", {"feedback": f, "feedback_weight": fw}, "hybrid"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "scifact"))
    parser.add_argument("--split", default="train")
    parser.add_argument("--data-dir", default=str(ROOT / ".assistant" / "scifact"))
    parser.add_argument("--grid", action="store_true", help="also run the tuning grid")
    parser.add_argument("--configs", default=None,
                        help="JSON list of settings overrides to run instead of the grid")
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    corpus, queries, qrels = load_beir(args.data, args.split)
    base = Settings.from_env(data_dir=args.data_dir)
    first = Assistant(base)
    started = time.perf_counter()
    report = first.ingest(corpus)
    print(f"ingest: {report.summary()} in {time.perf_counter() - started:.1f} s", flush=True)
    embedder = CachedEmbedder(first.embedder)
    rows = []
    runs = [] if args.no_baselines else list(BASELINES)
    if args.grid:
        runs += list(grid())
    if args.configs:
        runs += [(json.dumps(c), c, "hybrid") for c in json.loads(args.configs)]
    for name, overrides, mode in runs:
        assistant = Assistant(base.replace(**overrides), embedder=embedder)
        r = evaluate(assistant, queries, qrels, mode=mode)
        r.pop("per_query")
        rows.append({"name": name, "mode": mode, **overrides, **r})
        print(f"{name:<34} nDCG@10 {r['ndcg@10']:.4f}  R@10 {r['recall@10']:.4f}  "
              f"R@100 {r['recall@100']:.4f}  MRR@10 {r['mrr@10']:.4f}  "
              f"p50 {r['search_ms_p50']} ms  p95 {r['search_ms_p95']} ms", flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps({"split": args.split, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
