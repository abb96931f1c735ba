"""Load the model before the tokenizer's first parallel use (run on the device)."""
import sys
import time

import numpy as np

from assistant.ingest.corpus import read_corpus
from assistant.pipeline import Assistant
from assistant.settings import Settings

texts = [f"{p.title}\n{p.abstract}" for p in read_corpus(sys.argv[1]).papers]
embedder = Assistant(Settings(data_dir="/tmp/prof3")).embedder
ids = np.ones((2, 8), dtype=np.int64)
embedder._forward(ids, ids)  # loads the model: any fork happens now
tok = embedder._tokenizers_pair()[1]
for label in ("model first", "again"):
    t = time.perf_counter()
    tok.encode_batch(texts)
    print(label, "papers/s", round(len(texts) / (time.perf_counter() - t)), flush=True)
embedder.embed(["warm up"] * 64)
t = time.perf_counter()
tok.encode_batch(texts)
print("after embed", "papers/s", round(len(texts) / (time.perf_counter() - t)), flush=True)
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

for workers in (4, 16):
    parts = [texts[i::workers] for i in range(workers)]
    with ThreadPoolExecutor(workers) as pool:
        t = time.perf_counter()
        list(pool.map(tok.encode_batch, parts))
        print(workers, "threads of encode_batch papers/s", round(len(texts) / (time.perf_counter() - t)), flush=True)
import os  # noqa: E402

print({k: v for k, v in os.environ.items() if "THREAD" in k or "TOKENIZERS" in k or "OMP" in k})
import torch  # noqa: E402

print("torch threads", torch.get_num_threads())
