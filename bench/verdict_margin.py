"""Verdicts on all 809 SciFact train claims after retrieval (top-k of the product's own
search): how often the cited paper is one the claim cites, with every retrieved paper
weighing in and with only those within a margin of the best relevance (`verdict.NEAR`).

    .venv/bin/python bench/verdict_margin.py --out bench/results/verdict-margin.json
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant, Settings  # noqa: E402
from assistant.answer import verdict  # noqa: E402

_RIGHT = {("SUPPORT", "yes"), ("CONTRADICT", "no"), ("NOINFO", "not_stated")}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(ROOT.parent / "shared/data/scifact"))
    parser.add_argument("--data-dir", default=str(ROOT / ".assistant" / "scifact"))
    parser.add_argument("--margins", type=float, nargs="+", default=[1.0, 0.2, 0.1, 0.05, 0.0])
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    assistant = Assistant(Settings.from_env(data_dir=args.data_dir))
    claims = [json.loads(line) for line in (Path(args.data) / "claims_train.jsonl").open()
              if line.strip()]
    k = assistant.settings.top_k
    searched = []
    for c in claims:
        claim = c["claim"].rstrip(".")
        found = [dataclasses.replace(s, number=i)
                 for i, s in enumerate(assistant.search(claim, k), start=1)]
        cosines = assistant.retriever.sentence_cosines(claim, [s.paper_id for s in found])
        searched.append((c, claim, found, cosines))
    report = {"claims": len(claims), "k": k,
              "evidence_rank1": sum(bool(f) and f[0].paper_id in c["cited"]
                                    for c, _, f, _ in searched),
              f"evidence_top{k}": sum(any(s.paper_id in c["cited"] for s in f)
                                      for c, _, f, _ in searched),
              "margins": {}}
    for margin in args.margins:
        verdict.NEAR = margin
        counts: collections.Counter = collections.Counter()
        for c, claim, found, cosines in searched:
            if not found:
                continue
            decided = verdict.decide(claim, found, cosines)
            counts["evidence_cited"] += any(x.paper_id in c["cited"] for x in decided.citations)
            counts["verdict_right"] += (c["label"], decided.kind) in _RIGHT
            counts[decided.kind] += 1
        report["margins"][str(margin)] = dict(counts)
    print(json.dumps(report, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
