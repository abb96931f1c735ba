"""Prompt-lookup decoding against plain decoding, on the same questions in one run.

    .venv/bin/python bench/prompt_lookup.py --questions eval/questions.jsonl \
        --out bench/results/prompt-lookup.json

For each question, `ask_stream()` runs once with each setting (alternating which goes first),
each on its own `Llama`; decode speed is (completion pieces - 1) / (time after the first
piece). Reports medians and the ratio to plain decoding, and whether the answers differ.
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
from assistant.evaluation.qa import load_questions  # noqa: E402


def _timed(assistant: Assistant, question: str) -> tuple[float, float, str]:
    start, first, pieces, answer = time.perf_counter(), None, 0, None
    for event in assistant.ask_stream(question):
        if isinstance(event, Answer):
            answer = event
        else:
            pieces += 1
            first = first or time.perf_counter()
    end = time.perf_counter()
    rate = (pieces - 1) / (end - first) if first and pieces > 1 and end > first else 0.0
    return (first or end) - start, rate, answer.text if answer else ""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", default=str(ROOT / "eval" / "questions.jsonl"))
    parser.add_argument("--lookup", type=int, nargs="+", default=[0, 2, 10])
    parser.add_argument("--limit", type=int, default=24)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    data_dir = str(ROOT / ".assistant" / "bench-index")
    runs = {n: Assistant(Settings.from_env(data_dir=data_dir, prompt_lookup=n))
            for n in args.lookup}
    runs[args.lookup[0]].ensure_bundled()
    questions = [q for q in load_questions(args.questions) if q.gold and not q.after]
    results: dict[int, list[tuple[float, float, str]]] = {n: [] for n in args.lookup}
    for i, q in enumerate(questions[:args.limit]):
        order = args.lookup if i % 2 == 0 else list(reversed(args.lookup))
        for n in order:
            results[n].append(_timed(runs[n], q.question))
        print(f"\r{i + 1}/{min(args.limit, len(questions))}", end="", file=sys.stderr)
    base = args.lookup[0]
    report = {}
    for n, rows in results.items():
        rates = [r[1] for r in rows if r[1] > 0]
        report[f"lookup_{n}"] = {
            "decode_tok_s_median": round(statistics.median(rates), 2) if rates else None,
            "first_token_s_median": round(statistics.median(r[0] for r in rows), 3),
            "same_answer_as_plain": sum(a[2] == b[2] for a, b in zip(rows, results[base],
                                                                       strict=True)),
            "questions": len(rows)}
    for n in args.lookup[1:]:
        a, b = report[f"lookup_{n}"], report[f"lookup_{base}"]
        if a["decode_tok_s_median"] and b["decode_tok_s_median"]:
            a["decode_ratio_to_plain"] = round(a["decode_tok_s_median"] / b["decode_tok_s_median"], 3)
    print(file=sys.stderr)
    print(json.dumps(report, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
