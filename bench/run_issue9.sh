#!/usr/bin/env bash
# Every QA figure of issue 9, one after another (one heavy job at a time on 2 cores).
#   bash bench/run_issue9.sh            # the default 0.5B model on every set, then the benchmarks
#   bash bench/run_issue9.sh qa         # the QA sets only
#   bash bench/run_issue9.sh 1.5b       # the 1.5B model on the dev, SciFact factoid/near-miss and held-out sets
# Results: bench/results/qa9b-*.json (round 2; round 1's files are qa9-*.json).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
R=bench/results
SF=${SF:-.assistant/scifact}  # assistant ingest ../shared/data/scifact/corpus.jsonl --data-dir .assistant/scifact
qa() { $PY bench/qa_eval.py "$@" > /dev/null 2>&1; }
if [[ "${1:-}" == "1.5b" ]]; then
  M=qwen2.5-coder-1.5b
  qa --model $M --data-dir $SF --questions eval/scifact_nearmiss.jsonl --out $R/qa9b-scifact-nearmiss-1.5b.json
  qa --model $M --questions eval/questions.jsonl --out $R/qa9b-questions-1.5b.json
  qa --model $M --data-dir $SF --questions eval/scifact_factoid.jsonl --out $R/qa9b-scifact-factoid-1.5b.json
  qa --model $M --questions eval/heldout.jsonl --out $R/qa9b-heldout-1.5b.json
  exit 0
fi
for set in questions heldout heldout2 heldout3 out_of_corpus; do
  qa --questions eval/$set.jsonl --out $R/qa9b-$set.json
done
qa --data-dir $SF --questions eval/scifact_factoid.jsonl --out $R/qa9b-scifact-factoid.json
qa --data-dir $SF --questions eval/scifact_nearmiss.jsonl --out $R/qa9b-scifact-nearmiss.json
qa --data-dir $SF --questions eval/scifact_claims.jsonl --out $R/qa9b-scifact-claims.json
qa --data-dir $SF --questions eval/scifact_ml_questions.jsonl --out $R/qa9b-scifact-ml.json
[[ "${1:-}" == "qa" ]] && exit 0
$PY bench/verdict_margin.py --data-dir $SF --out $R/verdict-margin.json > /dev/null 2>&1
$PY bench/stream_bench.py --runs 3 --out $R/stream9.json > $R/stream9.txt 2>&1
$PY bench/prompt_lookup.py --limit 16 --out $R/prompt-lookup.json > /dev/null 2>&1
$PY bench/fit_relevance.py --scifact-dir $SF --out $R/relevance-fit.json > /dev/null 2>&1
