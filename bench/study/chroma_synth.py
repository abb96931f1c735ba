"""Synthetic papers shaped like the assistant's Chroma writes, shared by the chroma_* studies:
unit vectors, SciFact text, one paper row (abstract, metadata) and three chunk rows (chunk 0
with packed float16 sentence vectors)."""
import base64
import json
import shutil
import time

import chromadb
import numpy as np
from chromadb.config import Settings

rng = np.random.default_rng(0)
with open("../shared/data/scifact/corpus.jsonl") as f:
    WORDS = f.read(2_000_000).split()
PAPER_META = {"authors": "A; B; C", "hash": "x" * 16, "n_chunks": 3,
              "spans": "0:100,100:200,200:300"}


def vecs(n):
    v = rng.standard_normal((n, 384)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def text(n):
    i = rng.integers(0, len(WORDS) - n)
    return " ".join(WORDS[i:i + n])


def packed():
    return base64.b64encode(vecs(9).astype(np.float16).tobytes()).decode()


def paper_meta(i, full=True):
    """The paper row's metadata: as ingest writes it (`full`), or title, year and seq only."""
    meta = {"title": text(12), "year": 2000 + i % 20, "seq": i}
    return {**meta, **PAPER_META} if full else meta


def one_key_meta(i):
    """The same metadata packed into one JSON string beside seq, sentence vectors included."""
    return {"seq": i, "m": json.dumps({"title": text(12), "year": 2000 + i % 20, **PAPER_META,
                                       "sentences": packed()})}


def chunk_meta(pid, k, full=True, sentences=True):
    meta = {"paper_id": pid, "number": k, "year": 2001} if full else {"paper_id": pid}
    if k == 0 and sentences:
        meta["sentences"] = packed()
    return meta


def batch(start, stop, *, paper=paper_meta, chunk=chunk_meta, doc=True):
    """(paper ids, abstracts, paper metadata, paper vectors, chunk ids, chunk metadata,
    chunk vectors) for papers start..stop."""
    pids = [f"p{p}" for p in range(start, stop)]
    docs = [text(230) if doc else "x" for _ in pids]
    pm = [paper(i) for i, _ in enumerate(pids)]
    cids = [f"{p}::{k}" for p in pids for k in range(3)]
    cm = [chunk(p, k) for p in pids for k in range(3)]
    return pids, docs, pm, vecs(len(pids)), cids, cm, vecs(len(cids))


def batches(n, size, **kw):
    return [batch(g, min(n, g + size), **kw) for g in range(0, n, size)]


def fresh(name, **collection):
    """A new persistent client under /tmp/cs and its papers and chunks collections."""
    path = f"/tmp/cs/db-{name}"
    shutil.rmtree(path, ignore_errors=True)
    client = chromadb.PersistentClient(path, settings=Settings(anonymized_telemetry=False))
    collection = collection or {"configuration": {"hnsw": {"space": "cosine"}}}
    return tuple(client.create_collection(c, embedding_function=None, **collection)
                 for c in ("papers", "chunks"))


def write(papers, chunks, data, op="upsert", which=("papers", "chunks")):
    for pids, docs, pm, pv, cids, cm, cv in data:
        if "papers" in which:
            getattr(papers, op)(ids=pids, embeddings=pv, metadatas=pm, documents=docs)
        if "chunks" in which:
            getattr(chunks, op)(ids=cids, embeddings=cv, metadatas=cm)


def report(name, n, seconds):
    print(f"{name}: {seconds:.1f}s  {n / seconds:.0f} papers/s", flush=True)


def timed(name, n, data, hnsw=None, **kw):
    """Write pre-built `data` into fresh collections and report papers/s."""
    collection = {"configuration": {"hnsw": {"space": "cosine", **hnsw}}} if hnsw else {}
    papers, chunks = fresh(name, **collection)
    start = time.perf_counter()
    write(papers, chunks, data, **kw)
    report(name, n, time.perf_counter() - start)
