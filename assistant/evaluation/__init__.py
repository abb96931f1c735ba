"""Evaluation, apart from the product's stages: retrieval quality on a BEIR folder
(`retrieval`), answer quality on a question file (`qa`), and the metrics and the one percentile
helper they and the benchmarks under `bench/` share (`metrics`). The CLI's `assistant eval`
runs these on a user's own data.

May import: `assistant.pipeline` and everything below it; nothing in the product imports it but
the CLI's `eval` command.
"""
