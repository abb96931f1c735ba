"""Refit the zscore fusion weights for the int8 late-chunked embedder on SciFact train:
collect each query's candidate signals once through the product's search, re-fuse offline.
Chosen on the odd-numbered queries, checked on the even ones.

    .venv/bin/python bench/study/fusion_sweep.py .assistant/scifact2
"""
import itertools
import sys

import numpy as np

from assistant.evaluation.retrieval import load_beir
from assistant.evaluation.metrics import ndcg_at
from assistant.pipeline import Assistant
from assistant.search.retrieval import _z
from assistant.settings import Settings

a = Assistant(Settings(data_dir=sys.argv[1]))
_, queries, qrels = load_beir("../shared/data/scifact", "train")
r = a.retriever
captured = {}
orig = r._fuse


def spy(dense, lex, mode, extra=()):
    captured["x"] = (dense.copy(), lex.copy(), [e[1].copy() for e in extra])
    return orig(dense, lex, mode, extra)


r._fuse = spy
orig_dense = r._dense


def spy_dense(best_chunk, paper_vecs, query_vec):
    captured["pv"] = paper_vecs @ query_vec
    return orig_dense(best_chunk, paper_vecs, query_vec)


r._dense = spy_dense
rows = []
orig_at = r._at
for qid, text in queries.items():
    ids_box = {}

    def at(scores, ids, _box=ids_box):
        _box["ids"] = list(ids)
        return orig_at(scores, ids)

    r._at = at
    a.search(text, k=10)
    dense, lex, extra = captured["x"]
    rows.append((qid, ids_box["ids"], dense, lex, extra + [captured["pv"]]))
r._at = orig_at


def score(dw, sw, cw, subset, pw=0.0):
    out = []
    for i, (qid, ids, dense, lex, extra) in enumerate(rows):
        if i % 2 != subset:
            continue
        fused = dw * _z((1 - pw) * dense + pw * extra[2]) + (1 - dw) * _z(lex) + sw * _z(extra[0]) + cw * _z(extra[1])
        ranking = [ids[j] for j in np.argsort(-fused, kind="stable")]
        out.append(ndcg_at(ranking, qrels[qid], 10))
    return float(np.mean(out))


print("current (0.6, 0.3, 0.3): odd %.4f even %.4f" % (score(0.6, 0.3, 0.3, 1), score(0.6, 0.3, 0.3, 0)))
grid = list(itertools.product([0.4, 0.5, 0.6, 0.7], [0, 0.15, 0.3, 0.5, 0.8], [0, 0.15, 0.3, 0.5]))
ranked = sorted(grid, key=lambda g: -score(*g, 1))
for g in ranked[:8]:
    print(g, "odd %.4f even %.4f all %.4f" % (score(*g, 1), score(*g, 0),
                                              (score(*g, 1) + score(*g, 0)) / 2))

for pw in (0.1, 0.2, 0.3, 0.5):
    print("paper vector", pw, "odd %.4f even %.4f" % (score(0.6, 0.3, 0.3, 1, pw), score(0.6, 0.3, 0.3, 0, pw)))
