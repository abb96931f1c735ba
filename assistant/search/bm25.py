"""BM25 over segments: each ingest adds a small segment, deletes and updates mark documents
dead, and the segments are merged when the small ones pile up. Scores use the statistics of
all live documents (N, document frequency, mean length), so a paper scores the same whatever
segment holds it; this is why the index is ours and not bm25s, whose indexes each carry
their own idf. Scoring is Lucene's BM25, as bm25s computes it:
idf = ln(1 + (N - df + 0.5) / (df + 0.5)), tf part = tf / (tf + k1 (1 - b + b dl / avgdl)).

A segment is a folder of arrays opened memory-mapped: its terms, and per term the documents
that hold it with their counts (term-major postings), each document's length and a live flag.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.text.rules import tokenize

__all__ = ["Segment", "Postings", "tokenize"]


@dataclass
class Segment:
    """One segment's postings; `live` marks the documents still current."""

    terms: dict[str, int]
    indptr: np.ndarray  # (n_terms + 1,) offsets into docs/tfs
    docs: np.ndarray  # int32 local document numbers, sorted within each term
    tfs: np.ndarray  # float32 counts
    lengths: np.ndarray  # float32 tokens per document
    live: np.ndarray  # bool per document

    @property
    def size(self) -> int:
        return len(self.lengths)

    @classmethod
    def build(cls, token_lists: Sequence[Sequence[str]]) -> Segment:
        terms: dict[str, int] = {}
        rows, cols, counts = [], [], []
        for doc, tokens in enumerate(token_lists):
            tally: dict[int, int] = {}
            for token in tokens:
                term = terms.setdefault(token, len(terms))
                tally[term] = tally.get(term, 0) + 1
            rows += tally.keys()
            cols += [doc] * len(tally)
            counts += tally.values()
        lengths = np.array([len(t) for t in token_lists], dtype=np.float32)
        return cls._from_triples(terms, np.array(rows, dtype=np.int64),
                                 np.array(cols, dtype=np.int64),
                                 np.array(counts, dtype=np.float32), lengths)

    @classmethod
    def _from_triples(cls, terms: dict[str, int], term_of: np.ndarray, doc_of: np.ndarray,
                      tf: np.ndarray, lengths: np.ndarray) -> Segment:
        order = np.lexsort((doc_of, term_of))
        indptr = np.zeros(len(terms) + 1, dtype=np.int64)
        np.add.at(indptr, term_of + 1, 1)
        return cls(terms, np.cumsum(indptr), doc_of[order].astype(np.int32),
                   tf[order].astype(np.float32), lengths.astype(np.float32),
                   np.ones(len(lengths), dtype=bool))

    @classmethod
    def merge(cls, segments: Sequence[Segment]) -> tuple[Segment, list[np.ndarray]]:
        """The live documents of `segments` as one segment, and per input segment the
        new numbers of its live documents (in order)."""
        terms: dict[str, int] = {}
        parts, kept, offset = [], [], 0
        for seg in segments:
            new_number = np.cumsum(seg.live) - 1 + offset
            kept.append(np.flatnonzero(seg.live))
            offset += int(seg.live.sum())
            names = sorted(seg.terms, key=seg.terms.__getitem__)
            remap = np.array([terms.setdefault(t, len(terms)) for t in names], dtype=np.int64)
            term_of = np.repeat(np.arange(len(names)), np.diff(seg.indptr))
            alive = seg.live[seg.docs]
            parts.append((remap[term_of[alive]], new_number[seg.docs[alive]], seg.tfs[alive]))
        lengths = np.concatenate([seg.lengths[k] for seg, k in zip(segments, kept, strict=True)]) \
            if segments else np.zeros(0, dtype=np.float32)
        merged = cls._from_triples(
            terms, *(np.concatenate([p[i] for p in parts]) if parts else np.zeros(0)
                     for i in range(3)), lengths)
        return merged, kept

    # -- disk ---------------------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "terms.json").write_text(json.dumps(sorted(self.terms, key=self.terms.get)))
        for name in ("indptr", "docs", "tfs", "lengths"):
            np.save(folder / f"{name}.npy", getattr(self, name))
        self.save_live(folder)

    def save_live(self, folder: Path) -> None:
        tmp = folder / "live.tmp.npy"
        np.save(tmp, self.live)
        tmp.replace(folder / "live.npy")

    @classmethod
    def load(cls, folder: Path) -> Segment:
        names = json.loads((folder / "terms.json").read_text())
        arrays = {n: np.load(folder / f"{n}.npy", mmap_mode="r")
                  for n in ("indptr", "docs", "tfs", "lengths")}
        live = np.array(np.load(folder / "live.npy"), dtype=bool)  # small, and changes
        return cls({t: i for i, t in enumerate(names)}, live=live, **arrays)

    @staticmethod
    def remove(folder: Path) -> None:
        shutil.rmtree(folder, ignore_errors=True)


class Postings:
    """BM25 over a list of segments, scores laid out segment after segment."""

    def __init__(self, segments: Sequence[Segment], k1: float, b: float) -> None:
        self.segments = list(segments)
        self.k1, self.b = k1, b
        self.offsets = np.cumsum([0] + [s.size for s in self.segments])
        self.n_live = int(sum(int(s.live.sum()) for s in self.segments))
        total = sum(float(s.lengths[s.live].sum()) for s in self.segments)
        self.avgdl = total / self.n_live if self.n_live else 1.0

    @property
    def size(self) -> int:
        return int(self.offsets[-1])

    def _postings(self, token: str):
        """(segment number, live documents, their counts) for each segment holding `token`."""
        for n, seg in enumerate(self.segments):
            term = seg.terms.get(token)
            if term is None:
                continue
            lo, hi = int(seg.indptr[term]), int(seg.indptr[term + 1])
            docs = np.asarray(seg.docs[lo:hi])
            alive = seg.live[docs]
            yield n, docs[alive], np.asarray(seg.tfs[lo:hi])[alive]

    def df(self, token: str) -> int:
        return sum(len(d) for _, d, _ in self._postings(token))

    def idf(self, token: str) -> float:
        df = self.df(token)
        if not df:
            return 0.0
        return float(np.log(1 + (self.n_live - df + 0.5) / (df + 0.5)))

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        """BM25 of every document (dead ones 0) for the tokens, repeats counted."""
        out = np.zeros(self.size, dtype=np.float32)
        for token in tokens:
            weight = self.idf(token)
            if not weight:
                continue
            for n, docs, tf in self._postings(token):
                seg = self.segments[n]
                norm = self.k1 * (1 - self.b + self.b * np.asarray(seg.lengths)[docs] / self.avgdl)
                out[self.offsets[n] + docs] += weight * tf / (tf + norm)
        return out

    def coverage(self, tokens: set[str]) -> np.ndarray:
        """Share of the tokens' idf mass that each document contains."""
        out = np.zeros(self.size, dtype=np.float32)
        total = 0.0
        for token in tokens:
            weight = self.idf(token)
            if not weight:
                continue
            for n, docs, _ in self._postings(token):
                out[self.offsets[n] + docs] += weight
            total += weight
        return out / total if total else out
