"""Chroma write cost with FTS and string indexes removed by a Schema, abstracts stored as
metadata.  .venv/bin/python bench/study/chroma_schema.py 3000"""
import sys
import time

from chroma_synth import batch, fresh, report
from chromadb import FtsIndexConfig, Schema, StringInvertedIndexConfig

N = int(sys.argv[1]) if len(sys.argv) > 1 else 2000


def run(name, schema_fn, docs_as_meta=False):
    papers, chunks = fresh(name, **({"schema": schema_fn()} if schema_fn else {}))
    start = time.perf_counter()
    for g in range(0, N, 64):  # the data is made inside the timing, as first measured
        pids, docs, pm, pv, cids, cm, cv = batch(g, min(N, g + 64))
        if docs_as_meta:
            for m, d in zip(pm, docs, strict=True):
                m["abstract"] = d
            papers.upsert(ids=pids, embeddings=pv, metadatas=pm)
        else:
            papers.upsert(ids=pids, embeddings=pv, metadatas=pm, documents=docs)
        chunks.upsert(ids=cids, embeddings=cv, metadatas=cm)
    report(name, N, time.perf_counter() - start)


def nofts():
    s = Schema()
    s.delete_index(config=FtsIndexConfig(), key="#document")
    return s


def nofts_nostr():
    s = nofts()
    s.delete_index(config=StringInvertedIndexConfig())
    return s


for name, fn, dm in [("default", None, False), ("nofts", nofts, False),
                     ("nofts_nostr", nofts_nostr, False), ("docmeta_nostr", nofts_nostr, True),
                     ("docmeta_default", None, True)]:
    try:
        run(name, fn, dm)
    except Exception as e:  # noqa: BLE001 - a variant Chroma refuses is reported
        print(name, "failed", type(e).__name__, e)
