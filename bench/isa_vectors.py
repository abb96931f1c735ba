"""How much the int8 embedder's vectors differ between CPUs, and how much the test suite's
noise (TEST_VECTOR_NOISE, tests/noise/sitecustomize.py) moves them.

    .venv/bin/python bench/isa_vectors.py --out /tmp/native.npy
    qemu-x86_64 -cpu Haswell .venv/bin/python bench/isa_vectors.py --out /tmp/avx2.npy
    .venv/bin/python bench/isa_vectors.py --compare /tmp/native.npy /tmp/avx2.npy
    .venv/bin/python bench/isa_vectors.py --noise 0.02 --compare /tmp/native.npy

The texts: the first 120 chunk texts of the bundled corpus (title and abstract) and the
bundled questions. Under qemu with `-cpu Haswell` the CPU reports AVX2 but no AVX-512 or VNNI,
so onnxruntime takes its AVX2 int8 kernels, as on a laptop without AVX-512.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Settings  # noqa: E402
from assistant.ingest.corpus import read_corpus  # noqa: E402
from assistant.runtime.models import resolve_onnx  # noqa: E402
from assistant.search.embedding import OnnxEmbedder  # noqa: E402
from assistant.settings import bundled_corpus  # noqa: E402


def texts(limit: int | None = None) -> list[str]:
    papers = read_corpus(bundled_corpus()).papers
    chunks = [f"{p.title}\n{p.abstract[:700]}" for p in papers][:120]
    questions = [json.loads(line)["question"] for line in
                 (ROOT / "eval" / "questions.jsonl").read_text().splitlines() if line.strip()]
    both = chunks + questions
    return both[:limit] if limit else both


def embed(noise: float, limit: int | None = None) -> np.ndarray:
    if noise:
        sys.path.insert(0, str(ROOT / "tests" / "noise"))
        from sitecustomize import perturb

        perturb(noise)
    return np.asarray(OnnxEmbedder(resolve_onnx(Settings()), name="x", threads=2).embed(texts(limit)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out")
    parser.add_argument("--noise", type=float, default=0.0)
    parser.add_argument("--compare", nargs="+")
    parser.add_argument("--limit", type=int, help="only the first N texts (qemu is slow)")
    args = parser.parse_args()
    if args.out:
        np.save(args.out, embed(args.noise, args.limit))
        return
    a = np.load(args.compare[0])
    b = np.load(args.compare[1]) if len(args.compare) > 1 else embed(args.noise, args.limit)
    a = a[:len(b)]
    cos = (a * b).sum(axis=1)
    gap = 1 - cos
    print(json.dumps({"vectors": len(cos), "cosine_min": round(float(cos.min()), 6),
                      "one_minus_cosine_median": float(np.median(gap)),
                      "one_minus_cosine_max": float(gap.max()),
                      "max_abs_component": float(np.abs(a - b).max())}, indent=2))


if __name__ == "__main__":
    main()
