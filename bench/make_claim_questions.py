"""Build the SciFact claim question set: train claims asked in three forms.

    .venv/bin/python bench/make_claim_questions.py --out eval/scifact_claims.jsonl

A right answer is a verdict that cites a paper the claim cites (`gold`); the label is kept
to report verdict accuracy beside it.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

FORMS = ("Is it true that {lower}?", "{claim} True or false?", "Claim: {claim}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", default="../shared/data/scifact/claims_train.jsonl")
    parser.add_argument("--per-label", type=int, default=20)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", default="eval/scifact_claims.jsonl")
    args = parser.parse_args()
    claims = [json.loads(line) for line in Path(args.claims).read_text().splitlines() if line]
    rng = random.Random(args.seed)
    rng.shuffle(claims)
    picked = []
    for label in ("SUPPORT", "CONTRADICT", "NOINFO"):
        picked += [c for c in claims if c["label"] == label and c["cited"]][:args.per_label]
    with open(args.out, "w", encoding="utf-8") as out:
        for c in picked:
            claim = c["claim"].strip().rstrip(".")
            lower = claim if claim[:2].isupper() or claim[1:2].isdigit() else \
                claim[:1].lower() + claim[1:]
            for f, form in enumerate(FORMS):
                text = form.format(claim=claim + ".", lower=lower)
                out.write(json.dumps({"id": f"c{c['id']}-{f}", "question": text,
                                      "gold": sorted(c["evidence"] or c["cited"]),
                                      "answers": [], "kind": "claim",
                                      "label": c["label"]}) + "\n")
    print(f"{len(picked)} claims, {3 * len(picked)} questions -> {args.out}")


if __name__ == "__main__":
    main()
