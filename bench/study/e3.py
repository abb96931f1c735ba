from ev import *
import math
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[2]))
from assistant.search.bm25 import tokenize
CS = Q @ C.T
CM = np.stack([maxpool(CS[i], cp) for i in range(len(qids))])
texts = m["texts"]
doc_tokens = [set(tokenize(t)) for t in texts]
df = {}
for s in doc_tokens:
    for t in s: df[t] = df.get(t, 0) + 1
idf = {t: math.log(1 + (N - d + 0.5) / (d + 0.5)) for t, d in df.items()}
qtok = [[t for t in dict.fromkeys(tokenize(m["queries"][q])) if t in idf] for q in qids]
def cov(i, c):
    toks = qtok[i]; tot = sum(idf[t] for t in toks) or 1
    return np.array([sum(idf[t] for t in toks if t in doc_tokens[j]) / tot for j in c], dtype=np.float32)
def f(i, wc, w=0.6):
    d, l = CM[i], L[i]
    c = cands(d, l)
    out = np.full(N, -1e9, dtype=np.float32)
    out[c] = w * z(d[c]) + (1 - w) * z(l[c]) + wc * z(cov(i, c))
    return out
for wc in [0.0, 0.1, 0.2, 0.3]:
    evaluate(lambda i: f(i, wc), label=f"cov {wc}")
