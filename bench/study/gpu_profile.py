"""Where the GPU ingest's embedding time goes (run on the device; see docs/benchmarks.md)."""
import cProfile
import pstats
import sys
import time

from assistant.ingest.corpus import read_corpus
from assistant.pipeline import Assistant
from assistant.settings import Settings
from bench.gpu_ingest import documents

settings = Settings(data_dir="/tmp/prof")
embedder = Assistant(settings).embedder
docs = documents(read_corpus(sys.argv[1]).papers[:3000], settings)
embedder.embed_spans(docs[:64])
for batch in (256, 1024):
    embedder.batch_size = batch
    t = time.perf_counter()
    embedder.embed_spans(docs)
    print("batch", batch, "papers/s", len(docs) / (time.perf_counter() - t), flush=True)
tok = embedder._tokenizers_pair()[1]
t = time.perf_counter()
tok.encode_batch([f"{d.title}\n{d.body}" for d in docs])
print("tokenize only papers/s", len(docs) / (time.perf_counter() - t))
profile = cProfile.Profile()
profile.enable()
embedder.embed_spans(docs)
profile.disable()
pstats.Stats(profile).sort_stats("tottime").print_stats(18)
