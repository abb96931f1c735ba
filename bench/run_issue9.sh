#!/usr/bin/env bash
# Every QA figure of issue 9, one after another (one heavy job at a time on 2 cores).
#   bash bench/run_issue9.sh            # the default 0.5B model, then the benchmarks
#   MODELS="qwen2.5-coder-1.5b" bash bench/run_issue9.sh 1.5b   # the 1.5B runs only
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
R=bench/results
SF=.assistant/scifact  # assistant ingest ../shared/data/scifact/corpus.jsonl --data-dir .assistant/scifact
qa() { $PY bench/qa_eval.py "$@" > /dev/null 2>&1; }
if [[ "${1:-}" == "1.5b" ]]; then
  qa --model qwen2.5-coder-1.5b --data-dir $SF --questions eval/scifact_factoid.jsonl --out $R/qa9-scifact-factoid-1.5b.json
  qa --model qwen2.5-coder-1.5b --data-dir $SF --questions eval/scifact_nearmiss.jsonl --out $R/qa9-scifact-nearmiss-1.5b.json
  qa --model qwen2.5-coder-1.5b --questions eval/questions.jsonl --out $R/qa9-dev-1.5b.json
  exit 0
fi
for set in questions heldout heldout2 heldout3 out_of_corpus; do
  qa --questions eval/$set.jsonl --out $R/qa9-$set.json
done
qa --data-dir $SF --questions eval/scifact_factoid.jsonl --out $R/qa9-scifact-factoid.json
qa --data-dir $SF --questions eval/scifact_nearmiss.jsonl --out $R/qa9-scifact-nearmiss.json
qa --data-dir $SF --questions eval/scifact_claims.jsonl --out $R/qa9-scifact-claims.json
qa --data-dir $SF --questions eval/scifact_ml_questions.jsonl --out $R/qa9-scifact-ml.json
$PY bench/stream_bench.py --runs 3 --out $R/stream9.json > $R/stream9.txt 2>&1
$PY bench/prompt_lookup.py --limit 16 --out $R/prompt-lookup.json > /dev/null 2>&1
$PY bench/fit_relevance.py --scifact-dir $SF --out $R/relevance-fit.json > /dev/null 2>&1
