"""Train the evidence scorer: the packaged MiniLM's weights as a cross-encoder with one 3-way
head (0: states / answers / is relevant, 1: contradicts, 2: neither) and a task prefix on the
first text ("claim: ", "question: ", "query: "). Measured on the SciFact claims that the
training data left out (those of eval/scifact_claims.jsonl): their evidence sentences and two
other sentences of each evidence abstract. Imports nothing of the assistant: it runs on the GPU
machine with torch and transformers alone.

    python3 training/train.py --data training/data --minilm MODEL_DIR --shared ../shared/data \\
        --out /tmp/scorer --seed 0
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import time
from pathlib import Path

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

LABELS = {"entails": 0, "answers": 0, "2": 0, "1": 0, "contradicts": 1, "neutral": 2,
          "other": 2, "0": 2}
PREFIX = {"entail": "claim: ", "answer": "question: ", "relevance": "query: "}
_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")  # held-out sentences: a plain split is enough


def _jsonl(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def _balanced(rows: list[dict], rng: random.Random) -> list[dict]:
    """Each label of a task drawn as often as that task's most frequent label (with repeats)."""
    groups: dict[tuple[str, int], list[dict]] = {}
    for r in rows:
        groups.setdefault((r["task"], LABELS[r["label"]]), []).append(r)
    top = {task: max(len(g) for (t, _), g in groups.items() if t == task) for task, _ in groups}
    out = []
    for (task, _), group in groups.items():
        out += group + [rng.choice(group) for _ in range(top[task] - len(group))]
    return out


def examples(data: Path, rng: random.Random, limit: int | None,
             balance: bool = False) -> list[tuple[str, str, int]]:
    rows = [r for p in sorted(data.glob("pairs-*.jsonl.gz")) for r in _jsonl(p)]
    rows = _balanced(rows, rng) if balance else rows
    rng.shuffle(rows)
    out = [(PREFIX[r["task"]] + r["a"], r["b"], LABELS[r["label"]]) for r in rows]
    return out[:limit] if limit else out


def held_out(shared: Path, eval_dir: Path, rng: random.Random) -> list[tuple[str, str, int]]:
    ids = {str(q["id"])[1:].split("-")[0] for q in _jsonl(eval_dir / "scifact_claims.jsonl")}
    corpus = {str(d["_id"]): d["text"] for d in _jsonl(shared / "scifact" / "corpus.jsonl")}
    out = []
    for c in _jsonl(shared / "scifact" / "claims_train.jsonl"):
        if str(c["id"]) not in ids:
            continue
        for pid, evidence in c.get("evidence", {}).items():
            label = 0 if c["label"] == "SUPPORT" else 1
            out += [(PREFIX["entail"] + c["claim"], e, label) for e in evidence]
            others = [s for s in _SPLIT.split(corpus.get(pid, "")) if
                      not any(s in e or e in s for e in evidence)]
            out += [(PREFIX["entail"] + c["claim"], s, 2) for s in rng.sample(others, min(2, len(others)))]
    return out


def predict(model, tok, pairs, device, batch=128) -> list[int]:
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(pairs), batch):
            a, b = zip(*[(p[0], p[1]) for p in pairs[i:i + batch]], strict=True)
            enc = tok(list(a), list(b), truncation=True, max_length=256, padding=True,
                      return_tensors="pt").to(device)
            out += model(**enc).logits.argmax(-1).tolist()
    return out


def report(pairs, predicted) -> dict:
    gold = [p[2] for p in pairs]
    per = {}
    for k, name in enumerate(("states", "contradicts", "neither")):
        tp = sum(g == k and p == k for g, p in zip(gold, predicted, strict=True))
        fp = sum(g != k and p == k for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == k and p != k for g, p in zip(gold, predicted, strict=True))
        prec, rec = tp / (tp + fp) if tp + fp else 0.0, tp / (tp + fn) if tp + fn else 0.0
        per[name] = {"n": gold.count(k), "precision": round(prec, 3), "recall": round(rec, 3)}
    accuracy = sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold)
    return {"accuracy": round(accuracy, 3), "classes": per}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--minilm", type=Path, required=True)
    parser.add_argument("--shared", type=Path, required=True)
    parser.add_argument("--eval-dir", type=Path, default=Path(__file__).resolve().parent.parent / "eval")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--limit", type=int, help="train on the first N pairs (a smoke run)")
    parser.add_argument("--balance", action="store_true", help="every label of a task as often")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    torch.manual_seed(args.seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    tok = AutoTokenizer.from_pretrained(args.minilm)
    model = AutoModelForSequenceClassification.from_pretrained(args.minilm, num_labels=3).to(device)
    train = examples(args.data, rng, args.limit, args.balance)
    test = held_out(args.shared, args.eval_dir, rng)
    before = report(test, predict(model, tok, test, device))
    optim = torch.optim.AdamW(model.parameters(), lr=args.lr)
    steps = args.epochs * ((len(train) + args.batch - 1) // args.batch)
    sched = torch.optim.lr_scheduler.LambdaLR(optim, lambda s: min(1.0, (s + 1) / (0.1 * steps))
                                              * max(0.0, 1 - s / steps))
    start = time.perf_counter()
    for epoch in range(args.epochs):
        rng.shuffle(train)
        model.train()
        for i in range(0, len(train), args.batch):
            a, b, y = zip(*train[i:i + args.batch], strict=True)
            enc = tok(list(a), list(b), truncation=True, max_length=256, padding=True,
                      return_tensors="pt").to(device)
            with torch.autocast(device, dtype=torch.bfloat16, enabled=device == "cuda"):
                loss = torch.nn.functional.cross_entropy(model(**enc).logits.float(),
                                                         torch.tensor(y, device=device))
            loss.backward()
            optim.step()
            sched.step()
            optim.zero_grad()
        print(f"epoch {epoch + 1}: loss {loss.item():.3f}", flush=True)
    seconds = time.perf_counter() - start
    after = report(test, predict(model, tok, test, device))
    args.out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(args.out)
    tok.save_pretrained(args.out)
    card = {"seed": args.seed, "train_pairs": len(train), "balance": args.balance,
            "epochs": args.epochs,
            "batch": args.batch, "lr": args.lr, "train_s": round(seconds, 1), "device": device,
            "held_out": "SciFact claims of eval/scifact_claims.jsonl (left out of the data): "
                        "evidence sentences and two other sentences of each evidence abstract",
            "held_out_pairs": len(test), "before_training": before, "after_training": after}
    (args.out / "training-card.json").write_text(json.dumps(card, indent=2) + "\n")
    print(json.dumps(card, indent=2))


if __name__ == "__main__":
    main()
