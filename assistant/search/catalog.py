"""What search derives from the stored papers, kept on local disk in step with the index:
BM25 segments (`lexical`), each paper's year and authors (for filters) and the names papers
introduce (`names`).

It follows the index by sequence numbers: every write stamps its papers with the next
number, so a sync reads only the papers written since the last one and adds them as a new
segment (their older copies are marked dead); a delete records its number, and the next sync
then compares the stored ids. Every process, and every client of one Chroma server, thus
derives the same BM25 from the same stored papers, with no full rebuild on a change. A file
lock keeps two processes of one machine from syncing the same folder at once.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from assistant.search.bm25 import Postings, Segment
from assistant.search.store import ChromaIndex
from assistant.text.names import NameIndex, paper_names
from assistant.text.rules import tokenize
from assistant.types import Paper

_FLUSH = 20000  # papers per segment while syncing many
_MAX_SEGMENTS = 8  # more than this and the small ones are merged
_SMALL_SHARE = 0.25  # small segments holding more than this share of the largest: merge all
_DEAD_SHARE = 0.3  # dead documents above this share: merge all


class Catalog:
    def __init__(self, folder: Path, *, k1: float = 1.2, b: float = 0.75,
                 title_boost: int = 1) -> None:
        self.folder = Path(folder)
        self.k1, self.b, self.title_boost = k1, b, title_boost
        self.names = NameIndex()
        self._state: dict = {}
        self._segments: list[Segment] = []
        self._metas: list[dict] = []
        self._loaded: list[str] = []
        self._reset_views()

    @property
    def params(self) -> list:
        """What the saved segments were built with; other values mean a rebuild."""
        return [self.k1, self.b, self.title_boost]

    # -- views over all segments ----------------------------------------------------------------
    def _reset_views(self) -> None:
        self.postings = Postings(self._segments, self.k1, self.b)
        self.ids: list[str] = [pid for m in self._metas for pid in m["ids"]]
        live = np.concatenate([s.live for s in self._segments]) if self._segments else \
            np.zeros(0, dtype=bool)
        self._live = live
        self._position = {self.ids[i]: int(i) for i in np.flatnonzero(live)}
        self.years = np.array([y if y is not None else -1 for m in self._metas for y in m["years"]],
                              dtype=np.int32)
        self.authors: list[str] = [a for m in self._metas for a in m["authors"]]
        names = [n for m in self._metas for n in m["names"]]
        owned = {self.ids[i]: set(names[i]) for i in np.flatnonzero(live)}
        self.names.fill(owned, self._mentions, len(self._position))

    def _mentions(self, token: str) -> int:
        stems = tokenize(token)
        return self.postings.df(stems[0]) if stems else 0

    def __len__(self) -> int:
        return len(self._position)

    def position(self, paper_id: str) -> int | None:
        return self._position.get(paper_id)

    # -- BM25 ---------------------------------------------------------------------------------
    def scores(self, query: str) -> np.ndarray:
        """BM25 of every position (dead ones 0) for the query."""
        return self.postings.scores(tokenize(query))

    def token_scores(self, tokens: Sequence[str]) -> np.ndarray:
        return self.postings.scores(list(tokens))

    def coverage(self, query: str) -> np.ndarray:
        return self.postings.coverage(set(tokenize(query)))

    def idf(self, token: str) -> float:
        return self.postings.idf(token)

    def expansion(self, query: str, texts: Sequence[str], n_terms: int) -> list[str]:
        """Feedback terms: the words that weigh most (tf share x idf) in `texts`, the papers
        that ranked first, leaving out the query's own words (RM3-style, unweighted)."""
        own = set(tokenize(query))
        weight: dict[str, float] = {}
        for text in texts:
            tokens = tokenize(text)
            for token in set(tokens) - own:
                idf = self.idf(token)
                if idf:
                    weight[token] = weight.get(token, 0.0) + tokens.count(token) / len(tokens) * idf
        return sorted(weight, key=weight.__getitem__, reverse=True)[:n_terms]

    # -- filters --------------------------------------------------------------------------------
    def allowed(self, year_min: int | None, year_max: int | None,
                authors: Sequence[str], paper_ids: Sequence[str]) -> set[str]:
        keep = self._live.copy()
        if year_min is not None:
            keep &= (self.years >= year_min)
        if year_max is not None:
            keep &= (self.years <= year_max) & (self.years >= 0)
        out = {self.ids[i] for i in np.flatnonzero(keep)}
        if paper_ids:
            out &= set(paper_ids)
        if authors:
            wanted = [a.lower() for a in authors]
            out = {pid for pid in out
                   if any(a in self.authors[self._position[pid]].lower() for a in wanted)}
        return out

    # -- following the index -------------------------------------------------------------------
    def sync(self, index: ChromaIndex) -> bool:
        """Bring the catalog in step with the index; True when anything changed."""
        stored = index.state()
        if self._current(stored):
            return False
        with self._lock():
            self._load()
            if self._current(stored):  # another process synced it
                self._reset_views()
                return True
            if self._state.get("source") != stored["source"] or \
                    self._state.get("params") != self.params:
                self._clear()
            if stored["deleted"] > self._state["seq"]:
                self._drop_missing(index.ids())
            buffer: list[Paper] = []
            for page in index.changed_since(self._state["seq"]):
                buffer += page
                if len(buffer) >= _FLUSH:
                    self._add(buffer)
                    buffer = []
            self._add(buffer)
            self._maybe_merge()
            self._state.update({k: stored[k] for k in ("generation", "seq", "deleted", "source")})
            self._save_state()
        self._reset_views()
        return True

    def _current(self, stored: dict) -> bool:
        return bool(self._state) and all(self._state.get(k) == stored[k]
                                         for k in ("generation", "seq", "deleted", "source"))

    def _clear(self) -> None:
        for stale in self.folder.glob("seg*"):
            Segment.remove(stale)
        self._segments, self._metas, self._loaded = [], [], []
        self._state = {"seq": 0, "deleted": 0, "params": self.params, "next": 0}

    def _mark_dead(self, paper_ids: set[str]) -> None:
        for seg, meta, name in zip(self._segments, self._metas, self._loaded, strict=True):
            hit = [i for i, pid in enumerate(meta["ids"]) if pid in paper_ids and seg.live[i]]
            if hit:
                seg.live[hit] = False
                seg.save_live(self.folder / name)

    def _drop_missing(self, stored_ids: set[str]) -> None:
        live = {pid for seg, meta in zip(self._segments, self._metas, strict=True)
                for pid, alive in zip(meta["ids"], seg.live, strict=True) if alive}
        self._mark_dead(live - stored_ids)

    def _add(self, papers: list[Paper]) -> None:
        if not papers:
            return
        papers = list({p.paper_id: p for p in papers}.values())  # a page may repeat a paper
        self._mark_dead({p.paper_id for p in papers})
        extra = self.title_boost - 1
        segment = Segment.build([tokenize(f"{(p.title + ' ') * extra}{p.title}\n{p.abstract}")
                                 for p in papers])
        meta = {"ids": [p.paper_id for p in papers], "years": [p.year for p in papers],
                "authors": ["; ".join(p.authors) for p in papers],
                "names": [sorted(paper_names(p.title, p.abstract)) for p in papers]}
        self._append(segment, meta)

    def _append(self, segment: Segment, meta: dict) -> None:
        name = f"seg{self._state['next']:06d}"
        self._state["next"] += 1
        segment.save(self.folder / name)
        (self.folder / name / "meta.json").write_text(json.dumps(meta))
        self._segments.append(segment)
        self._metas.append(meta)
        self._loaded.append(name)

    def _maybe_merge(self) -> None:
        if len(self._segments) < 2:
            return
        sizes = [s.size for s in self._segments]
        largest = max(range(len(sizes)), key=sizes.__getitem__)
        dead = sum(int((~s.live).sum()) for s in self._segments)
        small = sum(sizes) - sizes[largest]
        if small > _SMALL_SHARE * sizes[largest] or dead > _DEAD_SHARE * sum(sizes):
            self._merge(list(range(len(sizes))))
        elif len(sizes) > _MAX_SEGMENTS:
            self._merge([i for i in range(len(sizes)) if i != largest])

    def _merge(self, which: list[int]) -> None:
        merged, kept = Segment.merge([self._segments[i] for i in which])
        meta = {key: [self._metas[i][key][j] for i, rows in zip(which, kept, strict=True)
                      for j in rows] for key in ("ids", "years", "authors", "names")}
        old = [self._loaded[i] for i in which]
        for i in sorted(which, reverse=True):
            del self._segments[i], self._metas[i], self._loaded[i]
        self._append(merged, meta)
        self._save_state()  # the new segment is listed before the old ones go
        for name in old:
            Segment.remove(self.folder / name)

    # -- disk -----------------------------------------------------------------------------------
    def _load(self) -> None:
        """Read the saved state; segments already open are kept (their files never change
        except the live flags, which are reread)."""
        path = self.folder / "state.json"
        try:
            state = json.loads(path.read_text())
        except (OSError, ValueError):
            self._clear()
            return
        if state.get("params") != self.params:
            self._clear()
            return
        opened = dict(zip(self._loaded, zip(self._segments, self._metas, strict=True),
                          strict=True))
        segments, metas = [], []
        try:
            for name in state["segments"]:
                if name in opened:
                    seg, meta = opened[name]
                    seg.live = np.array(np.load(self.folder / name / "live.npy"), dtype=bool)
                else:
                    seg = Segment.load(self.folder / name)
                    meta = json.loads((self.folder / name / "meta.json").read_text())
                segments.append(seg)
                metas.append(meta)
        except (OSError, ValueError, KeyError):
            self._clear()
            return
        self._segments, self._metas, self._loaded = segments, metas, list(state["segments"])
        self._state = state

    def _save_state(self) -> None:
        self._state["segments"] = list(self._loaded)
        tmp = self.folder / "state.json.tmp"
        tmp.write_text(json.dumps(self._state))
        os.replace(tmp, self.folder / "state.json")

    @contextmanager
    def _lock(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / "lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
