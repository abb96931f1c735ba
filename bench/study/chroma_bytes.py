"""Chroma write cost by batch size, add vs upsert, collection, HNSW ef, metadata keys and
stored bytes (abstract text, packed sentence vectors).  .venv/bin/python bench/study/chroma_bytes.py"""
import time, numpy as np, chromadb, shutil, base64, sys
from chromadb.config import Settings
rng=np.random.default_rng(0)
N=3000
def vecs(n):
    v=rng.standard_normal((n,384)).astype(np.float32); return v/np.linalg.norm(v,axis=1,keepdims=True)
words=open('../shared/data/scifact/corpus.jsonl').read(2_000_000).split()
def text(n): i=rng.integers(0,len(words)-n); return " ".join(words[i:i+n])
def run(name, B, op, which=("papers","chunks"), hnsw=None):
    path=f"/tmp/cs/db-{name}"; shutil.rmtree(path,ignore_errors=True)
    c=chromadb.PersistentClient(path,settings=Settings(anonymized_telemetry=False))
    conf={"hnsw":{"space":"cosine", **(hnsw or {})}}
    papers=c.create_collection("papers",embedding_function=None,configuration=conf)
    chunks=c.create_collection("chunks",embedding_function=None,configuration=conf)
    data=[]
    for g in range(0,N,B):
        pids=[f"p{p}" for p in range(g,min(N,g+B))]
        docs=[text(230) for _ in pids]
        pm=[{"title":text(12),"authors":"A; B; C","year":2000+i%20,"hash":"x"*16,"n_chunks":3,"spans":"0:100,100:200,200:300","seq":i} for i,_ in enumerate(pids)]
        cids=[];cm=[]
        for p in pids:
            for k in range(3):
                cids.append(f"{p}::{k}"); m={"paper_id":p,"number":k,"year":2001}
                if k==0: m["sentences"]=base64.b64encode(vecs(9).astype(np.float16).tobytes()).decode()
                cm.append(m)
        data.append((pids,docs,pm,vecs(len(pids)),cids,cm,vecs(len(cids))))
    t=time.perf_counter()
    for pids,docs,pm,pv,cids,cm,cv in data:
        if "papers" in which: getattr(papers,op)(ids=pids,embeddings=pv,metadatas=pm,documents=docs)
        if "chunks" in which: getattr(chunks,op)(ids=cids,embeddings=cv,metadatas=cm)
    dt=time.perf_counter()-t
    print(f"{name}: {dt:.1f}s  {N/dt:.0f} papers/s",flush=True)
run("b64_upsert",64,"upsert")
run("b512_upsert",512,"upsert")
run("b64_add",64,"add")
run("b64_papers_only",64,"upsert",("papers",))
run("b64_chunks_only",64,"upsert",("chunks",))
run("b64_ef40",64,"upsert",hnsw={"ef_construction":40})
import json
def run2(name,B=64):
    path=f"/tmp/cs/db-{name}"; shutil.rmtree(path,ignore_errors=True)
    c=chromadb.PersistentClient(path,settings=Settings(anonymized_telemetry=False))
    conf={"hnsw":{"space":"cosine"}}
    papers=c.create_collection("papers",embedding_function=None,configuration=conf)
    chunks=c.create_collection("chunks",embedding_function=None,configuration=conf)
    data=[]
    for g in range(0,N,B):
        pids=[f"p{p}" for p in range(g,min(N,g+B))]
        docs=[text(230) for _ in pids]
        pm=[{"seq":i,"m":json.dumps({"title":text(12),"authors":"A; B; C","year":2000+i%20,"hash":"x"*16,"n_chunks":3,"spans":"0:100,100:200,200:300","sentences":base64.b64encode(vecs(9).astype(np.float16).tobytes()).decode()})} for i,_ in enumerate(pids)]
        cids=[];cm=[]
        for p in pids:
            for k in range(3):
                cids.append(f"{p}::{k}"); cm.append({"paper_id":p})
        data.append((pids,docs,pm,vecs(len(pids)),cids,cm,vecs(len(cids))))
    t=time.perf_counter()
    for pids,docs,pm,pv,cids,cm,cv in data:
        papers.upsert(ids=pids,embeddings=pv,metadatas=pm,documents=docs)
        chunks.upsert(ids=cids,embeddings=cv,metadatas=cm)
    dt=time.perf_counter()-t
    print(f"{name}: {dt:.1f}s  {N/dt:.0f} papers/s",flush=True)
run2("fewkeys")
def run3(name, sent=True, doc=True):
    path=f"/tmp/cs/db-{name}"; shutil.rmtree(path,ignore_errors=True)
    c=chromadb.PersistentClient(path,settings=Settings(anonymized_telemetry=False))
    conf={"hnsw":{"space":"cosine"}}
    papers=c.create_collection("papers",embedding_function=None,configuration=conf)
    chunks=c.create_collection("chunks",embedding_function=None,configuration=conf)
    data=[]
    for g in range(0,N,64):
        pids=[f"p{p}" for p in range(g,min(N,g+64))]
        docs=[text(230) if doc else "x" for _ in pids]
        pm=[{"title":text(12),"year":2000+i%20,"seq":i} for i,_ in enumerate(pids)]
        cids=[];cm=[]
        for p in pids:
            for k in range(3):
                cids.append(f"{p}::{k}"); m={"paper_id":p}
                if k==0 and sent: m["sentences"]=base64.b64encode(vecs(9).astype(np.float16).tobytes()).decode()
                cm.append(m)
        data.append((pids,docs,pm,vecs(len(pids)),cids,cm,vecs(len(cids))))
    t=time.perf_counter()
    for pids,docs,pm,pv,cids,cm,cv in data:
        papers.upsert(ids=pids,embeddings=pv,metadatas=pm,documents=docs)
        chunks.upsert(ids=cids,embeddings=cv,metadatas=cm)
    dt=time.perf_counter()-t
    print(f"{name}: {dt:.1f}s  {N/dt:.0f} papers/s",flush=True)
run3("nosent",sent=False)
run3("nodoc",doc=False)
run3("neither",False,False)
