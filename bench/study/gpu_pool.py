"""Separate-pass embedding on a GPU: token states copied back and pooled in numpy (before)
against pooled on the GPU (`embed_matrix`, after); same vectors, papers/s for SciFact.
    python3 bench/study/gpu_pool.py CORPUS.jsonl --out $OUT/gpu_pool.json"""
import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from assistant.ingest.corpus import read_corpus  # noqa: E402
from assistant.search.embedding import TorchLateEmbedder, _encode, embed_documents, unit  # noqa: E402
from assistant.ingest.write import document  # noqa: E402
from assistant.runtime.models import resolve_embedder  # noqa: E402
from assistant.settings import Settings  # noqa: E402


def before(e, texts):
    query, _ = e._tokenizers_pair()
    hidden = e._run(_encode(query, list(texts)))
    return np.asarray(np.stack([unit(h.mean(axis=0)) for h in hidden]).tolist(), np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    import torch
    s = Settings(data_dir="/tmp/unused")
    docs = [document(p, s)[1] for p in read_corpus(a.corpus).papers]
    texts = [f"{d.title}\n{d.body[x:y]}" for d in docs for x, y in d.spans]
    _, folder = resolve_embedder(s)
    e = TorchLateEmbedder(folder, name="g", device="cuda", batch_size=1024)
    e.embed_matrix(texts[:2048]), before(e, texts[:2048])  # load, warm up
    out = {"papers": len(docs), "texts": len(texts)}
    for name, fn in (("before_copy_all_tokens", lambda: before(e, texts)),
                     ("after_pooled_on_gpu", lambda: e.embed_matrix(texts)),
                     ("embed_documents", lambda: embed_documents(e, docs, late=False))):
        torch.cuda.synchronize()
        t = time.perf_counter()
        result = fn()
        torch.cuda.synchronize()
        dt = time.perf_counter() - t
        out[name] = {"s": round(dt, 2), "papers_per_s": round(len(docs) / dt, 1)}
        if name == "before_copy_all_tokens":
            ref = result
        elif name == "after_pooled_on_gpu":
            cos = np.sum(ref * result, axis=1)
            out["cosine_after_vs_before"] = {"min": float(cos.min()), "median": float(np.median(cos))}
    print(json.dumps(out, indent=1))
    Path(a.out).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
