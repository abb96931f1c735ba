"""The answer task's held-out set: the factoid questions of eval/ (never training data), each with
the sentences of its gold abstract and which of them hold an accepted answer. train.py reports
how often the scorer puts such a sentence first; nothing is tuned on it.

    .venv/bin/python -m training.heldout   # writes training/data/heldout-answers.jsonl.gz
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from assistant.ingest.corpus import read_corpus
from assistant.settings import bundled_corpus
from assistant.text.sentences import sentences
from training.build import SHARED

ROOT = Path(__file__).resolve().parent.parent
SETS = {  # question file -> the corpus its gold papers are in
    "questions": ("bundled", bundled_corpus),
    "heldout": ("bundled", bundled_corpus),
    "heldout2": ("bundled", bundled_corpus),
    "heldout3": ("bundled", bundled_corpus),
    "scifact_factoid": ("scifact", lambda: SHARED / "scifact" / "corpus.jsonl"),
    "nfcorpus_qa": ("nfcorpus", lambda: SHARED / "nfcorpus" / "corpus.jsonl.gz"),
    "theses_qa": ("theses", lambda: SHARED / "exports" / "mq-cah__PublicHistTheses" /
                  "PublicHistoryTheses.ris.gz"),
}


def rows() -> list[dict]:
    out = []
    for name, (corpus, path) in SETS.items():
        papers = read_corpus(path()).papers
        with open(ROOT / "eval" / f"{name}.jsonl", encoding="utf-8") as lines:
            for q in map(json.loads, lines):
                gold, answers = q.get("gold", []), q.get("answers", [])
                if len(gold) != 1 or not answers or q.get("kind") in ("claim", "near_miss"):
                    continue
                paper = next((p for p in papers if p.paper_id == gold[0]
                              or p.title.lower().startswith(gold[0].lower())), None)
                if paper is None:
                    continue
                split = sentences(paper.abstract)
                holds = [i for i, s in enumerate(split)
                         if any(a.lower() in s.lower() for a in answers)]
                if holds and len(split) > 1:
                    out.append({"corpus": corpus, "id": q["id"], "question": q["question"],
                                "sentences": split, "holds": holds})
    return out


if __name__ == "__main__":
    found = rows()
    with gzip.open(ROOT / "training" / "data" / "heldout-answers.jsonl.gz", "wt",
                   encoding="utf-8") as out:
        for r in found:
            out.write(json.dumps(r, ensure_ascii=False) + "\n")
    counts: dict[str, int] = {}
    for r in found:
        counts[r["corpus"]] = counts.get(r["corpus"], 0) + 1
    print(counts)
