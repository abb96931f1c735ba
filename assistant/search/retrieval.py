"""Hybrid retrieval: dense passages (Chroma) and BM25 (the catalog), fused at the paper level.

1. candidates: the papers of the nearest chunks (Chroma's HNSW), and the best BM25 papers;
2. every candidate's record is fetched and it gets both scores: dense = cosine of its best
   chunk, from its stored chunk vectors; lexical = its BM25 score;
3. fusion (`settings.fusion`): "zscore" (default) standardises each signal over the candidates
   and adds them, weighted: the best chunk, BM25, the best single sentence (embedded with the
   title) and query-term coverage (the idf share of the question's words the paper has);
   "rrf" sums 1/(rrf_k + rank) over both rankings; "weighted" adds the dense cosine to the
   BM25 score divided by the query's best BM25 score;
4. optional filters (year range, authors, ids) and diversity (MMR over paper vectors).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.errors import ConfigError
from assistant.search.catalog import Catalog
from assistant.search.embedding import Embedder, unit
from assistant.search.store import ChromaIndex, Record
from assistant.settings import Settings
from assistant.text.rules import tokenize
from assistant.types import Source

MODES = ("hybrid", "dense", "bm25")
_CACHE = 2000  # records kept from earlier searches
# Relevance = logistic(b0 + b1 * dense cosine + b2 * lexical coverage). Lexical coverage: the
# paper's BM25 score per query term, over ln(1 + N). Chosen on two corpora, each corpus's
# questions the other's negatives (bench/fit_relevance.py): bundled 0/88 false declines and
# 4/140 false answers, SciFact 33/857 and 6/120; joint refits do no better (docs/heuristics.md).
RELEVANCE_WEIGHTS = (-3.11, 6.06, 5.00)


def relevance(cosine: float, lexical: float) -> float:
    """The calibrated chance that a paper answers the query, from its best passage's cosine
    and its lexical coverage (see RELEVANCE_WEIGHTS)."""
    b0, b1, b2 = RELEVANCE_WEIGHTS
    return 1 / (1 + math.exp(-(b0 + b1 * cosine + b2 * lexical)))


@dataclass(frozen=True)
class Filters:
    """Restrict search to papers whose metadata match; empty fields do not filter."""

    year_min: int | None = None
    year_max: int | None = None
    authors: tuple[str, ...] = ()  # any author containing one of these (case-insensitive)
    paper_ids: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return any([self.year_min, self.year_max, self.authors, self.paper_ids])


class Retriever:
    """Searches one index: dense candidates from Chroma's HNSW, BM25 from the catalog, and
    each candidate scored from its fetched record (chunk and sentence vectors)."""

    def __init__(self, index: ChromaIndex, embedder: Embedder, settings: Settings) -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self.lexical = Catalog(Path(settings.data_dir) / "catalog", k1=settings.bm25_k1,
                               b=settings.bm25_b, title_boost=settings.bm25_title_boost)
        self._generation: str | None = None  # of the index when last synced
        self._recent: dict[str, np.ndarray] = {}
        self._records: dict[str, Record] = {}  # recently fetched, cleared on any change

    @property
    def names(self):
        return self.lexical.names

    def refresh(self) -> None:
        """Follow the index: after a write by any process (its generation tells), reopen
        embedded Chroma if another process wrote, and sync the catalog."""
        generation = self.index.generation()
        if generation == self._generation:
            return
        if self._generation is not None and generation != self.index.written:
            self.index.reconnect()  # another process wrote
        self.lexical.sync(self.index)
        self._records = {}
        self._generation = generation

    def named(self, query: str) -> list[str]:
        """Papers the query names by what they introduce ("SNIP", "PoolFormer")."""
        self.refresh()
        return self.names.named_in(query)

    def records(self, paper_ids: list[str]) -> dict[str, Record]:
        """The stored records of the papers, from a cache of the last `_CACHE` fetched."""
        missing = [pid for pid in paper_ids if pid not in self._records]
        fetched = self.index.records(missing) if missing else {}
        out = {pid: fetched.get(pid) or self._records.get(pid) for pid in paper_ids}
        self._records.update(fetched)
        while len(self._records) > _CACHE:
            self._records.pop(next(iter(self._records)))
        return {pid: rec for pid, rec in out.items() if rec is not None}

    # -- search -------------------------------------------------------------------------------
    def search(self, query: str, k: int, *, mode: str = "hybrid", filters: Filters | None = None,
               diversify: bool = False) -> list[Source]:
        if mode not in MODES:
            raise ConfigError(f"search mode {mode!r} is not one of {', '.join(MODES)}")
        query = " ".join(query.split())
        if not query or k < 1:
            return []
        self.refresh()
        if not len(self.lexical):
            return []
        s = self.settings
        allowed = None
        if filters:
            allowed = self.lexical.allowed(filters.year_min, filters.year_max, filters.authors,
                                           filters.paper_ids)
            if not allowed:
                return []
        depth = max(s.candidates, k * 3)
        vector = self._query_vector(query)

        candidates: dict[str, None] = {}
        if mode in ("hybrid", "dense"):
            where = {"paper_id": {"$in": sorted(allowed)}} if allowed is not None else None
            for pid, _ in self.index.nearest_chunks(vector, depth * 3, where):
                candidates.setdefault(pid)
                if len(candidates) >= depth:
                    break
        lexical = self.lexical.scores(query)
        if mode in ("hybrid", "bm25") and lexical.size:
            taken = 0
            for i in np.argsort(-lexical, kind="stable"):
                if lexical[i] <= 0 or taken >= depth:
                    break
                pid = self.lexical.ids[i]
                if allowed is None or pid in allowed:
                    candidates.setdefault(pid)
                    taken += 1
        records = self.records(list(candidates))
        ids = [pid for pid in candidates if pid in records]
        if not ids:
            return []
        chunk_scores = [records[pid].chunk_vectors @ vector for pid in ids]
        best = {pid: records[pid].chunk(int(np.argmax(c)), float(np.max(c)))
                for pid, c in zip(ids, chunk_scores, strict=True)}
        paper_vecs = np.stack([unit(records[pid].chunk_vectors.mean(axis=0)) for pid in ids])
        lex = self._at(lexical, ids)
        best_chunk = np.array([best[pid].score for pid in ids], dtype=np.float32)
        dense = self._dense(best_chunk, paper_vecs, vector)
        extra = self._extra(ids, records, query, vector, best_chunk) if mode == "hybrid" else []
        fused = self._fuse(dense, lex, mode, extra)
        if s.feedback and len(ids) > s.feedback:
            # pseudo-relevance feedback from the first ranking's best papers: Rocchio on the
            # query vector, and expansion terms for BM25
            top_f = np.argsort(-fused, kind="stable")[: s.feedback]
            if mode != "bm25" and s.feedback_weight:
                moved = unit(vector + s.feedback_weight * paper_vecs[top_f].mean(axis=0))
                moved_best = np.array([float((records[pid].chunk_vectors @ moved).max())
                                       for pid in ids], dtype=np.float32)
                dense = self._dense(moved_best, paper_vecs, moved)
            if mode != "dense" and s.feedback_terms:
                fb = [records[ids[i]].paper for i in top_f]
                terms = self.lexical.expansion(query, [f"{p.title} {p.abstract}" for p in fb],
                                               s.feedback_terms)
                lex = lex + s.feedback_term_weight * self._at(self.lexical.token_scores(terms), ids)
            fused = self._fuse(dense, lex, mode, extra)
        order = list(np.argsort(-fused, kind="stable"))
        if diversify and len(order) > k:
            order = _mmr(order, fused, list(paper_vecs), k, s.mmr_lambda)
        top = [ids[i] for i in order[:k]]
        n_terms = max(1, len(tokenize(query)))
        scale = n_terms * math.log(1 + max(1, len(self.lexical)))
        lex_of = dict(zip(ids, lex.tolist(), strict=True))
        out = []
        for pid in top:
            hit, paper = best[pid], records[pid].paper
            lexical_share = lex_of[pid] / scale
            out.append(Source(
                paper_id=pid, title=hit.title, text=hit.text,
                score=round(float(hit.score), 4),
                relevance=round(relevance(float(hit.score), lexical_share), 4),
                lexical=round(lexical_share, 4), abstract=paper.abstract,
                year=paper.year, authors=paper.authors, url=paper.url,
            ))
        return out

    def _at(self, scores: np.ndarray, ids: list[str]) -> np.ndarray:
        """The per-position scores of the papers `ids` (0 for one the catalog lacks)."""
        pos = [self.lexical.position(pid) for pid in ids]
        return np.array([scores[p] if p is not None else 0.0 for p in pos], dtype=np.float32)

    def _query_vector(self, query: str) -> np.ndarray:
        """The query's embedding; the last few are kept, since answering a question searches
        and then scores sentences with the same vector."""
        vector = self._recent.get(query)
        if vector is None:
            vector = np.asarray(self.embedder.embed([query])[0], dtype=np.float32)
            self._recent[query] = vector
            while len(self._recent) > 8:
                self._recent.pop(next(iter(self._recent)))
        return vector

    def sentence_cosines(self, query: str, paper_ids: list[str]) -> dict[str, np.ndarray]:
        """Cosine of the query to each stored sentence of the papers, in sentence order."""
        self.refresh()
        records = self.records(list(paper_ids))
        have = [pid for pid in paper_ids if pid in records and len(records[pid].sentence_vectors)]
        if not have:
            return {}
        vector = self._query_vector(" ".join(query.split()))
        return {pid: records[pid].sentence_vectors @ vector for pid in have}

    def _dense(self, best_chunk: np.ndarray, paper_vecs: np.ndarray,
               query_vec: np.ndarray) -> np.ndarray:
        """Paper score: best chunk cosine, blended with the cosine of the paper's mean vector."""
        w = self.settings.paper_vector_weight
        if not w:
            return best_chunk
        return (1 - w) * best_chunk + w * (paper_vecs @ query_vec)

    def _extra(self, ids: list[str], records: dict[str, Record], query: str,
               query_vec: np.ndarray, best_chunk: np.ndarray) -> list[tuple[float, np.ndarray]]:
        """(weight, scores) of the signals that only the zscore fusion adds."""
        s = self.settings
        if s.fusion != "zscore":
            return []
        out = []
        if s.sentence_weight:
            # a paper without sentence vectors falls back to its best chunk
            best = [float((records[pid].sentence_vectors @ query_vec).max())
                    if len(records[pid].sentence_vectors) else float(best_chunk[i])
                    for i, pid in enumerate(ids)]
            out.append((s.sentence_weight, np.array(best, dtype=np.float32)))
        if s.coverage_weight:
            out.append((s.coverage_weight, self._at(self.lexical.coverage(query), ids)))
        return out

    def _fuse(self, dense: np.ndarray, lex: np.ndarray, mode: str,
              extra: list[tuple[float, np.ndarray]] = ()) -> np.ndarray:
        if mode == "dense":
            return dense
        if mode == "bm25":
            return lex + 1e-6 * dense  # dense only breaks ties
        s = self.settings
        if s.fusion == "rrf":
            rank_d = np.empty(len(dense))
            rank_d[np.argsort(-dense, kind="stable")] = np.arange(len(dense))
            rank_l = np.empty(len(lex))
            rank_l[np.argsort(-lex, kind="stable")] = np.arange(len(lex))
            return s.dense_weight / (s.rrf_k + rank_d) + (1 - s.dense_weight) / (s.rrf_k + rank_l)
        if s.fusion == "zscore":
            fused = s.dense_weight * _z(dense) + (1 - s.dense_weight) * _z(lex)
            return fused + sum((w * _z(x) for w, x in extra), np.zeros_like(fused))
        top = float(lex.max()) if lex.size and lex.max() > 0 else 1.0
        return s.dense_weight * dense + (1 - s.dense_weight) * (lex / top)


def _z(x: np.ndarray) -> np.ndarray:
    std = float(x.std())
    return (x - float(x.mean())) / std if std > 0 else x - float(x.mean())


def _mmr(order: list[int], relevance: np.ndarray, vectors: list[np.ndarray], k: int,
         lam: float) -> list[int]:
    """Maximal marginal relevance: trade relevance against similarity to papers already picked."""
    pool = order[: max(k * 4, 20)]
    rel = relevance[pool]
    rel = (rel - rel.min()) / (rel.max() - rel.min() or 1.0)
    chosen: list[int] = []
    rest = list(range(len(pool)))
    while rest and len(chosen) < k:
        def gain(j: int) -> float:
            sim = max((float(vectors[pool[j]] @ vectors[pool[c]]) for c in chosen), default=0.0)
            return lam * rel[j] - (1 - lam) * sim

        j = max(rest, key=gain)
        chosen.append(j)
        rest.remove(j)
    return [pool[j] for j in chosen] + [i for i in order if i not in {pool[j] for j in chosen}]
