"""The lexical (BM25) index beside Chroma, kept on disk with bm25s.

It is rebuilt from the papers stored in Chroma whenever they change (bm25s has no in-place
update; a rebuild of 5,000 abstracts takes about a second), and carries the fingerprint of
the Chroma state it was built from, so a stale or missing index is rebuilt on first use.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .text import tokenize


class LexicalIndex:
    """BM25 over each paper's title (counted `title_boost` times) and abstract."""

    def __init__(self, folder: Path, *, k1: float = 1.2, b: float = 0.75,
                 title_boost: int = 1) -> None:
        self.folder = Path(folder)
        self.k1 = k1
        self.b = b
        self.title_boost = title_boost
        self._bm25 = None
        self.ids: list[str] = []
        self.fingerprint: str | None = None
        self._vocab: dict[str, int] = {}

    def build(self, ids: Sequence[str], texts: Sequence[str], fingerprint: str) -> None:
        import bm25s

        bm25 = bm25s.BM25(k1=self.k1, b=self.b)
        if ids:
            bm25.index([tokenize(t) for t in texts], show_progress=False)
        tmp = self.folder.with_name(self.folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if ids:
            bm25.save(str(tmp), show_progress=False)
        (tmp / "state.json").write_text(json.dumps({"fingerprint": fingerprint, "ids": list(ids),
                                                    "k1": self.k1, "b": self.b,
                                                    "title_boost": self.title_boost}))
        shutil.rmtree(self.folder, ignore_errors=True)
        tmp.replace(self.folder)
        self._set(bm25 if ids else None, list(ids), fingerprint)

    def load(self) -> bool:
        """Read the saved index; False when there is none (or it is unreadable)."""
        state_path = self.folder / "state.json"
        if not state_path.exists():
            return False
        try:
            state = json.loads(state_path.read_text())
            bm25 = None
            if state["ids"]:
                import bm25s

                bm25 = bm25s.BM25.load(str(self.folder))
        except (OSError, ValueError, KeyError):
            return False
        if (state.get("k1"), state.get("b"), state.get("title_boost", 1)) != \
                (self.k1, self.b, self.title_boost):
            return False
        self._set(bm25, state["ids"], state["fingerprint"])
        return True

    def _set(self, bm25, ids: list[str], fingerprint: str) -> None:
        self._bm25 = bm25
        self.ids = ids
        self.fingerprint = fingerprint
        self._vocab = dict(bm25.vocab_dict) if bm25 is not None else {}

    def idf(self, token: str) -> float:
        """BM25's idf of a (stemmed) token; 0 for a token the corpus lacks."""
        term = self._vocab.get(token)
        if self._bm25 is None or term is None:
            return 0.0
        indptr = self._bm25.scores["indptr"]
        df = int(indptr[term + 1] - indptr[term])
        n = len(self.ids)
        return float(np.log(1 + (n - df + 0.5) / (df + 0.5)))

    def expansion(self, query: str, texts: Sequence[str], n_terms: int) -> list[str]:
        """Feedback terms: the words that weigh most (tf share x idf) in `texts`, the papers
        that ranked first, leaving out the query's own words (RM3-style, unweighted)."""
        own = set(tokenize(query))
        weight: dict[str, float] = {}
        for text in texts:
            tokens = tokenize(text)
            for token in set(tokens):
                if token in own or token not in self._vocab:
                    continue
                weight[token] = weight.get(token, 0.0) + tokens.count(token) / len(tokens) \
                    * self.idf(token)
        return sorted(weight, key=weight.__getitem__, reverse=True)[:n_terms]

    def token_scores(self, tokens: Sequence[str]) -> np.ndarray:
        """BM25 scores of every paper for already tokenized terms."""
        tokens = [t for t in tokens if t in self._vocab]
        if self._bm25 is None or not tokens:
            return np.zeros(len(self.ids), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)

    def coverage(self, query: str) -> np.ndarray:
        """Share of the query's idf mass (distinct terms) that each paper contains."""
        out = np.zeros(len(self.ids), dtype=np.float32)
        tokens = {t for t in tokenize(query) if t in self._vocab}
        if self._bm25 is None or not tokens:
            return out
        indptr, indices = self._bm25.scores["indptr"], self._bm25.scores["indices"]
        total = 0.0
        for token in tokens:
            term, weight = self._vocab[token], self.idf(token)
            out[indices[indptr[term]:indptr[term + 1]]] += weight
            total += weight
        return out / total if total else out

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every paper (in `self.ids` order) for the query."""
        if self._bm25 is None:
            return np.zeros(len(self.ids), dtype=np.float32)
        tokens = [t for t in tokenize(query) if t in self._vocab]
        if not tokens:
            return np.zeros(len(self.ids), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)
