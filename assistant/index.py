"""The Chroma store: a `chunks` collection (one vector per chunk), a `sentences` collection
(one vector per abstract sentence, embedded with its title) and a `papers` collection (one
record per abstract: full text, metadata, content hash, mean chunk vector). We pass our own
vectors. Chroma is the system of record; `retrieval.Retriever` loads the chunk vectors
into memory once and searches them exactly, which on 2 cores is faster than querying HNSW
and then fetching each candidate's chunks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from . import offline
from .errors import EmbedderMismatchError, IndexError_
from .settings import Settings
from .types import Chunk, Paper

CHUNKS = "chunks"
PAPERS = "papers"
SENTENCES = "sentences"


@dataclass(frozen=True)
class ChunkHit(Chunk):
    score: float = 0.0  # cosine similarity


class ChromaIndex:
    """Embedded Chroma under `settings.data_dir`, or a Chroma server when `chroma_host` is set."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client = None
        self._chunks = None
        self._papers = None
        self._sentences = None
        self.written: str | None = None  # the generation this process's last write set

    # -- connection -------------------------------------------------------------------------
    def _connect(self) -> None:
        if self._client is not None:
            return
        offline.enforce()
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        try:
            if self.settings.chroma_host:
                self._client = chromadb.HttpClient(
                    host=self.settings.chroma_host, port=self.settings.chroma_port,
                    settings=chroma_settings,
                )
            else:
                path = self.settings.data_dir / "chroma"
                path.mkdir(parents=True, exist_ok=True)
                self._client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        except Exception as exc:  # noqa: BLE001
            where = (f"the Chroma server at {self.settings.chroma_host}:{self.settings.chroma_port}"
                     if self.settings.chroma_host else f"{self.settings.data_dir / 'chroma'}")
            raise IndexError_(
                f"cannot open the index at {where}: {exc}; check that it is reachable and "
                "writable, or choose another --data-dir"
            ) from exc
        config = {"hnsw": {"space": "cosine"}}
        self._chunks = self._client.get_or_create_collection(
            CHUNKS, configuration=config, embedding_function=None)
        self._papers = self._client.get_or_create_collection(
            PAPERS, configuration=config, embedding_function=None)
        self._sentences = self._client.get_or_create_collection(
            SENTENCES, configuration=config, embedding_function=None)

    @property
    def chunks(self):
        self._connect()
        return self._chunks

    @property
    def papers(self):
        self._connect()
        return self._papers

    @property
    def sentences(self):
        self._connect()
        return self._sentences

    # -- the embedder stamp ---------------------------------------------------------------
    def stamp(self) -> dict:
        return dict(self.chunks.metadata or {})

    def check_embedder(self, name: str, *, writing: bool = False) -> None:
        """Refuse an index built by another embedder; stamp an unstamped one when writing."""
        built_with = self.stamp().get("embedder")
        if built_with is None:
            if writing:
                self.chunks.modify(metadata={"embedder": name})
            return
        if built_with != name:
            raise EmbedderMismatchError(
                f"the index in {self.settings.data_dir} was built with embedder {built_with!r} "
                f"but {name!r} is configured; set ASSISTANT_EMBEDDER back to {built_with!r}, or "
                "use a fresh --data-dir and ingest again"
            )

    # -- the generation: changes with every write, seen by every process and client ---------
    def generation(self) -> str:
        """The stored generation, read afresh (another process or client may have written)."""
        self._connect()
        return str((self._client.get_collection(PAPERS).metadata or {}).get("generation", ""))

    def bump(self) -> None:
        """Mark a write, so that other processes reload what they derived from the index."""
        import uuid

        meta = dict(self._client.get_collection(PAPERS).metadata or {})
        meta["generation"] = self.written = uuid.uuid4().hex
        self.papers.modify(metadata=meta)

    def reconnect(self) -> None:
        """Reopen embedded Chroma after another process wrote to it: its local client keeps
        segments in memory per process and would serve (or fail on) stale ones. Other
        clients in this process pick up the new state too (Chroma shares it per path)."""
        if self.settings.chroma_host or self._client is None:
            return
        from chromadb.api.shared_system_client import SharedSystemClient

        SharedSystemClient._identifier_to_system.pop(str(self.settings.data_dir / "chroma"), None)
        self._client = None
        self._connect()

    # -- writes ---------------------------------------------------------------------------
    def paper_hashes(self) -> dict[str, tuple[str, int]]:
        """paper_id -> (content hash, number of chunks) for every stored paper."""
        out: dict[str, tuple[str, int]] = {}
        total = self.papers.count()
        step = 5000
        for offset in range(0, total, step):
            got = self.papers.get(include=["metadatas"], limit=step, offset=offset)
            for pid, meta in zip(got["ids"], got["metadatas"], strict=True):
                out[pid] = (str(meta.get("hash", "")), int(meta.get("n_chunks", 0)))
        return out

    def upsert(
        self,
        papers: Sequence[tuple[Paper, str, list[Chunk]]],
        chunk_vectors: Sequence[list[float]],
        old_counts: dict[str, int],
        sentences: Sequence[tuple[str, list[str]]] = (),
        sentence_vectors: Sequence[list[float]] = (),
    ) -> None:
        """Store papers with their chunks (vectors in chunk order) and drop stale chunks;
        `sentences` holds (paper id, sentence texts) with vectors in the same order."""
        ids, docs, metas = [], [], []
        p_ids, p_docs, p_metas, p_vecs = [], [], [], []
        stale: list[str] = []
        cursor = 0
        for paper, content_hash, chunks in papers:
            vectors = chunk_vectors[cursor:cursor + len(chunks)]
            cursor += len(chunks)
            for chunk in chunks:
                ids.append(chunk.chunk_id)
                docs.append(chunk.text)
                metas.append({"paper_id": paper.paper_id, "title": paper.title,
                              "number": chunk.number, "start": chunk.start, "end": chunk.end})
            p_ids.append(paper.paper_id)
            p_docs.append(paper.abstract)
            p_metas.append(_paper_meta(paper, content_hash, len(chunks)))
            p_vecs.append(_mean(vectors))
            old = old_counts.get(paper.paper_id, 0)
            stale += [f"{paper.paper_id}::{n}" for n in range(len(chunks), old)]
        vectors = list(chunk_vectors)
        for batch in _batches(len(ids), self._max_batch()):
            self.chunks.upsert(ids=ids[batch], documents=docs[batch], metadatas=metas[batch],
                               embeddings=vectors[batch])
        for batch in _batches(len(p_ids), self._max_batch()):
            self.papers.upsert(ids=p_ids[batch], documents=p_docs[batch],
                               metadatas=p_metas[batch], embeddings=p_vecs[batch])
        if stale:
            self.chunks.delete(ids=stale)
        replaced = [pid for pid in p_ids if pid in old_counts]
        if replaced:
            self.sentences.delete(where={"paper_id": {"$in": replaced}})
        s_ids, s_docs, s_metas = [], [], []
        for pid, texts in sentences:
            for n, text in enumerate(texts):
                s_ids.append(f"{pid}::s{n}")
                s_docs.append(text)
                s_metas.append({"paper_id": pid, "number": n})
        s_vecs = list(sentence_vectors)
        for batch in _batches(len(s_ids), self._max_batch()):
            self.sentences.upsert(ids=s_ids[batch], documents=s_docs[batch],
                                  metadatas=s_metas[batch], embeddings=s_vecs[batch])

    def delete(self, paper_ids: Iterable[str]) -> None:
        paper_ids = list(paper_ids)
        if not paper_ids:
            return
        self.chunks.delete(where={"paper_id": {"$in": paper_ids}})
        self.sentences.delete(where={"paper_id": {"$in": paper_ids}})
        self.papers.delete(ids=paper_ids)

    def _max_batch(self) -> int:
        try:
            return max(1, int(self._client.get_max_batch_size()))
        except Exception:  # noqa: BLE001 - older servers lack the call
            return 1000

    # -- reads ----------------------------------------------------------------------------
    def count(self) -> int:
        return self.papers.count()

    def all_papers(self) -> tuple[list[str], list[str], list[dict]]:
        """(ids, 'title + abstract' texts, metadatas) of every stored paper, in id order."""
        ids: list[str] = []
        texts: list[str] = []
        metas: list[dict] = []
        total = self.papers.count()
        for offset in range(0, total, 5000):
            got = self.papers.get(include=["metadatas", "documents"], limit=5000, offset=offset)
            for pid, meta, doc in zip(got["ids"], got["metadatas"], got["documents"], strict=True):
                ids.append(pid)
                texts.append(f"{meta.get('title', '')}\n{doc or ''}")
                metas.append(dict(meta))
        order = sorted(range(len(ids)), key=ids.__getitem__)
        return [ids[i] for i in order], [texts[i] for i in order], [metas[i] for i in order]

    def all_chunks(self) -> tuple[list[ChunkHit], np.ndarray]:
        """Every stored chunk (score left at 0) with its vector (a float32 row each)."""
        hits: list[ChunkHit] = []
        vectors: list[np.ndarray] = []
        total = self.chunks.count()
        for offset in range(0, total, 5000):
            got = self.chunks.get(include=["metadatas", "documents", "embeddings"], limit=5000,
                                  offset=offset)
            for meta, doc in zip(got["metadatas"], got["documents"], strict=True):
                hits.append(ChunkHit(str(meta["paper_id"]), str(meta["title"]),
                                     int(meta["number"]), doc, int(meta["start"]), int(meta["end"])))
            vectors.append(_rows(got["embeddings"]))
        return hits, _stack(vectors)

    def all_sentences(self) -> tuple[list[tuple[str, int]], np.ndarray]:
        """(paper id, sentence number) of every stored sentence, and their vectors."""
        owners: list[tuple[str, int]] = []
        vectors: list[np.ndarray] = []
        total = self.sentences.count()
        for offset in range(0, total, 5000):
            got = self.sentences.get(include=["metadatas", "embeddings"], limit=5000,
                                     offset=offset)
            owners += [(str(m["paper_id"]), int(m["number"])) for m in got["metadatas"]]
            vectors.append(_rows(got["embeddings"]))
        return owners, _stack(vectors)

    def get_papers(self, paper_ids: Sequence[str]) -> dict[str, Paper]:
        if not paper_ids:
            return {}
        got = self.papers.get(ids=list(paper_ids), include=["metadatas", "documents"])
        out = {}
        for pid, meta, doc in zip(got["ids"], got["metadatas"], got["documents"], strict=True):
            authors = tuple(a for a in str(meta.get("authors", "")).split("; ") if a)
            year = meta.get("year")
            out[pid] = Paper(pid, str(meta.get("title", pid)), doc or "", authors,
                             int(year) if year is not None else None, meta.get("url") or None)
        return out


def _rows(embeddings) -> np.ndarray:
    return np.asarray(embeddings, dtype=np.float32).reshape(len(embeddings), -1)


def _stack(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros((0, 1), dtype=np.float32)


def _paper_meta(paper: Paper, content_hash: str, n_chunks: int) -> dict:
    meta: dict = {"title": paper.title, "hash": content_hash, "n_chunks": n_chunks,
                  "authors": "; ".join(paper.authors)}
    if paper.year is not None:
        meta["year"] = paper.year
    if paper.url:
        meta["url"] = paper.url
    return meta


def _mean(vectors: Sequence[list[float]]) -> list[float]:
    dim = len(vectors[0])
    total = [sum(v[i] for v in vectors) for i in range(dim)]
    norm = sum(x * x for x in total) ** 0.5 or 1.0
    return [x / norm for x in total]


def _batches(n: int, size: int) -> Iterable[slice]:
    for start in range(0, n, size):
        yield slice(start, start + size)
