"""The evidence scorer's cost on this CPU: for each question of a set, the time to score every
abstract sentence of its top-k sources (what `ask` does before the prompt is built), against
the time the sentence cosines it replaced took (the query embedded, stored vectors multiplied).

    .venv/bin/python bench/scorer_speed.py --data-dir IDX [--questions eval/questions.jsonl]
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

from assistant import Assistant, Settings  # noqa: E402
from assistant.evaluation.qa import load_questions  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--questions", default=str(ROOT / "eval" / "questions.jsonl"))
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    a = Assistant(Settings.from_env(data_dir=args.data_dir, n_threads=args.threads))
    questions = [q.question for q in load_questions(args.questions)]
    a.answer_probs(questions[0], a.search(questions[0], 5))  # load both models
    a.retriever.sentence_cosines(questions[0], [])
    scorer, cosine, pairs = [], [], []
    for q in questions:
        sources = a.search(q, a.settings.top_k)
        start = time.perf_counter()
        probs = a.answer_probs(q, sources)
        scorer.append(time.perf_counter() - start)
        pairs.append(sum(len(v) for v in probs.values()))
        start = time.perf_counter()
        a.retriever.sentence_cosines(q, [s.paper_id for s in sources])
        cosine.append(time.perf_counter() - start)
    med = statistics.median
    print(json.dumps({"questions": len(questions), "threads": args.threads,
                      "sentences_per_question_median": med(pairs),
                      "scorer_ms_median": round(1000 * med(scorer), 1),
                      "scorer_ms_p95": round(1000 * sorted(scorer)[int(0.95 * len(scorer))], 1),
                      "cosines_ms_median": round(1000 * med(cosine), 1),
                      "ratio_median": round(med(scorer) / med(cosine), 1)}, indent=2))


if __name__ == "__main__":
    main()
