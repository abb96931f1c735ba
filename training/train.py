"""Train the evidence scorer: low-rank adapters (LoRA) on the packaged MiniLM-L6's linear layers,
its LayerNorms, and one head of five logits over the mean-pooled pair encoding:

    0 answers(question, sentence)        sigmoid
    1-3 entails / contradicts / neutral  softmax over the three (claim, sentence)
    4 relevant(question, title + abstract) sigmoid

Each first text carries its task's prefix ("question: ", "claim: ", "query: "). What ships is the
adapter (a few MB, `adapter.safetensors` + `adapter.json`); `assistant models --install` merges
it into the packaged weights and exports int8 ONNX. Imports nothing of the assistant: it runs on
the GPU machine with torch and transformers alone.

    python3 training/train.py --data training/data --minilm MINILM_DIR --shared ../shared/data \\
        --out OUT --seed 0
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import random
import re
import time
from pathlib import Path

import torch

PREFIX = {"entail": "claim: ", "answer": "question: ", "relevance": "query: "}
ENTAIL = {"entails": 0, "contradicts": 1, "neutral": 2}
HEAD = ["answers", "entails", "contradicts", "neutral", "relevant"]
TARGETS = ("query", "key", "value", "attention.output.dense", "intermediate.dense",
           "output.dense")
MAX_LENGTH = 256
_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")  # held-out sentences: a plain split is enough


class LoRA(torch.nn.Module):
    """y = W x + (B A x) * alpha / r, with W frozen."""

    def __init__(self, base: torch.nn.Linear, r: int, alpha: float) -> None:
        super().__init__()
        self.base, self.scale = base, alpha / r
        self.a = torch.nn.Parameter(torch.empty(r, base.in_features))
        self.b = torch.nn.Parameter(torch.zeros(base.out_features, r))
        torch.nn.init.kaiming_uniform_(self.a, a=math.sqrt(5))

    def forward(self, x):
        return self.base(x) + (x @ self.a.T @ self.b.T) * self.scale


class Scorer(torch.nn.Module):
    def __init__(self, bert, r: int, alpha: float) -> None:
        super().__init__()
        self.bert = bert
        for p in bert.parameters():
            p.requires_grad = False
        for name, module in list(bert.named_modules()):
            for child, sub in list(module.named_children()):
                full = f"{name}.{child}" if name else child
                if isinstance(sub, torch.nn.Linear) and "encoder" in full and \
                        any(full.endswith(t) for t in TARGETS):
                    setattr(module, child, LoRA(sub, r, alpha))
        for name, p in bert.named_parameters():
            if "LayerNorm" in name:
                p.requires_grad = True
        self.head = torch.nn.Linear(bert.config.hidden_size, len(HEAD))
        self.drop = torch.nn.Dropout(0.1)

    def forward(self, input_ids, attention_mask, token_type_ids):
        hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                           token_type_ids=token_type_ids).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return self.head(self.drop(pooled))

    def load_adapter(self, weights: dict[str, torch.Tensor]) -> None:
        """Start from a trained adapter (`--init`): its factors, LayerNorms and head."""
        modules = dict(self.bert.named_modules())
        params = dict(self.bert.named_parameters())
        with torch.no_grad():
            for key, value in weights.items():
                if key.startswith("lora."):
                    name, part = key[len("lora."):].rsplit(".", 1)
                    getattr(modules[name], part).copy_(value)
                elif key.startswith("norm."):
                    params[key[len("norm."):]].copy_(value)
            self.head.weight.copy_(weights["head.weight"])
            self.head.bias.copy_(weights["head.bias"])

    def adapter(self) -> dict[str, torch.Tensor]:
        """What ships: the LoRA factors, the LayerNorms and the head."""
        out = {}
        for name, module in self.bert.named_modules():
            if isinstance(module, LoRA):
                out[f"lora.{name}.a"] = module.a.detach().float().cpu().contiguous()
                out[f"lora.{name}.b"] = module.b.detach().float().cpu().contiguous()
        for name, p in self.bert.named_parameters():
            if "LayerNorm" in name:
                out[f"norm.{name}"] = p.detach().float().cpu().contiguous()
        out["head.weight"] = self.head.weight.detach().float().cpu().contiguous()
        out["head.bias"] = self.head.bias.detach().float().cpu().contiguous()
        return out


def _jsonl(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def target(row: dict) -> int:
    if row["task"] == "entail":
        return ENTAIL[row["label"]]
    if row["task"] == "answer":
        return int(row["label"] == "answers")
    return int(row["label"] != "0")


def examples(data: Path, rng: random.Random, balance: bool) -> list[tuple[str, str, str, int]]:
    """(task, first text, second text, target); with `balance`, each label of a task drawn as
    often as that task's most frequent label (with repeats)."""
    rows = [r for p in sorted(data.glob("pairs-*.jsonl.gz")) for r in _jsonl(p)]
    groups: dict[tuple[str, int], list[dict]] = {}
    for r in rows:
        groups.setdefault((r["task"], target(r)), []).append(r)
    if balance:
        top = {t: max(len(g) for (u, _), g in groups.items() if u == t) for t, _ in groups}
        rows = [r for (t, _), g in groups.items()
                for r in g + [rng.choice(g) for _ in range(top[t] - len(g))]]
    out = [(r["task"], PREFIX[r["task"]] + r["a"], r["b"], target(r)) for r in rows]
    rng.shuffle(out)
    return out


def loss_of(logits, tasks: list[str], y: torch.Tensor) -> torch.Tensor:
    total, f = logits.new_zeros(()), torch.nn.functional
    for task, column in (("answer", 0), ("relevance", 4)):
        rows = [i for i, t in enumerate(tasks) if t == task]
        if rows:
            total = total + f.binary_cross_entropy_with_logits(
                logits[rows, column], y[rows].float(), reduction="sum")
    rows = [i for i, t in enumerate(tasks) if t == "entail"]
    if rows:
        total = total + f.cross_entropy(logits[rows, 1:4], y[rows], reduction="sum")
    return total / len(tasks)


def held_out_claims(shared: Path, eval_dir: Path, rng: random.Random) -> list[tuple[str, str, int]]:
    """The SciFact claims of eval/scifact_claims.jsonl (left out of the data): their evidence
    sentences (entails / contradicts) and two other sentences of each evidence abstract."""
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
            out += [(PREFIX["entail"] + c["claim"], s, 2)
                    for s in rng.sample(others, min(2, len(others)))]
    return out


@torch.no_grad()
def logits_of(model, tok, pairs, device, batch=256) -> torch.Tensor:
    model.eval()
    out = []
    for i in range(0, len(pairs), batch):
        a, b = zip(*[(p[0], p[1]) for p in pairs[i:i + batch]], strict=True)
        enc = tok(list(a), list(b), truncation=True, max_length=MAX_LENGTH, padding=True,
                  return_tensors="pt").to(device)
        out.append(model(**enc).float().cpu())
    model.train()
    return torch.cat(out)


def claims_report(model, tok, pairs, device) -> dict:
    predicted = logits_of(model, tok, pairs, device)[:, 1:4].argmax(-1).tolist()
    gold = [p[2] for p in pairs]
    per = {}
    for k, name in enumerate(("entails", "contradicts", "neutral")):
        tp = sum(g == k and p == k for g, p in zip(gold, predicted, strict=True))
        fp = sum(g != k and p == k for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == k and p != k for g, p in zip(gold, predicted, strict=True))
        per[name] = {"n": gold.count(k), "precision": round(tp / (tp + fp), 3) if tp + fp else 0.0,
                     "recall": round(tp / (tp + fn), 3) if tp + fn else 0.0}
    accuracy = sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold)
    return {"accuracy": round(accuracy, 3), "classes": per}


def answers_report(model, tok, questions: list[dict], device) -> dict:
    """Per corpus: how often the best-scored sentence of the gold abstract holds the answer
    (against the share a random sentence would: the chance level)."""
    out: dict[str, dict] = {}
    for corpus in sorted({q["corpus"] for q in questions}):
        qs = [q for q in questions if q["corpus"] == corpus]
        pairs = [(PREFIX["answer"] + q["question"], s) for q in qs for s in q["sentences"]]
        scores = logits_of(model, tok, pairs, device)[:, 0].tolist()
        hits = chance = at = 0
        for q in qs:
            own = scores[at:at + len(q["sentences"])]
            at += len(q["sentences"])
            hits += own.index(max(own)) in q["holds"]
            chance += len(q["holds"]) / len(q["sentences"])
        out[corpus] = {"questions": len(qs), "top1": round(hits / len(qs), 3),
                       "chance": round(chance / len(qs), 3)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--minilm", type=Path, required=True)
    parser.add_argument("--shared", type=Path, required=True)
    parser.add_argument("--eval-dir", type=Path, default=Path(__file__).resolve().parent.parent / "eval")
    parser.add_argument("--heldout", type=Path, default=Path(__file__).resolve().parent / "data" /
                        "heldout-answers.jsonl.gz", help="training.heldout's questions")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--lr", type=float, default=4e-4)
    parser.add_argument("--rank", type=int, default=16)
    parser.add_argument("--alpha", type=float, default=32.0)
    parser.add_argument("--max-seconds", type=float, default=1e9, help="stop training after")
    parser.add_argument("--balance", action="store_true", help="every label of a task as often")
    parser.add_argument("--init", type=Path, help="a trained adapter folder to start from")
    parser.add_argument("--skip-before", action="store_true", help="no held-out run before")
    args = parser.parse_args()
    from safetensors.torch import load_file, save_file
    from transformers import AutoModel, AutoTokenizer

    rng = random.Random(args.seed)
    torch.manual_seed(args.seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    tok = AutoTokenizer.from_pretrained(args.minilm)
    model = Scorer(AutoModel.from_pretrained(args.minilm), args.rank, args.alpha)
    if args.init:
        model.load_adapter(load_file(str(args.init / "adapter.safetensors")))
    model = model.to(device)
    train = examples(args.data, rng, args.balance)
    claims = held_out_claims(args.shared, args.eval_dir, rng)
    questions = _jsonl(args.heldout) if args.heldout.exists() else []
    before = None if args.skip_before else {
        "claims": claims_report(model, tok, claims, device),
        "answers": answers_report(model, tok, questions, device)}
    params = [p for p in model.parameters() if p.requires_grad]
    optim = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    steps = args.epochs * ((len(train) + args.batch - 1) // args.batch)
    sched = torch.optim.lr_scheduler.LambdaLR(optim, lambda s: min(1.0, (s + 1) / (0.06 * steps))
                                              * max(0.0, 1 - s / steps))
    start, done = time.perf_counter(), 0
    for epoch in range(args.epochs):
        rng.shuffle(train)
        for i in range(0, len(train), args.batch):
            tasks, a, b, y = zip(*train[i:i + args.batch], strict=True)
            enc = tok(list(a), list(b), truncation=True, max_length=MAX_LENGTH, padding=True,
                      return_tensors="pt").to(device)
            with torch.autocast(device, dtype=torch.bfloat16, enabled=device == "cuda"):
                logits = model(**enc).float()
            loss = loss_of(logits, list(tasks), torch.tensor(y, device=device))
            loss.backward()
            optim.step()
            sched.step()
            optim.zero_grad()
            done += len(tasks)
            if time.perf_counter() - start > args.max_seconds:
                break
        print(f"epoch {epoch + 1}: loss {loss.item():.3f}, {done} pairs", flush=True)
        if time.perf_counter() - start > args.max_seconds:
            break
    seconds = time.perf_counter() - start
    after = {"claims": claims_report(model, tok, claims, device),
             "answers": answers_report(model, tok, questions, device)}
    args.out.mkdir(parents=True, exist_ok=True)
    save_file(model.adapter(), str(args.out / "adapter.safetensors"))
    config = {"base": "sentence-transformers/all-MiniLM-L6-v2", "rank": args.rank,
              "alpha": args.alpha, "targets": list(TARGETS), "pooling": "mean", "head": HEAD,
              "prefix": PREFIX, "max_length": MAX_LENGTH}
    (args.out / "adapter.json").write_text(json.dumps(config, indent=2) + "\n")
    card = {"seed": args.seed, "train_pairs": len(train), "pairs_seen": done,
            "balance": args.balance, "epochs": args.epochs, "batch": args.batch, "lr": args.lr,
            "rank": args.rank, "alpha": args.alpha, "train_s": round(seconds, 1),
            "init": str(args.init) if args.init else None,
            "device": device, "trainable": sum(p.numel() for p in params),
            "held_out": {"claims": "SciFact claims of eval/scifact_claims.jsonl (left out of the "
                                   "data): evidence sentences and two other sentences of each "
                                   "evidence abstract",
                         "answers": "factoid questions of eval/ (training.heldout): the gold "
                                    "abstract's sentences, right when the best holds the answer"},
            "before_training": before, "after_training": after}
    (args.out / "training-card.json").write_text(json.dumps(card, indent=2) + "\n")
    print(json.dumps(card, indent=2))


if __name__ == "__main__":
    main()
