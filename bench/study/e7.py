from ev import *
S = np.load(E + "S.npy"); sp = np.array([pos[p] for p in pickle.load(open(E + "sent_pid.pkl", "rb"))])
CS = Q @ C.T
CM = np.stack([maxpool(CS[i], cp) for i in range(len(qids))])
SS = Q @ S.T
SM = np.stack([maxpool(SS[i], sp) for i in range(len(qids))])
evaluate(lambda i: SM[i], label="dense sentence max")
evaluate(lambda i: fuse_z([SM[i], L[i]], [0.6, 0.4]), label="z sent+lex")
for ws in [0.2, 0.3, 0.4]:
    for wl in [0.35, 0.4]:
        wc = 1 - ws - wl
        evaluate(lambda i: fuse_z([CM[i], L[i], SM[i]], [wc, wl, ws]), label=f"z chunk {wc:.2f} lex {wl} sent {ws}")
np.save(E + "SM.npy", SM); np.save(E + "CM.npy", CM)
