"""Prompt reading time of the default GGUF with and without llama.cpp's fused (flash)
attention, on one prompt of about 470 tokens read from an empty cache, the two `Llama`s
alternating in each round so that both see the same machine load.

    .venv/bin/python bench/study/flash_attn.py [--rounds 9]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from assistant import Settings  # noqa: E402
from assistant.runtime.hardware import import_llama  # noqa: E402
from assistant.runtime.models import resolve_model  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    llama = import_llama().Llama
    path = str(resolve_model(Settings()))
    text = (ROOT / "data" / "seed-abstracts.txt").read_text()[:2400]
    prompt = f"<|im_start|>user\n{text}\nSummarise.<|im_end|>\n<|im_start|>assistant\n"
    llms = {name: llama(model_path=path, n_ctx=4096, n_threads=args.threads, seed=0,
                        verbose=False, flash_attn=flash)
            for name, flash in (("plain", False), ("flash", True))}
    tokens = len(llms["plain"].tokenize(prompt.encode()))
    times: dict[str, list[float]] = {name: [] for name in llms}
    rates: dict[str, list[float]] = {name: [] for name in llms}
    for _ in range(args.rounds):
        for name, llm in llms.items():
            llm.reset()
            start = time.perf_counter()
            n, first = 0, 0.0
            for _ in llm.create_completion(prompt, max_tokens=33, stream=True, temperature=0):
                n += 1
                first = first or time.perf_counter()
            times[name].append(first - start)
            rates[name].append((n - 1) / (time.perf_counter() - first))
    plain, flash = (statistics.median(times[n]) for n in ("plain", "flash"))
    faster = sum(f < p for p, f in zip(times["plain"], times["flash"], strict=True))
    print(f"{tokens} prompt tokens, {args.rounds} rounds: first token plain {plain:.3f} s, "
          f"flash {flash:.3f} s (median), ratio {flash / plain:.3f}; flash faster in {faster} "
          f"rounds; decode plain {statistics.median(rates['plain']):.1f} tok/s, flash "
          f"{statistics.median(rates['flash']):.1f}")


if __name__ == "__main__":
    main()
