"""Dense retrieval: embed the query, find chunks, keep each paper's best chunk."""

from __future__ import annotations

from .embedding import Embedder
from .index import ChromaIndex, ChunkHit
from .types import Source


def search(index: ChromaIndex, embedder: Embedder, query: str, k: int) -> list[Source]:
    """Up to `k` distinct papers, best first, each with its best passage and cosine score."""
    query = " ".join(query.split())
    if not query or k < 1:
        return []
    vector = embedder.embed([query])[0]
    n = k * 4
    best: dict[str, ChunkHit] = {}
    while True:
        hits = index.query(vector, n)
        best = {}
        for hit in hits:  # hits come best first
            best.setdefault(hit.paper_id, hit)
        if len(best) >= k or len(hits) < n:
            break
        n *= 4
    top = sorted(best.values(), key=lambda h: -h.score)[:k]
    papers = index.get_papers([h.paper_id for h in top])
    sources = []
    for hit in top:
        paper = papers.get(hit.paper_id)
        sources.append(Source(
            paper_id=hit.paper_id, title=hit.title, text=hit.text, score=round(hit.score, 4),
            abstract=paper.abstract if paper else hit.text,
            year=paper.year if paper else None,
            authors=paper.authors if paper else (),
            url=paper.url if paper else None,
        ))
    return sources
