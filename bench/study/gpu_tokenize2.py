"""Why the tokenizer slows inside the embedder (run on the device)."""
import sys
import time

from assistant.ingest.corpus import read_corpus
from assistant.pipeline import Assistant
from assistant.settings import Settings

texts = [f"{p.title}\n{p.abstract}" for p in read_corpus(sys.argv[1]).papers]
embedder = Assistant(Settings(data_dir="/tmp/prof2")).embedder
tok = embedder._tokenizers_pair()[1]


def rate(label):
    t = time.perf_counter()
    tok.encode_batch(texts)
    print(label, "papers/s", round(len(texts) / (time.perf_counter() - t)), flush=True)


rate("fresh")
import torch  # noqa: E402

torch.zeros(1).cuda()
rate("after cuda init")
embedder.embed(["warm up"] * 64)
rate("after a forward pass")
rate("again")
torch.set_num_threads(1)
rate("torch threads 1")
