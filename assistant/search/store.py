"""The Chroma store, the system of record that every process and client shares.

- `papers`: one record per abstract: the abstract, its metadata (title, authors, year,
  venue, DOI, arXiv id, URL), content hash, chunk spans, the write's sequence number, and the
  paper's mean chunk vector as its embedding.
- `chunks`: one vector per chunk (a run of whole sentences); Chroma's HNSW over them gives the
  dense candidates. Chunk 0 also carries the paper's sentence vectors (float16, packed), so
  fetching a candidate's chunks brings everything search scores it with.

Nothing is loaded whole: search asks HNSW for candidates and fetches only their records. The
collection metadata holds the embedder stamp, the layout version, the generation (changes with
every write) and the sequence counters that let `catalog.Catalog` read only what changed.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.errors import EmbedderMismatchError, IndexError_
from assistant.runtime import offline
from assistant.search.embedding import unit
from assistant.settings import Settings
from assistant.types import Chunk, Paper

CHUNKS = "chunks"
PAPERS = "papers"
LAYOUT = 2  # bump when the stored records change shape


@dataclass(frozen=True)
class ChunkHit(Chunk):
    score: float = 0.0  # cosine similarity


@dataclass(frozen=True)
class Record:
    """A stored paper with its vectors: what search scores a candidate with."""

    paper: Paper
    chunks: tuple[tuple[int, int], ...]  # chunk spans in the abstract
    chunk_vectors: np.ndarray  # (chunks, dim) float32
    sentence_vectors: np.ndarray  # (sentences, dim) float32, in sentence order

    def chunk(self, number: int, score: float = 0.0) -> ChunkHit:
        start, end = self.chunks[number]
        return ChunkHit(self.paper.paper_id, self.paper.title, number,
                        self.paper.abstract[start:end], start, end, score)


@dataclass(frozen=True)
class Written:
    """What ingest hands to `upsert` for one paper."""

    paper: Paper
    content_hash: str
    chunks: Sequence[Chunk]
    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray


class ChromaIndex:
    """Embedded Chroma under `settings.data_dir`, or a Chroma server when `chroma_host` is set."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client = None
        self._chunks = None
        self._papers = None
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
        if "sentences" in {c.name for c in self._client.list_collections()}:
            raise IndexError_(
                f"the index in {self.where()} was built by an older version of the assistant; "
                "ingest your corpus again into a fresh --data-dir (or delete this one)")

    def where(self) -> str:
        if self.settings.chroma_host:
            return f"the Chroma server {self.settings.chroma_host}:{self.settings.chroma_port}"
        return str(self.settings.data_dir)

    @property
    def chunks(self):
        self._connect()
        return self._chunks

    @property
    def papers(self):
        self._connect()
        return self._papers

    # -- the embedder stamp ---------------------------------------------------------------
    def stamp(self) -> dict:
        return dict(self.chunks.metadata or {})

    def check_embedder(self, name: str, *, writing: bool = False) -> None:
        """Refuse an index built by another embedder; stamp an unstamped one when writing."""
        built_with = self.stamp().get("embedder")
        if built_with is None:
            if writing:
                self.chunks.modify(metadata={"embedder": name, "layout": LAYOUT})
            return
        if built_with != name:
            raise EmbedderMismatchError(
                f"the index in {self.where()} was built with embedder {built_with!r} "
                f"but {name!r} is configured; set ASSISTANT_EMBEDDER back to {built_with!r}, or "
                "use a fresh --data-dir and ingest again"
            )

    # -- the generation and sequence: seen by every process and client --------------------
    def state(self) -> dict:
        """The stored counters, read afresh (another process or client may have written):
        `generation` changes with every write, `seq` numbers writes, `deleted` is the `seq` of
        the last delete, `source` identifies this store."""
        self._connect()
        meta = self._client.get_collection(PAPERS).metadata or {}
        return {"generation": str(meta.get("generation", "")), "seq": int(meta.get("seq", 0)),
                "deleted": int(meta.get("deleted", 0)), "source": str(self.papers.id)}

    def generation(self) -> str:
        return self.state()["generation"]

    def _set_state(self, **changes) -> None:
        import uuid

        meta = dict(self._client.get_collection(PAPERS).metadata or {})
        meta.update(changes)
        meta["generation"] = self.written = uuid.uuid4().hex
        self.papers.modify(metadata=meta)

    def bump(self) -> None:
        """Mark a write, so that other processes reload what they derived from the index."""
        self._set_state()

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
    def hashes(self, paper_ids: Sequence[str]) -> dict[str, tuple[str, int]]:
        """paper_id -> (content hash, number of chunks) for those of `paper_ids` stored."""
        out: dict[str, tuple[str, int]] = {}
        ids = list(dict.fromkeys(paper_ids))
        for batch in _batches(len(ids), 1000):
            got = self.papers.get(ids=ids[batch], include=["metadatas"])
            for pid, meta in zip(got["ids"], got["metadatas"], strict=True):
                out[pid] = (str(meta.get("hash", "")), int(meta.get("n_chunks", 0)))
        return out

    def upsert(self, written: Sequence[Written], old_counts: dict[str, int]) -> None:
        """Store papers with their chunk and sentence vectors, and drop stale chunks. The
        papers get the next sequence number; the counter moves once they are stored."""
        seq = self.state()["seq"] + 1
        ids, metas, vectors = [], [], []
        p_ids, p_docs, p_metas, p_vecs = [], [], [], []
        stale: list[str] = []
        for w in written:
            pid = w.paper.paper_id
            for chunk, vector in zip(w.chunks, w.chunk_vectors, strict=True):
                meta = {"paper_id": pid, "number": chunk.number}
                if w.paper.year is not None:
                    meta["year"] = w.paper.year
                if chunk.number == 0:
                    meta["sentences"] = pack(w.sentence_vectors)
                ids.append(chunk.chunk_id)
                metas.append(meta)
                vectors.append(vector)
            p_ids.append(pid)
            p_docs.append(w.paper.abstract)
            p_metas.append(_paper_meta(w, seq))
            p_vecs.append(unit(np.mean(w.chunk_vectors, axis=0)))
            stale += [f"{pid}::{n}" for n in range(len(w.chunks), old_counts.get(pid, 0))]
        size = self._max_batch()
        for batch in _batches(len(ids), size):
            self.chunks.upsert(ids=ids[batch], metadatas=metas[batch],
                               embeddings=np.asarray(vectors[batch], dtype=np.float32))
        for batch in _batches(len(p_ids), size):
            self.papers.upsert(ids=p_ids[batch], documents=p_docs[batch],
                               metadatas=p_metas[batch],
                               embeddings=np.asarray(p_vecs[batch], dtype=np.float32))
        if stale:
            self.chunks.delete(ids=stale)
        self._set_state(seq=seq)

    def delete(self, paper_ids: Iterable[str]) -> None:
        paper_ids = list(paper_ids)
        if not paper_ids:
            return
        self.chunks.delete(where={"paper_id": {"$in": paper_ids}})
        self.papers.delete(ids=paper_ids)
        seq = self.state()["seq"] + 1
        self._set_state(seq=seq, deleted=seq)

    def _max_batch(self) -> int:
        try:
            return max(1, int(self._client.get_max_batch_size()))
        except Exception:  # noqa: BLE001 - older servers lack the call
            return 1000

    # -- reads ----------------------------------------------------------------------------
    def count(self) -> int:
        return self.papers.count()

    def ids(self) -> set[str]:
        """Every stored paper id."""
        out: set[str] = set()
        for offset in range(0, self.papers.count(), 20000):
            out.update(self.papers.get(include=[], limit=20000, offset=offset)["ids"])
        return out

    def changed_since(self, seq: int, page: int = 2000) -> Iterator[list[Paper]]:
        """The papers written after sequence number `seq`, a page at a time."""
        where = {"seq": {"$gt": seq}}
        offset = 0
        while True:
            got = self.papers.get(where=where, include=["metadatas", "documents"], limit=page,
                                  offset=offset)
            if not got["ids"]:
                return
            yield [_paper(pid, meta, doc) for pid, meta, doc in
                   zip(got["ids"], got["metadatas"], got["documents"], strict=True)]
            offset += len(got["ids"])

    def nearest_chunks(self, vector: np.ndarray, n: int, where: dict | None = None
                       ) -> list[tuple[str, float]]:
        """(paper id, cosine) of the `n` nearest chunks by Chroma's HNSW, nearest first."""
        if n < 1:
            return []
        got = self.chunks.query(query_embeddings=[np.asarray(vector, dtype=np.float32)],
                                n_results=n, where=where, include=["distances"])
        return [(cid.rpartition("::")[0], 1.0 - float(d))
                for cid, d in zip(got["ids"][0], got["distances"][0], strict=True)]

    def records(self, paper_ids: Sequence[str]) -> dict[str, Record]:
        """The stored papers among `paper_ids`, with their chunk and sentence vectors."""
        ids = list(dict.fromkeys(paper_ids))
        if not ids:
            return {}
        got = self.papers.get(ids=ids, include=["metadatas", "documents"])
        papers = {pid: (_paper(pid, meta, doc), _spans(str(meta.get("spans", ""))))
                  for pid, meta, doc in zip(got["ids"], got["metadatas"], got["documents"],
                                            strict=True)}
        chunk_ids = [f"{pid}::{n}" for pid, (_, spans) in papers.items()
                     for n in range(len(spans))]
        rows: dict[str, list[tuple[int, np.ndarray, dict]]] = {}
        for batch in _batches(len(chunk_ids), 2000):  # by primary key: no metadata scan
            got = self.chunks.get(ids=chunk_ids[batch], include=["metadatas", "embeddings"])
            for meta, vector in zip(got["metadatas"], got["embeddings"], strict=True):
                rows.setdefault(str(meta["paper_id"]), []).append(
                    (int(meta["number"]), vector, meta))
        out = {}
        for pid, (paper, spans) in papers.items():
            chunks = sorted(rows.get(pid, []), key=lambda r: r[0])
            if not chunks or len(spans) != len(chunks):
                continue  # being rewritten by another process: skipped this once
            vectors = np.asarray([c[1] for c in chunks], dtype=np.float32)
            out[pid] = Record(paper, tuple(spans), vectors,
                              unpack(str(chunks[0][2].get("sentences", "")), vectors.shape[1]))
        return out

    def get_papers(self, paper_ids: Sequence[str]) -> dict[str, Paper]:
        if not paper_ids:
            return {}
        got = self.papers.get(ids=list(paper_ids), include=["metadatas", "documents"])
        return {pid: _paper(pid, meta, doc)
                for pid, meta, doc in zip(got["ids"], got["metadatas"], got["documents"],
                                          strict=True)}


_OPTIONAL = ("year", "url", "venue", "doi", "arxiv_id")


def _paper_meta(w: Written, seq: int) -> dict:
    meta: dict = {"title": w.paper.title, "hash": w.content_hash, "n_chunks": len(w.chunks),
                  "authors": "; ".join(w.paper.authors), "seq": seq,
                  "spans": ",".join(f"{c.start}:{c.end}" for c in w.chunks)}
    for key in _OPTIONAL:
        value = getattr(w.paper, key)
        if value not in (None, ""):
            meta[key] = value
    return meta


def _paper(pid: str, meta: dict, doc: str | None) -> Paper:
    authors = tuple(a for a in str(meta.get("authors", "")).split("; ") if a)
    year = meta.get("year")
    extra = {key: (str(meta[key]) if meta.get(key) else None) for key in _OPTIONAL[1:]}
    return Paper(pid, str(meta.get("title", pid)), doc or "", authors,
                 int(year) if year is not None else None, **extra)


def _spans(meta_spans: str) -> list[tuple[int, int]]:
    return [(int(a), int(b)) for a, _, b in (part.partition(":")
                                             for part in meta_spans.split(",") if part)]


def pack(vectors: np.ndarray) -> str:
    """Vectors as float16 in base64: a Chroma metadata value."""
    return base64.b64encode(np.asarray(vectors, dtype="<f2").tobytes()).decode("ascii")


def unpack(text: str, dim: int = 0) -> np.ndarray:
    raw = np.frombuffer(base64.b64decode(text), dtype="<f2").astype(np.float32) if text else \
        np.zeros(0, dtype=np.float32)
    dim = dim or (384 if raw.size % 384 == 0 else raw.size)
    return raw.reshape(-1, dim) if raw.size else np.zeros((0, max(dim, 1)), dtype=np.float32)


def _batches(n: int, size: int) -> Iterable[slice]:
    for start in range(0, n, size):
        yield slice(start, start + size)
