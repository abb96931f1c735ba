"""Ingest on a GPU: SciFact through the product's own `Assistant.ingest` with the embedder on
the GPU (picked by `embedder_backend=auto`, no setting changed), against the same machine's
CPU, and the agreement of the GPU's float16 vectors with float32 ones.

Run on the `device` machine (see docs/benchmarks.md for the carry recipe):

    python3 bench/gpu_ingest.py CORPUS.jsonl --out $OUT/gpu_ingest.json
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.ingest.corpus import read_corpus  # noqa: E402
from assistant.ingest.write import document  # noqa: E402
from assistant.pipeline import Assistant  # noqa: E402
from assistant.search.embedding import Document, TorchLateEmbedder  # noqa: E402
from assistant.settings import Settings  # noqa: E402


def documents(papers, settings: Settings) -> list[Document]:
    return [document(p, settings)[1] for p in papers]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--work", type=Path, default=Path("/tmp/gpu-ingest"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--cpu-papers", type=int, default=300)
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    result: dict = {}
    settings = Settings(data_dir=args.work / "gpu")
    gpu = Assistant(settings)
    embedder = gpu.embedder  # auto: the GPU when torch sees one
    result["auto_embedder"] = f"{type(embedder).__name__} on {getattr(embedder, 'device', 'cpu')}"
    papers = read_corpus(args.corpus).papers
    docs = documents(papers, settings)
    embedder.embed_spans(docs[:64])  # load and warm up
    import torch

    torch.cuda.synchronize()
    start = time.perf_counter()
    matrices = embedder.embed_spans(docs)
    torch.cuda.synchronize()
    embed_s = time.perf_counter() - start
    result["embed_only_papers_per_s"] = len(docs) / embed_s
    result["gpu"] = torch.cuda.get_device_name(0)

    start = time.perf_counter()
    report = gpu.ingest(args.corpus)
    ingest_s = time.perf_counter() - start
    result["ingest"] = report.summary()
    result["ingest_papers_per_s"] = report.added / ingest_s
    result["ingest_s"] = ingest_s
    start = time.perf_counter()
    again = gpu.ingest(args.corpus)
    result["reingest_unchanged_s"] = time.perf_counter() - start
    result["reingest"] = again.summary()
    hits = gpu.search("Vitamin D deficiency and the risk of infection", k=3)
    result["search_example"] = [h.title[:80] for h in hits]

    # the same machine's CPU: the same weights in float32 (the int8 export's agreement with
    # float32 torch is measured on the laptop: docs/benchmarks.md)
    cpu = TorchLateEmbedder(embedder.path, name="cpu", device="cpu")
    n = args.cpu_papers
    start = time.perf_counter()
    cpu_mats = cpu.embed_spans(docs[:n])
    result["cpu_fp32_embed_papers_per_s"] = n / (time.perf_counter() - start)
    result["cpu_threads"] = torch.get_num_threads()
    cos = np.concatenate([np.sum(a * b, axis=1) for a, b in
                          zip(matrices[:n], cpu_mats, strict=True)])
    result["gpu_fp16_vs_cpu_fp32_cosine"] = {"median": float(np.median(cos)),
                                             "min": float(cos.min())}
    print(json.dumps(result, indent=1))
    args.out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
