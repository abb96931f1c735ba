"""`assistant eval retrieval DIR`: BEIR-layout evaluation through the product's own ingest()
and search()."""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable
from pathlib import Path

from assistant.errors import CorpusError
from assistant.evaluation.metrics import mrr_at, ndcg_at, percentile, recall_at
from assistant.pipeline import Assistant


def load_beir(folder: str | Path, split: str) -> tuple[Path, dict[str, str], dict[str, dict]]:
    """(corpus path, queries with judgements, qrels) of a BEIR dataset folder."""
    folder = Path(folder)
    corpus, queries_path = folder / "corpus.jsonl", folder / "queries.jsonl"
    qrels_path = folder / "qrels" / f"{split}.tsv"
    for path in (corpus, queries_path, qrels_path):
        if not path.exists():
            raise CorpusError(f"{path} is missing; a BEIR folder holds corpus.jsonl, "
                              f"queries.jsonl and qrels/{split}.tsv")
    qrels: dict[str, dict[str, int]] = {}
    with open(qrels_path, newline="", encoding="utf-8") as handle:
        for number, row in enumerate(csv.reader(handle, delimiter="\t"), start=1):
            if number == 1 and row and not row[-1].strip().lstrip("-").isdigit():
                continue  # header
            if len(row) < 3:
                raise CorpusError(f"{qrels_path}:{number}: expected query-id, corpus-id, score")
            qrels.setdefault(row[0], {})[row[1]] = int(row[2])
    queries = {}
    for line in queries_path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            rec = json.loads(line)
            if str(rec["_id"]) in qrels:
                queries[str(rec["_id"])] = rec["text"]
    return corpus, queries, qrels


def evaluate(assistant: Assistant, queries: dict[str, str], qrels: dict[str, dict],
             *, mode: str = "hybrid", depth: int = 100,
             progress: Callable[[int, int], None] | None = None) -> dict:
    per_query = {}
    latencies = []
    for i, (qid, text) in enumerate(queries.items(), start=1):
        started = time.perf_counter()
        ranking = [s.paper_id for s in assistant.search(text, k=depth, mode=mode)]
        latencies.append(time.perf_counter() - started)
        rel = qrels.get(qid, {})
        per_query[qid] = {"ndcg@10": ndcg_at(ranking, rel, 10), "recall@10": recall_at(ranking, rel, 10),
                          "recall@100": recall_at(ranking, rel, 100), "mrr@10": mrr_at(ranking, rel, 10)}
        if progress:
            progress(i, len(queries))
    n = len(per_query) or 1
    report = {name: round(sum(q[name] for q in per_query.values()) / n, 4)
              for name in ("ndcg@10", "recall@10", "recall@100", "mrr@10")}
    report.update({"queries": len(per_query), "mode": mode,
                   "search_ms_p50": round(1000 * percentile(latencies, 50), 1),
                   "search_ms_p95": round(1000 * percentile(latencies, 95), 1)})
    return report | {"per_query": per_query}
