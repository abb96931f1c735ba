"""Study (issue 10): late-chunking throughput (papers/s, model only) by batch size and window.
    .venv/bin/python bench/study/late_batches.py [CORPUS.jsonl]   (default: SciFact's, as
    ../shared/data/scifact/corpus.jsonl from the repo root)"""
import json, time, sys
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[2]))
from assistant.search.embedding import OnnxEmbedder, Document
from assistant.text.sentences import split_sentences
corpus = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/scifact/corpus.jsonl"
docs = [json.loads(l) for l in open(corpus)][:160]
D = [Document(d["title"], d["text"], split_sentences(d["text"]), split_sentences(d["text"])) for d in docs]
for bs, win in [(8, 256), (4, 256), (32, 256)]:
    e = OnnxEmbedder("models/all-MiniLM-L6-v2-onnx-int8", name="x", batch_size=bs, window_tokens=win)
    e.embed_spans(D[:8])
    t = time.time(); e.embed_spans(D); print(bs, win, "papers/s", len(D) / (time.time() - t))
