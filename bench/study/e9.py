from ev import *
import itertools
S = np.load(E + "S.npy"); sp = np.array([pos[p] for p in pickle.load(open(E + "sent_pid.pkl", "rb"))])
CM = np.load(E + "CM.npy"); SM = np.load(E + "SM.npy")
SS = Q @ S.T
# second-best sentence per paper
order = np.argsort(sp, kind="stable")
def top2(i):
    s = SS[i]
    best = np.full(N, -1.0, np.float32); second = np.full(N, -1.0, np.float32)
    for j in range(len(s)):
        p = sp[j]; v = s[j]
        if v > best[p]: second[p] = best[p]; best[p] = v
        elif v > second[p]: second[p] = v
    second = np.where(second < -0.5, best, second)
    return second
S2 = np.stack([top2(i) for i in range(len(qids))])
np.save(E + "S2.npy", S2)
for b in [0.3, 0.5]:
    evaluate(lambda i: fuse_z([SM[i] + b * S2[i], L[i]], [0.6, 0.4]), label=f"z (sent max + {b} second)+lex")
    evaluate(lambda i: fuse_z([CM[i], L[i], SM[i] + b * S2[i]], [0.3, 0.4, 0.3]), label=f"z chunk+lex+(sent+{b}second)")
