"""Does the evidence scorer's relevance head rerank the fused candidates better? nDCG@10 of
the hybrid ranking and of its top `--depth` papers reordered by P(relevant | query, title +
abstract), on a BEIR-layout dataset, with the scorer's time per query.

    .venv/bin/python bench/rerank_bench.py --data ../shared/data/nfcorpus --split dev \\
        --data-dir IDX [--limit 200] [--depth 20]

NFCorpus ships gzipped: the script reads corpus/queries/qrels .gz files too.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant, Settings  # noqa: E402
from assistant.evaluation.metrics import ndcg_at  # noqa: E402


def _open(path: Path):
    gz = path.with_name(path.name + ".gz")
    return gzip.open(gz, "rt", encoding="utf-8") if gz.exists() else open(path, encoding="utf-8")


def load(folder: Path, split: str) -> tuple[dict[str, str], dict[str, dict[str, int]]]:
    qrels: dict[str, dict[str, int]] = {}
    with _open(folder / "qrels" / f"{split}.tsv") as rows:
        for row in csv.reader(rows, delimiter="\t"):
            if len(row) >= 3 and row[2].strip().lstrip("-").isdigit():
                qrels.setdefault(row[0], {})[row[1]] = int(row[2])
    with _open(folder / "queries.jsonl") as lines:
        queries = {str(r["_id"]): r["text"] for r in map(json.loads, lines)
                   if str(r["_id"]) in qrels}
    return queries, qrels


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--split", default="dev")
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--depth", type=int, default=20)
    args = parser.parse_args()
    a = Assistant(Settings.from_env(data_dir=args.data_dir, n_threads=2))
    queries, qrels = load(args.data, args.split)
    items = sorted(queries.items())[:args.limit] if args.limit else sorted(queries.items())
    before, after, spent = [], [], []
    for qid, text in items:
        found = a.search(text, args.depth)
        start = time.perf_counter()
        probs = a.scorer.relevance(text, [f"{s.title}\n{s.abstract or s.text}" for s in found])
        spent.append(time.perf_counter() - start)
        reranked = [s.paper_id for _, s in sorted(zip(probs, found, strict=True),
                                                   key=lambda t: -t[0])]
        before.append(ndcg_at([s.paper_id for s in found], qrels[qid], 10))
        after.append(ndcg_at(reranked, qrels[qid], 10))
    print(json.dumps({"data": args.data.name, "split": args.split, "queries": len(items),
                      "depth": args.depth,
                      "ndcg@10_hybrid": round(statistics.mean(before), 4),
                      "ndcg@10_reranked": round(statistics.mean(after), 4),
                      "scorer_ms_per_query_median": round(1000 * statistics.median(spent), 1)},
                     indent=2))


if __name__ == "__main__":
    main()
