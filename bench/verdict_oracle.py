"""Verdicts on all 809 SciFact train claims with the papers each claim cites as the only
sources (retrieval taken out): how often each label gets each verdict.

    .venv/bin/python bench/verdict_oracle.py --out bench/results/verdict-oracle.json
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.answer.verdict import decide  # noqa: E402
from assistant.types import Source  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(ROOT.parent / "shared/data/scifact"))
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    data = Path(args.data)
    corpus = {d["_id"]: d for d in map(json.loads, (data / "corpus.jsonl").open())}
    claims = [json.loads(line) for line in (data / "claims_train.jsonl").open() if line.strip()]
    table: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for c in claims:
        sources = [Source(pid, corpus[pid]["title"], corpus[pid]["text"], 0.8,
                          abstract=corpus[pid]["text"], number=i)
                   for i, pid in enumerate(c["cited"][:3], start=1) if pid in corpus]
        if sources:
            table[c["label"]][decide(c["claim"].rstrip("."), sources).kind] += 1
    report = {label: dict(counts) for label, counts in table.items()}
    right = sum(table[label][want] for label, want in
                (("SUPPORT", "yes"), ("CONTRADICT", "no"), ("NOINFO", "not_stated")))
    report["verdict_right"] = round(right / sum(sum(c.values()) for c in table.values()), 3)
    print(json.dumps(report, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
