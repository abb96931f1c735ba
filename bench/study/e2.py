from ev import *
CS = Q @ C.T
CM = np.stack([maxpool(CS[i], cp) for i in range(len(qids))])
# sum of exp aggregate (soft max) over chunks
def softagg(i, t):
    out = np.zeros(N, dtype=np.float64)
    np.add.at(out, cp, np.exp((CS[i] - 1) / t))
    return (t * np.log(out + 1e-30)).astype(np.float32)
for t in [0.02, 0.05]:
    SA = np.stack([softagg(i, t) for i in range(len(qids))])
    evaluate(lambda i: SA[i], label=f"dense softmax t={t}")
    evaluate(lambda i: fuse_z([SA[i], L[i]], [0.6, 0.4]), label=f"z softagg t={t}")
# normalizations
def fuse_norm(d, l, w, kind, depth=100):
    c = cands(d, l, depth)
    out = np.full(N, -1e9, dtype=np.float32)
    dd, ll = d[c], l[c]
    if kind == "minmax":
        f = lambda x: (x - x.min()) / (x.max() - x.min() + 1e-9)
    elif kind == "z_topk":
        def f(x, k=20):
            t = np.sort(x)[::-1][:k]; return (x - t.mean()) / (t.std() + 1e-9)
    elif kind == "zall":
        # stats over all docs
        out[:] = w * z(d) + (1 - w) * z(l); return out
    elif kind == "max":
        f = lambda x: x / (x.max() + 1e-9)
    out[c] = w * f(dd) + (1 - w) * f(ll)
    return out
for kind in ["minmax", "z_topk", "zall", "max"]:
    for w in [0.5, 0.6, 0.7]:
        evaluate(lambda i: fuse_norm(CM[i], L[i], w, kind), label=f"{kind} w={w}")
for depth in [20, 50, 200]:
    evaluate(lambda i: fuse_z([CM[i], L[i]], [0.6, 0.4], depth=depth), label=f"z depth {depth}")
