from ev import *
import bm25s
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[2]))
from assistant.search.bm25 import tokenize
CS = Q @ C.T
CM = np.stack([maxpool(CS[i], cp) for i in range(len(qids))])
def bi(t): return [a + "_" + b for a, b in zip(t, t[1:])]
toks = [bi(tokenize(t)) for t in m["texts"]]
qt = [bi(tokenize(m["queries"][q])) for q in qids]
bm = bm25s.BM25(k1=1.2, b=0.75); bm.index(toks, show_progress=False)
vocab = bm.vocab_dict
B = np.stack([np.asarray(bm.get_scores([t for t in q if t in vocab]), dtype=np.float32) if any(t in vocab for t in q) else np.zeros(N, np.float32) for q in qt])
evaluate(lambda i: B[i], label="bigram bm25")
for wb in [0.05, 0.1, 0.15, 0.2]:
    evaluate(lambda i: fuse_z([CM[i], L[i], B[i]], [0.6, 0.4, wb]), label=f"z + bigram {wb}")
    evaluate(lambda i: fuse_z([CM[i], L[i] + wb * 5 * B[i]], [0.6, 0.4]), label=f"z (lex+{wb*5}bi)")
