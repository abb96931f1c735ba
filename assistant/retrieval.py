"""Hybrid retrieval: dense passages (Chroma) and BM25 (bm25s), fused at the paper level.

1. candidates: the papers of the best dense chunks, and the best BM25 papers;
2. every candidate gets both scores: dense = cosine of its best chunk, computed from the stored
   chunk vectors; lexical = its BM25 score;
3. fusion (`settings.fusion`): "zscore" (default) standardises each signal over the candidates
   and adds them, weighted: the best chunk, BM25, the best single sentence (embedded with the
   title) and query-term coverage (the idf share of the question's words the paper has);
   "rrf" sums 1/(rrf_k + rank) over both rankings; "weighted" adds the dense cosine to the
   BM25 score divided by the query's best BM25 score;
4. optional filters (year range, authors, ids) and diversity (MMR over paper vectors).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .embedding import Embedder, unit
from .errors import ConfigError
from .index import ChromaIndex, ChunkHit
from .lexical import LexicalIndex, tokenize
from .names import NameIndex
from .settings import Settings
from .types import Source

MODES = ("hybrid", "dense", "bm25")
# Relevance = logistic(b0 + b1 * dense cosine + b2 * lexical coverage), fitted on the bundled
# question set (40 answerable, 26 out-of-corpus questions; leave-one-out: 0 false declines,
# 3 false answers). Lexical coverage: the paper's BM25 score per query term, over ln(1 + N).
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

    def matches(self, paper_id: str, meta: dict) -> bool:
        if self.paper_ids and paper_id not in self.paper_ids:
            return False
        year = meta.get("year")
        if self.year_min is not None and (year is None or year < self.year_min):
            return False
        if self.year_max is not None and (year is None or year > self.year_max):
            return False
        if self.authors:
            names = str(meta.get("authors", "")).lower()
            if not any(a.lower() in names for a in self.authors):
                return False
        return True


def fingerprint(hashes: dict[str, tuple[str, int]]) -> str:
    digest = hashlib.sha1()
    for pid in sorted(hashes):
        digest.update(f"{pid}\0{hashes[pid][0]}\n".encode())
    return digest.hexdigest()


class Retriever:
    """Searches one index; keeps the BM25 index in step with what Chroma holds."""

    def __init__(self, index: ChromaIndex, embedder: Embedder, settings: Settings) -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self.lexical = LexicalIndex(Path(settings.data_dir) / "bm25", k1=settings.bm25_k1,
                                    b=settings.bm25_b, title_boost=settings.bm25_title_boost)
        self._meta: dict[str, dict] = {}
        self.names = NameIndex()
        self._position: dict[str, int] = {}
        self._generation: str | None = None  # of the index when last loaded
        # every chunk vector in memory: exact dense search by one matrix product
        self._chunks: list[ChunkHit] = []
        self._matrix = np.zeros((0, 1), dtype=np.float32)
        self._rows: dict[str, list[int]] = {}
        self._sent_matrix = np.zeros((0, 1), dtype=np.float32)
        self._sent_rows: dict[str, list[int]] = {}
        self._recent: dict[str, np.ndarray] = {}

    # -- keeping BM25 in step -----------------------------------------------------------------
    def refresh(self) -> None:
        """Load what search needs when the index changed since the last load (in this process
        or any other: the index's generation tells), rebuilding BM25 if it is stale."""
        generation = self.index.generation()
        if generation == self._generation:
            return
        if self._generation is not None and generation != self.index.written:
            self.index.reconnect()  # another process wrote
        s = self.settings
        current = fingerprint(self.index.paper_hashes())
        ids, texts, metas = self.index.all_papers()
        if not self.lexical.load() or self.lexical.fingerprint != current:
            extra = s.bm25_title_boost - 1
            self.lexical.build(ids, [f"{(m.get('title', '') + ' ') * extra}{t}"
                                     for t, m in zip(texts, metas, strict=True)], current)
        self._meta = dict(zip(ids, metas, strict=True))
        self.names.build((pid, str(m.get("title", "")), t.partition("\n")[2])
                         for pid, t, m in zip(ids, texts, metas, strict=True))
        self._position = {pid: i for i, pid in enumerate(self.lexical.ids)}
        chunks, vectors = self.index.all_chunks()
        self._chunks = chunks
        self._matrix = _matrix(vectors)
        self._rows = {}
        for row, chunk in enumerate(chunks):
            self._rows.setdefault(chunk.paper_id, []).append(row)
        owners, sent_vectors = self.index.all_sentences() if s.sentence_weight else ([], [])
        self._sent_matrix = _matrix(sent_vectors)
        self._sent_rows = {}
        for row in sorted(range(len(owners)), key=owners.__getitem__):
            self._sent_rows.setdefault(owners[row][0], []).append(row)  # in sentence order
        self._generation = generation

    def named(self, query: str) -> list[str]:
        """Papers the query names by what they introduce ("SNIP", "PoolFormer")."""
        self.refresh()
        return self.names.named_in(query)

    # -- search -------------------------------------------------------------------------------
    def search(self, query: str, k: int, *, mode: str = "hybrid", filters: Filters | None = None,
               diversify: bool = False) -> list[Source]:
        if mode not in MODES:
            raise ConfigError(f"search mode {mode!r} is not one of {', '.join(MODES)}")
        query = " ".join(query.split())
        if not query or k < 1 or self.index.count() == 0:
            return []
        self.refresh()
        s = self.settings
        allowed = None
        if filters:
            allowed = {pid for pid, meta in self._meta.items() if filters.matches(pid, meta)}
            if not allowed:
                return []
        depth = max(s.candidates, k * 3)
        vector = self._query_vector(query)

        chunk_scores = self._matrix @ vector if len(self._chunks) else np.zeros(0)
        if allowed is not None and chunk_scores.size:
            keep = np.fromiter((c.paper_id in allowed for c in self._chunks), dtype=bool,
                               count=len(self._chunks))
            chunk_scores = np.where(keep, chunk_scores, -np.inf)
        candidates: dict[str, None] = {}
        if mode in ("hybrid", "dense") and chunk_scores.size:
            n = min(depth * 3, chunk_scores.size)
            rows = np.argpartition(-chunk_scores, n - 1)[:n]
            for row in rows[np.argsort(-chunk_scores[rows], kind="stable")]:
                if np.isfinite(chunk_scores[row]):
                    candidates.setdefault(self._chunks[row].paper_id)
                if len(candidates) >= depth:
                    break
        lexical = self.lexical.scores(query)
        if mode in ("hybrid", "bm25") and lexical.size:
            order = np.argsort(-lexical)
            taken = 0
            for i in order:
                if lexical[i] <= 0 or taken >= depth:
                    break
                pid = self.lexical.ids[i]
                if allowed is None or pid in allowed:
                    candidates.setdefault(pid)
                    taken += 1
        if not candidates:
            return []

        # candidates are all allowed papers, so their chunk scores are finite
        best: dict[str, ChunkHit] = {}
        for pid in candidates:
            rows = self._rows.get(pid, [])
            if not rows:
                continue
            top_row = max(rows, key=lambda r: chunk_scores[r])
            c = self._chunks[top_row]
            best[pid] = ChunkHit(c.paper_id, c.title, c.number, c.text, c.start, c.end,
                                 float(chunk_scores[top_row]))
        ids = [pid for pid in candidates if pid in best]
        paper_vecs = np.stack([unit(self._matrix[self._rows[pid]].mean(axis=0)) for pid in ids])
        lex = np.array([lexical[self._position[pid]] if pid in self._position else 0.0
                        for pid in ids], dtype=np.float32)
        best_chunk = np.array([best[pid].score for pid in ids], dtype=np.float32)
        dense = self._dense(best_chunk, paper_vecs, vector)
        extra = self._extra(ids, query, vector, best_chunk) if mode == "hybrid" else []
        fused = self._fuse(dense, lex, mode, extra)
        if s.feedback and len(ids) > s.feedback:
            # pseudo-relevance feedback from the first ranking's best papers: Rocchio on the
            # query vector, and expansion terms for BM25
            top_f = np.argsort(-fused, kind="stable")[: s.feedback]
            if mode != "bm25" and s.feedback_weight:
                moved = unit(vector + s.feedback_weight * paper_vecs[top_f].mean(axis=0))
                moved_best = np.array([float((self._matrix[self._rows[pid]] @ moved).max())
                                       for pid in ids], dtype=np.float32)
                dense = self._dense(moved_best, paper_vecs, moved)
            if mode != "dense" and s.feedback_terms:
                fb = self.index.get_papers([ids[i] for i in top_f])
                terms = self.lexical.expansion(
                    query, [f"{p.title} {p.abstract}" for p in fb.values()], s.feedback_terms)
                expanded = self.lexical.token_scores(terms)
                lex = lex + s.feedback_term_weight * np.array(
                    [expanded[self._position[pid]] if pid in self._position else 0.0
                     for pid in ids], dtype=np.float32)
            fused = self._fuse(dense, lex, mode, extra)
        order = list(np.argsort(-fused, kind="stable"))
        if diversify and len(order) > k:
            order = _mmr(order, fused, list(paper_vecs), k, s.mmr_lambda)
        top = [ids[i] for i in order[:k]]
        papers = self.index.get_papers(top)
        n_terms = max(1, len(tokenize(query)))
        scale = n_terms * math.log(1 + max(1, len(self.lexical.ids)))
        lex_of = dict(zip(ids, lex.tolist(), strict=True))
        out = []
        for pid in top:
            hit, paper = best[pid], papers.get(pid)
            lexical = lex_of[pid] / scale
            out.append(Source(
                paper_id=pid, title=hit.title, text=hit.text,
                score=round(float(hit.score), 4),
                relevance=round(relevance(float(hit.score), lexical), 4),
                lexical=round(lexical, 4),
                abstract=paper.abstract if paper else hit.text,
                year=paper.year if paper else None, authors=paper.authors if paper else (),
                url=paper.url if paper else None,
            ))
        return out

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
        have = [pid for pid in paper_ids if pid in self._sent_rows]
        if not have:
            return {}
        vector = self._query_vector(" ".join(query.split()))
        return {pid: self._sent_matrix[self._sent_rows[pid]] @ vector for pid in have}

    def _dense(self, best_chunk: np.ndarray, paper_vecs: np.ndarray,
               query_vec: np.ndarray) -> np.ndarray:
        """Paper score: best chunk cosine, blended with the cosine of the paper's mean vector."""
        w = self.settings.paper_vector_weight
        if not w:
            return best_chunk
        return (1 - w) * best_chunk + w * (paper_vecs @ query_vec)

    def _extra(self, ids: list[str], query: str, query_vec: np.ndarray,
               best_chunk: np.ndarray) -> list[tuple[float, np.ndarray]]:
        """(weight, scores) of the signals that only the zscore fusion adds."""
        s = self.settings
        if s.fusion != "zscore":
            return []
        out = []
        if s.sentence_weight and len(self._sent_matrix):
            scores = self._sent_matrix @ query_vec
            # a paper stored before sentence vectors existed falls back to its best chunk
            best = [float(scores[self._sent_rows[pid]].max()) if pid in self._sent_rows
                    else float(best_chunk[i]) for i, pid in enumerate(ids)]
            out.append((s.sentence_weight, np.array(best, dtype=np.float32)))
        if s.coverage_weight:
            coverage = self.lexical.coverage(query)
            out.append((s.coverage_weight, np.array(
                [coverage[self._position[pid]] if pid in self._position else 0.0 for pid in ids],
                dtype=np.float32)))
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


def _matrix(vectors) -> np.ndarray:
    return np.asarray(vectors, dtype=np.float32).reshape(len(vectors), -1) if len(vectors) else \
        np.zeros((0, 1), dtype=np.float32)


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
