"""Chroma write cost by batch size, add vs upsert, collection, HNSW ef, metadata keys and
stored bytes (abstract text, packed sentence vectors).  .venv/bin/python bench/study/chroma_bytes.py"""
import functools

from chroma_synth import batches, chunk_meta, one_key_meta, paper_meta, timed

N = 3000
timed("b64_upsert", N, batches(N, 64))
timed("b512_upsert", N, batches(N, 512))
timed("b64_add", N, batches(N, 64), op="add")
timed("b64_papers_only", N, batches(N, 64), which=("papers",))
timed("b64_chunks_only", N, batches(N, 64), which=("chunks",))
timed("b64_ef40", N, batches(N, 64), hnsw={"ef_construction": 40})
timed("fewkeys", N, batches(N, 64, paper=one_key_meta,
                            chunk=functools.partial(chunk_meta, full=False, sentences=False)))
short = functools.partial(paper_meta, full=False)
timed("nosent", N, batches(N, 64, paper=short,
                           chunk=functools.partial(chunk_meta, full=False, sentences=False)))
timed("nodoc", N, batches(N, 64, paper=short, doc=False,
                          chunk=functools.partial(chunk_meta, full=False)))
timed("neither", N, batches(N, 64, paper=short, doc=False,
                            chunk=functools.partial(chunk_meta, full=False, sentences=False)))
