"""QA evaluation on the bundled corpus: retrieval hit@5, answer accuracy, citation precision.

    .venv/bin/python bench/qa_eval.py [--model qwen2.5-coder-0.5b] [--out bench/results/qa.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant, Settings  # noqa: E402
from assistant.evaluation.qa import load_questions, run  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", default=str(ROOT / "eval" / "questions.jsonl"))
    parser.add_argument("--model", default=None)
    parser.add_argument("--data-dir", default=str(ROOT / ".assistant" / "bench-index"))
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    assistant = Assistant(Settings.from_env(data_dir=args.data_dir, model=args.model))
    assistant.ensure_bundled()
    report = run(assistant, load_questions(args.questions),
                 progress=lambda i, n: print(f"\r{i}/{n}", end="", file=sys.stderr))
    print(file=sys.stderr)
    summary = {k: v for k, v in report.items() if k != "details"}
    print(json.dumps(summary, indent=2))
    for d in report["details"]:
        if not d["correct"]:
            print(f"MISS {d['id']}: {d['question']}\n     -> {d['text'][:200]} {d['cited']}")
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
