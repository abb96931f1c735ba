import sys, numpy as np, pickle
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[2]))
from assistant.evaluation.metrics import ndcg_at
E = str(__import__("pathlib").Path(__file__).resolve().parents[2] / ".assistant" / "exp") + "/"
m = pickle.load(open(E + "meta.pkl", "rb"))
ids, qids, qrels = m["ids"], m["qids"], m["qrels"]
pos = {p: i for i, p in enumerate(ids)}
Q = np.load(E + "Q.npy"); C = np.load(E + "C.npy"); L = np.load(E + "L.npy")
cp = np.array([pos[p] for p in m["chunk_pid"]])
N = len(ids)

def maxpool(scores, owner):
    out = np.full(N, -1.0, dtype=np.float32)
    np.maximum.at(out, owner, scores)
    return out

def z(x):
    sd = x.std()
    return (x - x.mean()) / sd if sd > 0 else x - x.mean()

def evaluate(score_fn, depth=100, label=""):
    tot = []
    for qi, q in enumerate(qids):
        fused = score_fn(qi)
        top = np.argsort(-fused)[:10]
        tot.append(ndcg_at([ids[i] for i in top], qrels[q], 10))
    v = float(np.mean(tot)); print(f"{label:50s} {v:.4f}", flush=True); return v

def cands(dense, lex, depth=100):
    c = set(np.argsort(-dense)[:depth].tolist()) | set(np.argsort(-lex)[:depth][lex[np.argsort(-lex)[:depth]] > 0].tolist())
    return np.array(sorted(c))

def fuse_z(parts, weights, depth=100, cand_from=(0, 1)):
    # parts: list of full-length arrays; candidates from dense(part0) & lex(part1)
    c = cands(parts[cand_from[0]], parts[cand_from[1]], depth)
    out = np.full(N, -1e9, dtype=np.float32)
    out[c] = sum(w * z(p[c]) for p, w in zip(parts, weights))
    return out
