from ev import *
import math, itertools
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[2]))
from assistant.search.bm25 import tokenize
CM = np.load(E + "CM.npy"); SM = np.load(E + "SM.npy")
texts = m["texts"]
doc_tokens = [set(tokenize(t)) for t in texts]
df = {}
for s in doc_tokens:
    for t in s: df[t] = df.get(t, 0) + 1
idf = {t: math.log(1 + (N - d + 0.5) / (d + 0.5)) for t, d in df.items()}
qtok = [[t for t in dict.fromkeys(tokenize(m["queries"][q])) if t in idf] for q in qids]
# precompute per query: candidate set and z-scored features
feats = []
for i in range(len(qids)):
    c = cands(CM[i], L[i])
    toks = qtok[i]; tot = sum(idf[t] for t in toks) or 1
    cov = np.array([sum(idf[t] for t in toks if t in doc_tokens[j]) / tot for j in c], np.float32)
    feats.append((c, np.stack([z(CM[i][c]), z(L[i][c]), z(SM[i][c]), z(cov)])))
def score(w, qs):
    out = []
    for i in qs:
        c, F = feats[i]
        s = w @ F
        top = c[np.argsort(-s)[:10]]
        out.append(ndcg_at([ids[j] for j in top], qrels[qids[i]], 10))
    return float(np.mean(out))
grid = [np.array([a, b, cc, d]) for a in [0.2, 0.3, 0.4, 0.5, 0.6] for b in [0.3, 0.4, 0.5] for cc in [0, 0.1, 0.2, 0.3] for d in [0, 0.1, 0.2]]
allq = np.arange(len(qids))
res = [(score(w, allq), w) for w in grid]
res.sort(key=lambda x: -x[0])
for v, w in res[:8]: print("all", round(v, 4), w)
rng = np.random.default_rng(0)
cv = []
for rep in range(0):
    perm = rng.permutation(len(qids)); a, b = perm[: len(perm)//2], perm[len(perm)//2:]
    for tr, te in [(a, b), (b, a)]:
        best = max(grid, key=lambda w: score(w, tr))
        cv.append((score(best, te), score(np.array([0.6, 0.4, 0, 0]), te), best))
for x in cv: print("cv", round(x[0], 4), "baseline", round(x[1], 4), x[2])
print("cv mean", np.mean([x[0] for x in cv]), "baseline", np.mean([x[1] for x in cv]))
print("--- no chunk")
g2 = [w for w in grid if w[0] == 0.2] 
g3 = [np.array([0, b, cc, d]) for b in [0.2, 0.3, 0.4, 0.5] for cc in [0.3, 0.4, 0.5, 0.6] for d in [0, 0.1, 0.2, 0.3]]
res = sorted([(score(w, allq), w) for w in g3], key=lambda x: -x[0])
for v, w in res[:5]: print("nochunk", round(v, 4), w)
g4 = [np.array([a, b, 0, d]) for a in [0.4, 0.5, 0.6, 0.7] for b in [0.3, 0.4, 0.5] for d in [0, 0.1, 0.2, 0.3]]
res = sorted([(score(w, allq), w) for w in g4], key=lambda x: -x[0])
for v, w in res[:5]: print("nosent", round(v, 4), w)
