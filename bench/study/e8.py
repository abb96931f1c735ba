from ev import *
CM0 = np.load(E + "CM.npy")
mu = C.mean(0)
print("mean norm", np.linalg.norm(mu))
for a in [0.5, 1.0]:
    Cc = C - a * mu; Cc /= np.linalg.norm(Cc, axis=1, keepdims=True)
    Qc = Q - a * mu; Qc /= np.linalg.norm(Qc, axis=1, keepdims=True)
    CS = Qc @ Cc.T
    CM = np.stack([maxpool(CS[i], cp) for i in range(len(qids))])
    evaluate(lambda i: CM[i], label=f"dense centered a={a}")
    for w in [0.5, 0.6]:
        evaluate(lambda i: fuse_z([CM[i], L[i]], [w, 1 - w]), label=f"  z w={w}")
# whitening via PCA of chunk vectors, keep top dims
Cc = C - mu
U, sv, Vt = np.linalg.svd(Cc, full_matrices=False)
for k, pw in [(384, 0.5), (256, 0.5), (384, 0.25)]:
    W = Vt[:k].T / (sv[:k] ** pw)
    Cw = Cc @ W; Cw /= np.linalg.norm(Cw, axis=1, keepdims=True)
    Qw = (Q - mu) @ W; Qw /= np.linalg.norm(Qw, axis=1, keepdims=True)
    CS = Qw @ Cw.T
    CM = np.stack([maxpool(CS[i], cp) for i in range(len(qids))])
    evaluate(lambda i: CM[i], label=f"dense whiten k={k} p={pw}")
    evaluate(lambda i: fuse_z([CM[i], L[i]], [0.6, 0.4]), label=f"  z w=0.6")
