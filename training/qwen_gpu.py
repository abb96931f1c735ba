"""On a GPU: replies to one or more prompts (`training/prompts/NAME.txt`) for `training.generate`'s
selected sentences, written by the packaged GGUF loaded in transformers (the `gguf` wheel
dequantises it) and generated in batches; the model loads once for all prompts. Imports nothing
of the assistant, so it runs on a machine with torch and transformers alone.

    python3 training/qwen_gpu.py ITEMS.jsonl.gz MODEL.gguf REPLIES.jsonl.gz --prompts qa claim
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from pathlib import Path

PROMPTS = Path(__file__).resolve().parent / "prompts"


def messages(title: str, sentence: str, prompt: str = "question") -> list[dict[str, str]]:
    """The chat the model gets for one sentence (shared with training.generate's CPU run)."""
    text = (PROMPTS / f"{prompt}.txt").read_text()
    return [{"role": "user", "content": text.format(title=title, sentence=sentence)}]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("items", type=Path)
    parser.add_argument("model", type=Path)
    parser.add_argument("replies", type=Path)
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--prompts", nargs="+", default=["question"])
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
    replies: dict[tuple[str, int], str] = {}
    start = time.perf_counter()
    for prompt in args.prompts:
        for at in range(0, len(order), args.batch):
            batch = order[at:at + args.batch]
            texts = [tok.apply_chat_template(
                messages(items[i]["title"], items[i]["sentence"], prompt),
                tokenize=False, add_generation_prompt=True) for i in batch]
            enc = tok(texts, return_tensors="pt", padding=True).to("cuda")
            with torch.no_grad():
                out = llm.generate(**enc, max_new_tokens=64, do_sample=False,
                                   pad_token_id=tok.pad_token_id or tok.eos_token_id)
            for i, text in zip(batch, tok.batch_decode(out[:, enc["input_ids"].shape[1]:],
                                                       skip_special_tokens=True), strict=True):
                replies[prompt, i] = text
            print(f"{prompt} {at + len(batch)}/{len(items)}", flush=True)
    seconds = time.perf_counter() - start
    with gzip.open(args.replies, "wt", encoding="utf-8") as out:
        for (prompt, i), reply in sorted(replies.items()):
            out.write(json.dumps({"key": items[i]["key"], "prompt": prompt, "reply": reply}) + "\n")
    print(json.dumps({"items": len(items), "prompts": args.prompts, "load_s": round(loaded, 1),
                      "generate_s": round(seconds, 1),
                      "replies_per_s": round(len(replies) / seconds, 1)}))


if __name__ == "__main__":
    main()
