"""Is the tokenizer parallel? encode_batch alone, then split over threads (run on the device).
    python3 bench/study/gpu_tokenize.py CORPUS.jsonl TOKENIZER.json"""
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from tokenizers import Tokenizer

from assistant.ingest.corpus import read_corpus

texts = [f"{p.title}\n{p.abstract}" for p in read_corpus(sys.argv[1]).papers]
tok = Tokenizer.from_file(sys.argv[2])
tok.no_truncation()
tok.no_padding()
print("TOKENIZERS_PARALLELISM", os.environ.get("TOKENIZERS_PARALLELISM"), "cpus", os.cpu_count())
t = time.perf_counter()
tok.encode_batch(texts)
print("encode_batch papers/s", len(texts) / (time.perf_counter() - t), flush=True)
for workers in (4, 16):
    parts = [texts[i::workers] for i in range(workers)]
    with ThreadPoolExecutor(workers) as pool:
        t = time.perf_counter()
        list(pool.map(tok.encode_batch, parts))
        print(workers, "threads papers/s", len(texts) / (time.perf_counter() - t), flush=True)
