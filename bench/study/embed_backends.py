"""Study (issue 10): sentences/s of torch against the ONNX exports in /tmp/onnx, and each
export's cosine to torch, on 150 SciFact abstracts' sentences (title prefix).
    .venv/bin/python bench/study/embed_backends.py"""
import json, time, numpy as np, onnxruntime as ort, sys
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[2]))
from tokenizers import Tokenizer
from assistant.ingest.chunking import sentences
src = str(__import__("assistant.runtime.models", fromlist=["x"]).resolve_embedder(__import__("assistant").Settings())[1])
docs = [json.loads(l) for l in open("/work/shared/data/scifact/corpus.jsonl")][:150]
sents = [f"{d['title']}\n{s}" for d in docs for s in sentences(d["text"])]
abstracts = [f"{d['title']}\n{d['text']}" for d in docs]
print(len(sents), "sentences")
tok = Tokenizer.from_file(src + "/tokenizer.json")
def run(sess, texts, maxlen=256, bs=32):
    tok.enable_truncation(maxlen); tok.enable_padding()
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = [None]*len(texts)
    for i in range(0, len(order), bs):
        idx = order[i:i+bs]
        enc = tok.encode_batch([texts[j] for j in idx])
        ids = np.array([e.ids for e in enc], dtype=np.int64); mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        h = sess.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
        v = (h * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        for j, row in zip(idx, v): out[j] = row
    return np.stack(out)
opts = ort.SessionOptions(); opts.intra_op_num_threads = 2
res = {}
for name in ["int8", "int8pc", "int8mm"]:
    s = ort.InferenceSession(f"/tmp/onnx/{name}.onnx", opts, providers=["CPUExecutionProvider"])
    run(s, sents[:64])
    t = time.time(); res[name] = run(s, sents); dt = time.time() - t
    print(name, "sent/s", len(sents)/dt)
    t = time.time(); run(s, abstracts, maxlen=512, bs=8); dt = time.time() - t
    print(name, "abstracts/s (one pass, 512)", len(abstracts)/dt)
from sentence_transformers import SentenceTransformer
st = SentenceTransformer(src, device="cpu")
t = time.time(); ref = st.encode(sents, batch_size=32, normalize_embeddings=True); dt = time.time()-t
print("torch sent/s", len(sents)/dt)
for name, v in res.items(): print(name, "cos to torch min/mean", (v*ref).sum(1).min(), (v*ref).sum(1).mean())
