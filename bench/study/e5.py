from ev import *
D = np.load(E + "D.npy")
CS = Q @ C.T
CM = np.stack([maxpool(CS[i], cp) for i in range(len(qids))])
def f(i, alpha, topn=10, w=0.6):
    d, l = CM[i], L[i]
    c = cands(d, l)
    base = w * z(d[c]) + (1 - w) * z(l[c])
    order = np.argsort(-base)[:topn]
    sim = D[c] @ D[c[order]].T   # cand x topn
    sim = np.maximum(sim, 0)
    smooth = (sim * base[order]).sum(1) / (sim.sum(1) + 1e-9)
    out = np.full(N, -1e9, dtype=np.float32)
    out[c] = base + alpha * z(smooth)
    return out
for topn in [5, 10]:
    for alpha in [0.1, 0.2, 0.4]:
        evaluate(lambda i: f(i, alpha, topn), label=f"smooth top{topn} a={alpha}")
