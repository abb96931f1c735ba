import sys, json, time, numpy as np, pickle
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[2]))
from assistant import Assistant, Settings
from assistant.evaluation.retrieval import load_beir
from assistant.ingest.chunking import sentences
out = str(__import__("pathlib").Path(__file__).resolve().parents[2] / ".assistant" / "exp") + "/"
ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
s = Settings(data_dir=str(ROOT / ".assistant" / "scifact"))
a = Assistant(s)
r = a.retriever
r.refresh()
ids = list(r.lexical.ids)
_, queries, qrels = load_beir(str(ROOT.parent / "shared" / "data" / "scifact"), "train")
qids = list(queries)
emb = a.embedder
t = time.time()
Q = np.asarray(emb.embed([queries[q] for q in qids]), dtype=np.float32)
print("queries", time.time() - t, flush=True)
np.save(out + "Q.npy", Q)
pid_of_chunk = [c.paper_id for c in r._chunks]
np.save(out + "C.npy", r._matrix)
ids_all, texts, metas = r.index.all_papers()
assert ids_all == ids
L = np.stack([r.lexical.scores(queries[q]) for q in qids])
np.save(out + "L.npy", L)
pickle.dump({"ids": ids, "qids": qids, "queries": queries, "qrels": qrels, "chunk_pid": pid_of_chunk,
             "texts": texts, "chunks": [(c.paper_id, c.text) for c in r._chunks]}, open(out + "meta.pkl", "wb"))
t = time.time()
D = np.asarray(emb.embed(texts), dtype=np.float32)
print("docs", time.time() - t, flush=True)
np.save(out + "D.npy", D)
# sentences with title
sent_pid, sent_txt = [], []
for pid, text in zip(ids, texts):
    title, _, body = text.partition("\n")
    for snt in sentences(body):
        sent_pid.append(pid); sent_txt.append(f"{title}\n{snt}")
pickle.dump(sent_pid, open(out + "sent_pid.pkl", "wb"))
t = time.time()
S = np.asarray(emb.embed(sent_txt), dtype=np.float32)
print("sents", len(sent_txt), time.time() - t, flush=True)
np.save(out + "S.npy", S)
