"""Time to first token and decode speed of `ask_stream()` against raw llama-cpp-python
generating from the same final prompt (same Llama instance), and prompt tokens before and after
context compression.

Before every run, ours and raw alike, the KV cache holds exactly the static instructions (the
system message), as it does between questions in use: "warm" figures. "Cold" runs reset the
cache first, as for the very first question after start-up.

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

from dataclasses import replace  # noqa: E402

from assistant import Answer, Assistant, Settings  # noqa: E402
from assistant.answer import prompting  # noqa: E402
from assistant.answer.generation import LlamaCppGenerator  # noqa: E402
from assistant.runtime.models import resolve_model  # noqa: E402

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
        return super().stream(messages, **kw)


def prime(gen: LlamaCppGenerator, messages, *, cold: bool) -> None:
    """Leave the KV cache holding only the system message (or nothing, when cold)."""
    gen.llm.reset()
    if not cold:
        text = gen.format_prompt(messages[:1])
        gen.llm.eval(gen.llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))


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
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    settings = Settings.from_env(data_dir=args.data_dir, model=args.model)
    gen = Recording(resolve_model(settings), n_ctx=settings.n_ctx, n_threads=settings.n_threads,
                    n_gpu_layers=settings.n_gpu_layers)
    assistant = Assistant(settings, generator=gen)
    assistant.ensure_bundled()
    assistant.ask("warm up")  # load models
    system = prompting.render("", [])[0]
    rows = []
    for question in QUESTIONS:
        for run in range(args.runs + 1):
            cold = run == args.runs  # the last run of each question starts from an empty cache
            prime(gen, [system], cold=cold)  # outside the timings
            ours = timed(e for e in assistant.ask_stream(question) if not isinstance(e, Answer))
            messages = gen.last_messages
            prime(gen, [system], cold=cold)
            raw = timed(raw_stream(gen, messages, settings.max_tokens))
            sources = assistant.search(question, settings.top_k)
            whole = prompting.render(question, [replace(s, number=i, text=s.abstract) for i, s
                                                in enumerate(sources, start=1)])
            rows.append({"question": question, "cold": cold, "ours": ours, "raw": raw,
                         "prompt_tokens": gen.count_tokens(messages),
                         "system_tokens": gen.count_tokens(messages[:1]),
                         "uncompressed_prompt_tokens": gen.count_tokens(whole)})
    med = statistics.median
    cold_rows = [r for r in rows if r["cold"]]
    rows = [r for r in rows if not r["cold"]]
    report = {
        "runs": len(rows),
        "prompt_tokens_median": med(r["prompt_tokens"] for r in rows),
        "system_tokens (cached)": med(r["system_tokens"] for r in rows),
        "uncompressed_prompt_tokens_median": med(r["uncompressed_prompt_tokens"] for r in rows),
        "ttft_s_cold_ours_median": round(med(r["ours"][0] for r in cold_rows), 3),
        "ttft_s_cold_raw_median": round(med(r["raw"][0] for r in cold_rows), 3),
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
    if args.out:
        Path(args.out).write_text(json.dumps({"report": report, "rows": rows + cold_rows},
                                             indent=2))


if __name__ == "__main__":
    main()
