"""Chroma write cost with FTS and string indexes removed by a Schema, abstracts stored as
metadata.  .venv/bin/python bench/study/chroma_schema.py 3000"""
import time, numpy as np, chromadb, shutil, base64, sys
from chromadb.config import Settings
from chromadb import Schema, FtsIndexConfig, StringInvertedIndexConfig
rng=np.random.default_rng(0)
N=int(sys.argv[1]) if len(sys.argv)>1 else 2000
def vecs(n):
    v=rng.standard_normal((n,384)).astype(np.float32); return v/np.linalg.norm(v,axis=1,keepdims=True)
words=open('../shared/data/scifact/corpus.jsonl').read(2_000_000).split()
def text(n): i=rng.integers(0,len(words)-n); return " ".join(words[i:i+n])
def run(name, schema_fn, docs_as_meta=False):
    path=f"/tmp/cs/db-{name}"; shutil.rmtree(path,ignore_errors=True)
    c=chromadb.PersistentClient(path,settings=Settings(anonymized_telemetry=False))
    kw={}
    if schema_fn: kw["schema"]=schema_fn()
    else: kw["configuration"]={"hnsw":{"space":"cosine"}}
    papers=c.create_collection("papers",embedding_function=None,**kw)
    chunks=c.create_collection("chunks",embedding_function=None,**kw)
    t=time.perf_counter()
    for g in range(0,N,64):
        pids=[f"p{p}" for p in range(g,min(N,g+64))]
        docs=[text(230) for _ in pids]
        pm=[{"title":text(12),"authors":"A; B; C","year":2000+i%20,"hash":"x"*16,"n_chunks":3,"spans":"0:100,100:200,200:300","seq":i} for i,_ in enumerate(pids)]
        if docs_as_meta:
            for m,d in zip(pm,docs): m["abstract"]=d
            papers.upsert(ids=pids,embeddings=vecs(len(pids)),metadatas=pm)
        else:
            papers.upsert(ids=pids,embeddings=vecs(len(pids)),metadatas=pm,documents=docs)
        cids=[];cm=[]
        for p in pids:
            for k in range(3):
                cids.append(f"{p}::{k}"); m={"paper_id":p,"number":k,"year":2001}
                if k==0: m["sentences"]=base64.b64encode(vecs(9).astype(np.float16).tobytes()).decode()
                cm.append(m)
        chunks.upsert(ids=cids,embeddings=vecs(len(cids)),metadatas=cm)
    dt=time.perf_counter()-t
    print(f"{name}: {dt:.1f}s  {N/dt:.0f} papers/s",flush=True)
def nofts():
    s=Schema(); s.delete_index(config=FtsIndexConfig(), key="#document"); return s
def nofts_nostr():
    s=nofts(); s.delete_index(config=StringInvertedIndexConfig()); return s
for name,fn,dm in [("default",None,False),("nofts",nofts,False),("nofts_nostr",nofts_nostr,False),("docmeta_nostr",nofts_nostr,True),("docmeta_default",None,True)]:
    try: run(name,fn,dm)
    except Exception as e: print(name,"failed",type(e).__name__,e)
