from ev import *
import bm25s
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[2]))
from assistant.search.bm25 import tokenize
CS = Q @ C.T
CM = np.stack([maxpool(CS[i], cp) for i in range(len(qids))])
toks = [tokenize(t) for t in m["texts"]]
qt = [tokenize(m["queries"][q]) for q in qids]
for k1, b, method in [(1.2, .75, "lucene"), (0.9, .4, "lucene"), (1.5, .9, "lucene"), (2.0, .75, "lucene"), (1.2, .9, "lucene"), (1.2, .75, "bm25+"), (1.2, .75, "bm25l")]:
    bm = bm25s.BM25(k1=k1, b=b, method=method); bm.index(toks, show_progress=False)
    vocab = bm.vocab_dict
    LL = np.stack([np.asarray(bm.get_scores([t for t in q if t in vocab]), dtype=np.float32) if any(t in vocab for t in q) else np.zeros(N, np.float32) for q in qt])
    a = evaluate(lambda i: LL[i], label=f"bm25 {k1} {b} {method}")
    for w in [0.5, 0.6]:
        evaluate(lambda i: fuse_z([CM[i], LL[i]], [w, 1 - w]), label=f"  z w={w}")
