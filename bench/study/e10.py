from ev import *
import bm25s
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[2]))
from assistant.search.bm25 import tokenize
from assistant.ingest.chunking import sentences
CM = np.load(E + "CM.npy"); SM = np.load(E + "SM.npy")
sp_list, stoks = [], []
for pid, text in zip(ids, m["texts"]):
    title, _, body = text.partition("\n")
    for snt in sentences(body):
        sp_list.append(pos[pid]); stoks.append(tokenize(snt))
sp = np.array(sp_list)
# idf from paper-level
bm = bm25s.BM25(k1=1.2, b=0.75); bm.index(stoks, show_progress=False)
vocab = bm.vocab_dict
qt = [tokenize(m["queries"][q]) for q in qids]
def sbm(i):
    t = [x for x in qt[i] if x in vocab]
    if not t: return np.zeros(N, np.float32)
    return maxpool(np.asarray(bm.get_scores(t), dtype=np.float32), sp)
SB = np.stack([sbm(i) for i in range(len(qids))])
np.save(E + "SB.npy", SB)
evaluate(lambda i: SB[i], label="sentence bm25 max")
for w in [0.1, 0.2, 0.3]:
    evaluate(lambda i: fuse_z([CM[i], L[i], SB[i]], [0.6, 0.4 - w, w]), label=f"z chunk .6 lex {0.4-w:.1f} sentbm25 {w}")
    evaluate(lambda i: fuse_z([CM[i], L[i], SB[i]], [0.6, 0.4, w]), label=f"z chunk .6 lex .4 + sentbm25 {w}")
