"""Ingest: read files, chunk, embed only what changed, upsert into the index."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterable
from pathlib import Path

from .chunking import chunk_paper, split_sentences
from .corpus import read_corpus
from .embedding import Document, Embedder, embed_documents
from .errors import CorpusError
from .index import ChromaIndex
from .settings import Settings
from .types import IngestReport, Paper, Skipped

Progress = Callable[[int, int], None]  # (papers done, papers to embed)
_GROUP = 64  # papers embedded and written together; an interrupted ingest keeps earlier groups


def content_hash(paper: Paper, settings: Settings, embedder_name: str) -> str:
    """Changes when the paper, the chunking or the embedder changes."""
    payload = json.dumps([paper.title, paper.abstract, list(paper.authors), paper.year, paper.url,
                          settings.chunk_size, settings.chunk_overlap, embedder_name,
                          "sentences" if settings.sentence_weight else ""])
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()


def _cut(paper: Paper, limit: int, path: str, report: IngestReport) -> Paper:
    """The paper with its abstract cut after the last whole sentence within `limit`
    characters (an abstract that long is a whole paper pasted in), noted in the report."""
    if len(paper.abstract) <= limit:
        return paper
    ends = [e for _, e in split_sentences(paper.abstract[:limit + 1]) if e <= limit]
    end = ends[-2] if len(ends) > 1 else limit  # the last span may be a cut sentence
    report.truncated.append(Skipped(path, 0, f"{paper.paper_id!r}: abstract of "
                                    f"{len(paper.abstract)} characters truncated to {end} "
                                    "(max_abstract_chars)"))
    return dataclasses.replace(paper, abstract=paper.abstract[:end])


def ingest(
    index: ChromaIndex,
    embedder: Embedder,
    settings: Settings,
    paths: Iterable[str | Path],
    progress: Progress | None = None,
) -> IngestReport:
    report = IngestReport()
    papers: list[Paper] = []
    seen: set[str] = set()
    paths = [Path(p) for p in ([paths] if isinstance(paths, (str, Path)) else paths)]
    if not paths:
        raise CorpusError("no corpus file given; pass one or more .txt, .jsonl or .csv files")
    for path in paths:
        result = read_corpus(path)  # raises CorpusError for unreadable files: nothing is written
        report.skipped += result.skipped
        for paper in result.papers:
            if paper.paper_id in seen:
                report.skipped.append(Skipped(str(path), 0,
                                              f"duplicate id {paper.paper_id!r} across files"))
                continue
            seen.add(paper.paper_id)
            papers.append(_cut(paper, settings.max_abstract_chars, str(path), report))

    index.check_embedder(embedder.name, writing=True)
    stored = index.paper_hashes()
    todo: list[tuple[Paper, str, bool]] = []
    for paper in papers:
        digest = content_hash(paper, settings, embedder.name)
        old = stored.get(paper.paper_id)
        if old and old[0] == digest:
            report.unchanged += 1
        else:
            todo.append((paper, digest, old is not None))

    old_counts = {pid: count for pid, (_, count) in stored.items()}
    if progress:
        progress(0, len(todo))
    for start in range(0, len(todo), _GROUP):
        group = todo[start:start + _GROUP]
        entries = []
        docs: list[Document] = []
        sents: list[tuple[str, list[str]]] = []
        for paper, digest, _ in group:
            chunks = chunk_paper(paper, settings.chunk_size, settings.chunk_overlap)
            entries.append((paper, digest, chunks))
            bounds = split_sentences(paper.abstract)
            kept = bounds if settings.sentence_weight else []
            if kept:
                sents.append((paper.paper_id, [paper.abstract[s:e] for s, e in kept]))
            docs.append(Document(paper.title, paper.abstract, bounds,
                                 [(c.start, c.end) for c in chunks] + kept))
        matrices = embed_documents(embedder, docs)  # each abstract in one pass
        n_chunks = [len(c) for _, _, c in entries]
        chunk_vectors = [row for m, n in zip(matrices, n_chunks, strict=True) for row in m[:n]]
        sent_vectors = [row for m, n in zip(matrices, n_chunks, strict=True) for row in m[n:]]
        index.upsert(entries, [v.tolist() for v in chunk_vectors], old_counts,
                     sents, [v.tolist() for v in sent_vectors])
        report.chunks_embedded += len(chunk_vectors)
        report.sentences_embedded += len(sent_vectors)
        for _, _, existed in group:
            if existed:
                report.updated += 1
            else:
                report.added += 1
        if progress:
            progress(min(start + _GROUP, len(todo)), len(todo))
    return report
