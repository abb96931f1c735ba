"""Chroma upsert cost per paper by what is stored (documents, sentence rows, packed vectors):
2,000 synthetic papers, random vectors.  .venv/bin/python bench/study/chroma_writes.py"""
import time, numpy as np, chromadb, shutil, base64, sys
from chromadb.config import Settings
rng=np.random.default_rng(0)
N=2000
def vecs(n):
    v=rng.standard_normal((n,384)).astype(np.float32); return v/np.linalg.norm(v,axis=1,keepdims=True)
words="the of protein cell patients results method model increased significant analysis".split()
def text(n): return " ".join(rng.choice(words,n))
def run(name, coll, n_per, with_docs, meta_extra=None):
    path=f"/tmp/cb/db-{name.replace(' ','_').replace('+','')}"; shutil.rmtree(path,ignore_errors=True)
    c=chromadb.PersistentClient(path,settings=Settings(anonymized_telemetry=False))
    col=c.get_or_create_collection(coll,configuration={"hnsw":{"space":"cosine"}},embedding_function=None)
    t=time.perf_counter()
    for g in range(0,N,64):
        ids=[];docs=[];metas=[]
        for p in range(g,min(N,g+64)):
            for k in range(n_per):
                ids.append(f"p{p}::{k}"); docs.append(text(90)); m={"paper_id":f"p{p}","number":k}
                if meta_extra: m.update(meta_extra())
                metas.append(m)
        kw=dict(ids=ids,embeddings=vecs(len(ids)),metadatas=metas)
        if with_docs: kw["documents"]=docs
        col.upsert(**kw)
    dt=time.perf_counter()-t
    print(f"{name}: {N*n_per} rows {dt:.1f}s  {N/dt:.0f} papers/s  {N*n_per/dt:.0f} rows/s",flush=True)
run("chunks x3 docs","chunks",3,True)
run("chunks x3 nodocs","chunks",3,False)
run("sent x8 docs","sents",8,True)
run("sent x8 nodocs","sents",8,False)
run("papers x1 docs+packed 11 fp16 vecs","papers",1,True,lambda: {"sv":base64.b64encode(vecs(11).astype(np.float16).tobytes()).decode()})
run("papers x1 docs","papers",1,True)
