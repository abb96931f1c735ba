"""On a GPU: the questions for `training.generate`'s selected sentences, written by the packaged
GGUF loaded in transformers (the `gguf` wheel dequantises it) and generated in batches. Imports
nothing of the assistant, so it runs on a machine with torch and transformers alone.

    python3 training/qwen_gpu.py ITEMS.jsonl.gz MODEL.gguf REPLIES.jsonl.gz [--batch 512]
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from pathlib import Path

PROMPT = (Path(__file__).resolve().parent / "prompts" / "question.txt").read_text()


def messages(title: str, sentence: str) -> list[dict[str, str]]:
    """The chat the model gets for one sentence (shared with training.generate's CPU run)."""
    return [{"role": "user", "content": PROMPT.format(title=title, sentence=sentence)}]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("items", type=Path)
    parser.add_argument("model", type=Path)
    parser.add_argument("replies", type=Path)
    parser.add_argument("--batch", type=int, default=512)
    args = parser.parse_args()
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    with gzip.open(args.items, "rt", encoding="utf-8") as lines:
        items = [json.loads(line) for line in lines]
    start = time.perf_counter()
    tok = AutoTokenizer.from_pretrained(args.model.parent, gguf_file=args.model.name,
                                        padding_side="left")
    llm = AutoModelForCausalLM.from_pretrained(args.model.parent, gguf_file=args.model.name,
                                               dtype=torch.bfloat16).cuda().eval()
    loaded = time.perf_counter() - start
    order = sorted(range(len(items)), key=lambda i: len(items[i]["sentence"]))  # less padding
    replies: dict[int, str] = {}
    start = time.perf_counter()
    for at in range(0, len(order), args.batch):
        batch = order[at:at + args.batch]
        texts = [tok.apply_chat_template(messages(items[i]["title"], items[i]["sentence"]),
                                         tokenize=False, add_generation_prompt=True) for i in batch]
        enc = tok(texts, return_tensors="pt", padding=True).to("cuda")
        with torch.no_grad():
            out = llm.generate(**enc, max_new_tokens=64, do_sample=False,
                               pad_token_id=tok.pad_token_id or tok.eos_token_id)
        for i, text in zip(batch, tok.batch_decode(out[:, enc["input_ids"].shape[1]:],
                                                   skip_special_tokens=True), strict=True):
            replies[i] = text
        print(f"{at + len(batch)}/{len(items)}", flush=True)
    seconds = time.perf_counter() - start
    with gzip.open(args.replies, "wt", encoding="utf-8") as out:
        for i in range(len(items)):
            out.write(json.dumps({"key": items[i]["key"], "reply": replies[i]}) + "\n")
    print(json.dumps({"items": len(items), "load_s": round(loaded, 1),
                      "generate_s": round(seconds, 1),
                      "sentences_per_s": round(len(items) / seconds, 1)}))


if __name__ == "__main__":
    main()
