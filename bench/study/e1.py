from ev import *
D = np.load(E + "D.npy")
CS = Q @ C.T          # queries x chunks
DS = Q @ D.T          # queries x docs
CM = np.stack([maxpool(CS[i], cp) for i in range(len(qids))])
evaluate(lambda i: CM[i], label="dense chunk max")
evaluate(lambda i: DS[i], label="dense doc")
evaluate(lambda i: L[i], label="bm25")
evaluate(lambda i: fuse_z([CM[i], L[i]], [0.6, 0.4]), label="baseline z 0.6")
for wd in [0.2, 0.3, 0.4]:
    for wl in [0.35, 0.4]:
        wc = 1 - wd - wl
        evaluate(lambda i: fuse_z([CM[i], L[i], DS[i]], [wc, wl, wd]), label=f"z chunk {wc:.2f} lex {wl} doc {wd}")
