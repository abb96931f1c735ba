"""Do Chroma writes to two collections run in parallel from two threads, and does Python run
during an upsert?  .venv/bin/python bench/study/chroma_threads.py"""
import time, numpy as np, chromadb, shutil, base64, threading
from chromadb.config import Settings
rng=np.random.default_rng(0)
N=3000
def vecs(n):
    v=rng.standard_normal((n,384)).astype(np.float32); return v/np.linalg.norm(v,axis=1,keepdims=True)
words=open('../shared/data/scifact/corpus.jsonl').read(2_000_000).split()
def text(n): i=rng.integers(0,len(words)-n); return " ".join(words[i:i+n])
data=[]
for g in range(0,N,256):
    pids=[f"p{p}" for p in range(g,min(N,g+256))]
    docs=[text(230) for _ in pids]
    pm=[{"title":text(12),"year":2000+i%20,"seq":i} for i,_ in enumerate(pids)]
    cids=[];cm=[]
    for p in pids:
        for k in range(3):
            cids.append(f"{p}::{k}"); m={"paper_id":p}
            if k==0: m["sentences"]=base64.b64encode(vecs(9).astype(np.float16).tobytes()).decode()
            cm.append(m)
    data.append((pids,docs,pm,vecs(len(pids)),cids,cm,vecs(len(cids))))
def fresh(name):
    path=f"/tmp/cs/par-{name}"; shutil.rmtree(path,ignore_errors=True)
    c=chromadb.PersistentClient(path,settings=Settings(anonymized_telemetry=False))
    conf={"hnsw":{"space":"cosine"}}
    return c.create_collection("papers",embedding_function=None,configuration=conf), c.create_collection("chunks",embedding_function=None,configuration=conf)
papers,chunks=fresh("seq")
t=time.perf_counter()
for pids,docs,pm,pv,cids,cm,cv in data:
    papers.upsert(ids=pids,embeddings=pv,metadatas=pm,documents=docs); chunks.upsert(ids=cids,embeddings=cv,metadatas=cm)
print("sequential", round(N/(time.perf_counter()-t)), "papers/s")
papers,chunks=fresh("par")
def wp():
    for pids,docs,pm,pv,cids,cm,cv in data: papers.upsert(ids=pids,embeddings=pv,metadatas=pm,documents=docs)
def wc():
    for pids,docs,pm,pv,cids,cm,cv in data: chunks.upsert(ids=cids,embeddings=cv,metadatas=cm)
t=time.perf_counter(); a=threading.Thread(target=wp); b=threading.Thread(target=wc); a.start(); b.start(); a.join(); b.join()
print("two threads", round(N/(time.perf_counter()-t)), "papers/s")
# GIL: does a pure-Python thread progress during upsert?
papers,chunks=fresh("gil")
count=[0]; stop=[False]
def spin():
    while not stop[0]: count[0]+=1
s=threading.Thread(target=spin); s.start(); t=time.perf_counter()
for pids,docs,pm,pv,cids,cm,cv in data[:4]:
    papers.upsert(ids=pids,embeddings=pv,metadatas=pm,documents=docs); chunks.upsert(ids=cids,embeddings=cv,metadatas=cm)
dt=time.perf_counter()-t; stop[0]=True; s.join()
c2=[0]; stop=[False]; s=threading.Thread(target=spin); 
def spin2():
    while not stop[0]: c2[0]+=1
s=threading.Thread(target=spin2); s.start(); time.sleep(dt); stop[0]=True; s.join()
print("python spins during upserts vs idle same time:", count[0], c2[0])
