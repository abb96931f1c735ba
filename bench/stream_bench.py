"""Time to first token and decode speed of `ask_stream()` against raw llama-cpp-python
generating from the same final prompt (same Llama instance, KV cache reset before each run).

    .venv/bin/python bench/stream_bench.py [--runs 3] [--model qwen2.5-coder-0.5b]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Answer, Assistant, Settings  # noqa: E402
from assistant.generation import LlamaCppGenerator  # noqa: E402
from assistant.models import resolve_model  # noqa: E402

QUESTIONS = [
    "What accuracy does DeepSeek-Prover reach on the miniF2F test?",
    "What kind of reward does SWE-RL use?",
    "How much does DeepSpeed-MoE reduce MoE model size?",
    "What search method does rStar-Math use for deep thinking?",
]


class Recording(LlamaCppGenerator):
    """The real generator, remembering the last messages it was given."""

    last_messages: list = []

    def stream(self, messages, **kw):
        self.last_messages = list(messages)
        self.llm.reset()  # no KV-cache reuse, as for the raw run
        return super().stream(messages, **kw)


def timed(events) -> tuple[float, float, int]:
    """(time to first piece, decode tokens/s after it, pieces)."""
    start = time.perf_counter()
    first = last = None
    n = 0
    for event in events:
        if isinstance(event, (str,)) and event:
            now = time.perf_counter()
            first = first if first is not None else now
            last = now
            n += 1
    ttft = (first or time.perf_counter()) - start
    tps = (n - 1) / (last - first) if n > 1 and last > first else float("nan")
    return ttft, tps, n


def raw_stream(gen: LlamaCppGenerator, messages, max_tokens: int):
    gen.llm.reset()
    for chunk in gen.llm.create_chat_completion(messages=messages, max_tokens=max_tokens,
                                                temperature=0.0, stream=True, seed=0):
        piece = chunk["choices"][0]["delta"].get("content")
        if piece:
            yield piece


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--model", default=None)
    parser.add_argument("--data-dir", default=str(ROOT / ".assistant" / "bench-index"))
    args = parser.parse_args()
    settings = Settings.from_env(data_dir=args.data_dir, model=args.model)
    gen = Recording(resolve_model(settings), n_ctx=settings.n_ctx, n_threads=settings.n_threads,
                    n_gpu_layers=settings.n_gpu_layers)
    assistant = Assistant(settings, generator=gen)
    assistant.ensure_bundled()
    assistant.ask("warm up")  # load models
    rows = []
    for question in QUESTIONS:
        for _ in range(args.runs):
            ours = timed(e for e in assistant.ask_stream(question) if not isinstance(e, Answer))
            messages = gen.last_messages
            raw = timed(raw_stream(gen, messages, settings.max_tokens))
            rows.append({"question": question, "ours": ours, "raw": raw,
                         "prompt_tokens": gen.count_tokens(messages)})
    med = statistics.median
    report = {
        "runs": len(rows),
        "prompt_tokens_median": med(r["prompt_tokens"] for r in rows),
        "ttft_s_ours_median": round(med(r["ours"][0] for r in rows), 3),
        "ttft_s_raw_median": round(med(r["raw"][0] for r in rows), 3),
        "ttft_ratio_ours_over_raw": round(med(r["ours"][0] for r in rows)
                                          / med(r["raw"][0] for r in rows), 3),
        "decode_tps_ours_median": round(med(r["ours"][1] for r in rows), 2),
        "decode_tps_raw_median": round(med(r["raw"][1] for r in rows), 2),
        "decode_ratio_ours_over_raw": round(med(r["ours"][1] for r in rows)
                                            / med(r["raw"][1] for r in rows), 3),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
