"""The retrieval relevance signal as an abstention rule, on the bundled corpus.

    .venv/bin/python bench/abstention.py

Answerable: the questions of eval/questions.jsonl with gold papers (40). Out of corpus: its
6 unanswerable questions and eval/out_of_corpus.jsonl (10 in-domain ML questions the corpus
does not cover, 10 general ones). Prints the false-decline and false-answer rates at the
configured `min_relevance` and across thresholds.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant, Settings  # noqa: E402


def main() -> None:
    settings = Settings.from_env(data_dir=str(ROOT / ".assistant" / "bench-index"))
    assistant = Assistant(settings)
    assistant.ensure_bundled()
    rows = []
    for name in ("questions.jsonl", "out_of_corpus.jsonl"):
        for line in (ROOT / "eval" / name).read_text().splitlines():
            q = json.loads(line)
            if q.get("after"):
                continue  # a follow-up is searched as rewritten from its conversation
            top = assistant.search(q["question"], k=1)
            rows.append((q["id"], bool(q.get("gold")), top[0].relevance if top else 0.0))
    answerable = [r for r in rows if r[1]]
    outside = [r for r in rows if not r[1]]

    def rates(threshold: float) -> tuple[int, int]:
        return (sum(r[2] < threshold for r in answerable), sum(r[2] >= threshold for r in outside))

    fd, fa = rates(settings.min_relevance)
    print(f"min_relevance {settings.min_relevance}: false declines {fd}/{len(answerable)}, "
          f"false answers (passed on to the model) {fa}/{len(outside)}")
    for threshold in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7):
        fd, fa = rates(threshold)
        print(f"  threshold {threshold:.1f}: false declines {fd:2d}  false answers {fa:2d}")
    print("passed on:", [r[0] for r in outside if r[2] >= settings.min_relevance])
    print("declined answerable:", [r[0] for r in answerable if r[2] < settings.min_relevance])


if __name__ == "__main__":
    main()
