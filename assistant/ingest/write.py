"""Ingest: stream files, chunk, embed only what changed, upsert into the index."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from assistant.errors import CorpusError
from assistant.ingest.chunking import chunk_paper
from assistant.ingest.corpus import iter_corpus, no_paper_error
from assistant.search.embedding import Document, Embedder, embed_documents
from assistant.search.store import ChromaIndex, Written
from assistant.settings import Settings
from assistant.text.sentences import split_sentences
from assistant.types import Chunk, IngestReport, Paper, Skipped

Progress = Callable[[int, int], None]  # (papers done, papers to embed)
_GROUP = 64  # papers embedded and written together; an interrupted ingest keeps earlier groups


def content_hash(paper: Paper, settings: Settings, embedder_name: str) -> str:
    """Changes when the paper, the chunking or the embedder changes."""
    payload = json.dumps([*dataclasses.astuple(paper), settings.chunk_size,
                          settings.chunk_overlap, embedder_name,
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


def _papers(paths: list[Path], settings: Settings, report: IngestReport | None
            ) -> Iterator[Paper]:
    """The papers of the files, streamed, cut to `max_abstract_chars`, each id once (a
    repeat across files is skipped); `report` (when given) hears the skipped and cut ones."""
    seen: set[str] = set()
    for path in paths:
        found = False
        skipped: list[Skipped] = []
        for item in iter_corpus(path):  # CorpusError for an unreadable file, before any write
            if isinstance(item, Skipped):
                skipped.append(item)
            elif item.paper_id in seen:
                skipped.append(Skipped(str(path), 0, f"duplicate id {item.paper_id!r} across files"))
            else:
                seen.add(item.paper_id)
                found = True
                yield _cut(item, settings.max_abstract_chars, str(path),
                           report or IngestReport())
        if report is not None:
            if not found:
                raise no_paper_error(path, skipped)
            report.skipped += skipped


def ingest(
    index: ChromaIndex,
    embedder: Embedder,
    settings: Settings,
    paths: Iterable[str | Path],
    progress: Progress | None = None,
) -> IngestReport:
    """Two streamed passes: the first reads every file and compares content hashes with the
    index (nothing is written if a file is unreadable or holds no paper), the second embeds
    and writes the new and changed papers a group at a time. Memory stays bounded by the
    group, whatever the files' size."""
    report = IngestReport()
    paths = [Path(p) for p in ([paths] if isinstance(paths, (str, Path)) else paths)]
    if not paths:
        raise CorpusError("no corpus file given; pass one or more corpus files")
    digests: dict[str, str] = {}
    for paper in _papers(paths, settings, report):
        digests[paper.paper_id] = content_hash(paper, settings, embedder.name)

    index.check_embedder(embedder.name, writing=True)
    ids = list(digests)
    stored: dict[str, tuple[str, int]] = {}
    for start in range(0, len(ids), 1000):
        stored.update(index.hashes(ids[start:start + 1000]))
    todo = {pid for pid, digest in digests.items() if stored.get(pid, ("",))[0] != digest}
    report.unchanged = len(digests) - len(todo)
    old_counts = {pid: count for pid, (_, count) in stored.items()}
    if progress:
        progress(0, len(todo))
    size = getattr(embedder, "group_size", _GROUP)
    writer = _Writer(index, old_counts, report, progress, len(todo))
    group: list[Paper] = []
    try:
        for paper in _papers(paths, settings, None):
            if paper.paper_id in todo:
                group.append(paper)
            if len(group) == size:
                writer.write(_embed(embedder, settings, group, digests))
                group = []
        if group:
            writer.write(_embed(embedder, settings, group, digests))
    finally:
        writer.finish()
    return report


class _Writer:
    """Stores each embedded group in a background thread while the next group is embedded;
    one group in flight at a time, so the index sees the groups in order."""

    def __init__(self, index: ChromaIndex, old_counts: dict[str, int], report: IngestReport,
                 progress: Progress | None, total: int) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.index, self.old_counts, self.report = index, old_counts, report
        self.progress, self.total, self.done = progress, total, 0
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-write")
        self._pending = None

    def write(self, written: list[Written]) -> None:
        self._wait()
        self._pending = self._pool.submit(self._store, written)

    def _store(self, written: list[Written]) -> None:
        self.index.upsert(written, self.old_counts)
        for w in written:
            self.report.chunks_embedded += len(w.chunks)
            self.report.sentences_embedded += len(w.sentence_vectors)
            if w.paper.paper_id in self.old_counts:
                self.report.updated += 1
            else:
                self.report.added += 1
        self.done += len(written)
        if self.progress:
            self.progress(self.done, self.total)

    def _wait(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()  # re-raises a failed write

    def finish(self) -> None:
        try:
            self._wait()
        finally:
            self._pool.shutdown(wait=True)


def document(paper: Paper, settings: Settings) -> tuple[list[Chunk], Document]:
    """A paper's chunks, and what to embed for it: its chunks, then (when the sentence
    signal is on) its sentences, as spans of the abstract."""
    chunks = chunk_paper(paper, settings.chunk_size, settings.chunk_overlap)
    bounds = split_sentences(paper.abstract)
    kept = bounds if settings.sentence_weight else []
    return chunks, Document(paper.title, paper.abstract, bounds,
                            [(c.start, c.end) for c in chunks] + kept)


def _embed(embedder: Embedder, settings: Settings, group: list[Paper],
           digests: dict[str, str]) -> list[Written]:
    """Embed a group of papers (in one pass each when `late_chunking`)."""
    chunked, docs = zip(*(document(paper, settings) for paper in group), strict=True)
    matrices = embed_documents(embedder, docs, late=settings.late_chunking)
    return [Written(paper, digests[paper.paper_id], chunks, m[:len(chunks)], m[len(chunks):])
            for paper, chunks, m in zip(group, chunked, matrices, strict=True)]
