"""One training example: a pair of texts, the task it teaches and its label, with where it came
from (the data card counts by those)."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

TASKS = {
    "entail": ("entails", "contradicts", "neutral"),  # (claim, sentence)
    "answer": ("answers", "other"),  # (question, sentence)
    "relevance": ("2", "1", "0"),  # (question, title + abstract), graded as the qrels are
}


@dataclass(frozen=True)
class Pair:
    task: str
    a: str
    b: str
    label: str
    source: str  # how it was made: "scifact-rationale", "same-abstract", "bm25-neighbour", ...
    corpus: str  # which corpus its texts come from

    def __post_init__(self) -> None:
        if self.label not in TASKS[self.task]:
            raise ValueError(f"label {self.label!r} is not one of {TASKS[self.task]} ({self.task})")


def write(pairs: Iterable[Pair], path: Path) -> Counter:
    """Pairs as gzipped JSON lines; returns counts by (task, label, source, corpus)."""
    counts: Counter = Counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as out:
        for pair in pairs:
            out.write(json.dumps(asdict(pair), ensure_ascii=False) + "\n")
            counts[(pair.task, pair.label, pair.source, pair.corpus)] += 1
    return counts


def read(path: Path) -> list[Pair]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return [Pair(**json.loads(line)) for line in lines]
