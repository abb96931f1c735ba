"""Data, part 2: questions that single abstract sentences answer, written by a packaged Qwen
model and kept when they do not copy the sentence; the abstract's other sentences are "other".

    .venv/bin/python -m training.generate --corpus bundled --limit 40 --out training/data  # CPU
    .venv/bin/python -m training.generate --corpus all --items-out items.jsonl.gz  # for a GPU
    .venv/bin/python -m training.generate --corpus all --items items.jsonl.gz \
        --replies replies.jsonl.gz  # its replies to the "question", "qa" and "claim" prompts

Here the GGUF runs in llama-cpp-python one sentence at a time; on a GPU, training/qwen_gpu.py
writes the replies for the selected sentences in batches (training/README.md).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.ingest.corpus import read_corpus
from assistant.settings import bundled_corpus
from assistant.text.rules import content_words
from assistant.text.sentences import sentences
from training.build import HELD_OUT_EXPORTS, SHARED, excluded
from training.pairs import Pair, write
from training.perturb import contradictions, entity_names
from training.qwen_gpu import messages

ROOT = Path(__file__).resolve().parent.parent
CORPORA = {
    "bundled": lambda: [bundled_corpus()],
    "scifact": lambda: [SHARED / "scifact" / "corpus.jsonl"],
    "nfcorpus": lambda: [SHARED / "nfcorpus" / "corpus.jsonl.gz"],
    "exports": lambda: sorted(p for p in (SHARED / "exports").rglob("*.gz")
                              if not p.name.endswith(".csv.gz")  # the .bib holds the same
                              and p.parent.name not in HELD_OUT_EXPORTS),
}
_QUESTION = re.compile(r"^(?:Q(?:uestion)?:\s*)?(?P<q>[^\n]{10,300}?\?)", re.MULTILINE)
_MIN_WORDS, _MAX_COPIED = 5, 0.7  # a question's words at least; the sentence's share copied


@dataclass(frozen=True)
class Item:
    corpus: str
    paper_id: str
    title: str
    sentence: str
    others: tuple[str, ...]  # the abstract's other sentences
    abstract: str = ""


def items(corpus: str, skip: set[str], rng: random.Random, per_paper: int = 1) -> list[Item]:
    """`per_paper` sentences of each paper with an abstract of 3+ sentences."""
    out = []
    for path in CORPORA[corpus]():
        for paper in read_corpus(path).papers:
            if paper.paper_id in skip:
                continue
            split = [s for s in sentences(paper.abstract) if 8 <= len(s.split()) <= 60]
            if len(split) < 3:
                continue
            for s in rng.sample(split, min(per_paper, len(split))):
                out.append(Item(corpus, paper.paper_id, paper.title, s,
                                tuple(o for o in split if o != s), paper.abstract))
    return out


def prompt(item: Item) -> list[dict[str, str]]:
    return messages(item.title, item.sentence)


def load_items(path: Path, names: list[str], skip: set[str]) -> dict[str, Item]:
    """The sentences an items file names (by key), with their abstracts' other sentences read
    again from the corpora; papers in `skip` (the evaluation sets as they are now) left out."""
    papers = {(name, p.paper_id): p for name in names for f in CORPORA[name]()
              for p in read_corpus(f).papers}
    out = {}
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for row in map(json.loads, lines):
            _, corpus, paper_id = row["key"].split("/", 2)
            paper = papers.get((corpus, paper_id))
            if paper is None or paper_id in skip:
                continue
            split = [s for s in sentences(paper.abstract) if 8 <= len(s.split()) <= 60]
            out[row["key"]] = Item(corpus, paper_id, paper.title, row["sentence"],
                                   tuple(o for o in split if o != row["sentence"]),
                                   paper.abstract)
    return out


_CLAIM_LEAD = re.compile(r"^(?:the\s+)?claim(?:\s+is)?(?:\s+that)?\s*:?\s*", re.IGNORECASE)
_FIGURES = re.compile(r"\d+(?:[.,]\d+)?")


def accept_claim(reply: str, sentence: str) -> str | None:
    """The reply's claim when it is one sentence of 5+ words whose content words and figures
    all come from the sentence (a claim that adds anything is not entailed by it)."""
    text = " ".join(reply.strip().split("\n")[0].split())
    text = _CLAIM_LEAD.sub("", text).strip(' "\u201c\u201d')
    if len(text.split()) < _MIN_WORDS or text.endswith("?"):
        return None
    words, source = content_words(text), content_words(sentence)
    if not words or len(words - source) > max(1, len(words) // 5):
        return None
    if not set(_FIGURES.findall(text)) <= set(_FIGURES.findall(sentence)):
        return None
    return text


def claim_pairs(item: Item, claim: str, names: list[str], rng: random.Random) -> Iterator[Pair]:
    yield Pair("entail", claim, item.sentence, "entails", "qwen-claim", item.corpus)
    for text, how in contradictions(claim, names, rng):
        yield Pair("entail", text, item.sentence, "contradicts", how, item.corpus)
    for other in rng.sample(item.others, min(2, len(item.others))):
        yield Pair("entail", claim, other, "neutral", "same-abstract", item.corpus)


def accept(reply: str, sentence: str) -> str | None:
    """The reply's question when it has 5+ words and copies at most 70% of the sentence's
    content words (a restated sentence teaches nothing)."""
    match = _QUESTION.search(reply.strip())
    if not match:
        return None
    question = " ".join(match.group("q").split())
    words, source = content_words(question), content_words(sentence)
    if len(question.split()) < _MIN_WORDS or not words or not source or \
            len(words & source) / len(source) > _MAX_COPIED:
        return None
    return question


def llama_backend(model: Path) -> Callable[[Sequence[list[dict]]], list[str]]:
    from assistant.answer.generation import LlamaCppGenerator

    gen = LlamaCppGenerator(model, n_ctx=1024)

    def run(batch: Sequence[list[dict]]) -> list[str]:
        return ["".join(gen.stream(m, max_tokens=64, temperature=0.0)) for m in batch]
    return run


def round_trip(question: str, item: Item) -> bool:
    """The question's words point back at its own sentence: no other sentence of the abstract
    shares as many of them (a question about something else is dropped)."""
    words = content_words(question)

    def shared(sentence: str) -> int:
        return len(words & content_words(sentence))

    own = shared(item.sentence)
    return own > 0 and all(shared(o) < own for o in item.others)


_DIGITS = re.compile(r"\s*\(?\b(?:n\s*=\s*)?\d[\d.,:/%\-]*(?:\s*%)?\)?")
_ASKS_AMOUNT = re.compile(r"^\s*(?:how (?:many|much|long|often|old|large|high|low)|what (?:is |was |"
                          r"were |are )?(?:the )?(?:percentage|proportion|fraction|number|share|"
                          r"rate|dose|amount|level|concentration|size|duration|age))\b", re.I)


def near_misses(question: str, item: Item) -> Iterator[Pair]:
    """Sentences on the question's topic that do not answer it: the other sentence of the
    abstract sharing most of its words, and the source sentence with its figures taken out
    (a count or a rate asked for is then missing)."""
    words = content_words(question)
    if item.others:
        close = max(item.others, key=lambda o: len(words & content_words(o)))
        if words & content_words(close):
            yield Pair("answer", question, close, "other", "closest-other", item.corpus)
    if _ASKS_AMOUNT.match(question) and _DIGITS.search(item.sentence):
        bare = " ".join(_DIGITS.sub(" ", item.sentence).split())
        if len(bare.split()) >= 5:
            yield Pair("answer", question, bare, "other", "figures-removed", item.corpus)


def pairs(all_items: list[Item], replies: list[str], rng: random.Random,
          stats: Counter, prompts: list[str] | None = None) -> Iterator[Pair]:
    prompts = prompts or ["question"] * len(all_items)
    names = entity_names([i.sentence for i in all_items])
    for item, reply, kind in zip(all_items, replies, prompts, strict=True):
        if kind == "claim":
            claim = accept_claim(reply, item.sentence)
            stats["claims_kept" if claim else "claims_dropped"] += 1
            if claim:
                yield from claim_pairs(item, claim, names, rng)
            continue
        kept = accept(reply, item.sentence)
        if kept and not round_trip(kept, item):
            stats["dropped_round_trip"] += 1
            continue
        stats["kept" if kept else "dropped"] += 1
        if not kept:
            continue
        question = kept
        yield Pair("answer", question, item.sentence, "answers", "qwen-question", item.corpus)
        for other in rng.sample(item.others, min(2, len(item.others))):
            yield Pair("answer", question, other, "other", "same-abstract", item.corpus)
        yield from near_misses(question, item)
        if item.abstract:  # the paper the question came from is relevant; a random one is not
            stranger = rng.choice(all_items)
            yield Pair("relevance", question, f"{item.title}\n{item.abstract}", "1",
                       "qwen-question", item.corpus)
            if stranger.paper_id != item.paper_id and stranger.abstract:
                yield Pair("relevance", question, f"{stranger.title}\n{stranger.abstract}", "0",
                           "random-paper", stranger.corpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", choices=[*CORPORA, "all"], default="bundled")
    parser.add_argument("--model", type=Path, default=ROOT / "models" /
                        "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf")
    parser.add_argument("--limit", type=int, help="sentences at most (a sample)")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-paper", type=int, default=1, help="sentences per paper")
    parser.add_argument("--out", type=Path, default=ROOT / "training" / "data")
    parser.add_argument("--items-out", type=Path,
                        help="only write the selected sentences (for training/qwen_gpu.py)")
    parser.add_argument("--replies", type=Path,
                        help="read the replies that training/qwen_gpu.py wrote instead of generating")
    parser.add_argument("--items", type=Path, help="the items file those replies answer")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    skip, _ = excluded(ROOT / "eval")
    names = list(CORPORA) if args.corpus == "all" else [args.corpus]
    todo = [i for name in names for i in items(name, skip, rng, args.per_paper)]
    rng.shuffle(todo)
    todo = todo[:args.limit] if args.limit else todo
    keys = [f"{n}/{i.corpus}/{i.paper_id}" for n, i in enumerate(todo)]
    if args.items_out:
        with gzip.open(args.items_out, "wt", encoding="utf-8") as out:
            for key, i in zip(keys, todo, strict=True):
                out.write(json.dumps({"key": key, "title": i.title, "sentence": i.sentence}) + "\n")
        print(f"{len(todo)} sentences -> {args.items_out}")
        return
    start = time.perf_counter()
    kinds = None
    if args.replies:
        if not args.items:
            parser.error("--replies needs --items (the items file the replies answer)")
        known = load_items(args.items, names, skip)
        with gzip.open(args.replies, "rt", encoding="utf-8") as lines:
            got = [r for r in map(json.loads, lines) if r["key"] in known]
        todo = [known[r["key"]] for r in got]
        replies = [r["reply"] for r in got]
        kinds = [r.get("prompt", "question") for r in got]
    else:
        run = llama_backend(args.model)
        replies = []
        for i in range(0, len(todo), args.batch):
            replies += run([prompt(item) for item in todo[i:i + args.batch]])
    seconds = time.perf_counter() - start
    stats: Counter = Counter()
    tag = f"{args.corpus}-{args.seed}"
    counts = write(pairs(todo, replies, rng, stats, kinds),
                   args.out / f"pairs-questions-{tag}.jsonl.gz")
    backend = "transformers (training/qwen_gpu.py)" if args.replies else "llama-cpp-python"
    card = {"seed": args.seed, "corpus": names, "backend": backend, "model": args.model.name,
            "sentences": len(todo), "kept": stats["kept"], "dropped": stats["dropped"],
            "dropped_round_trip": stats["dropped_round_trip"],
            "claims_kept": stats["claims_kept"], "claims_dropped": stats["claims_dropped"],
            "prompts": dict(Counter(kinds or ["question"])),
            "seconds": None if args.replies else round(seconds, 1),
            "sentences_per_s": None if args.replies else round(len(todo) / seconds, 2),
            "pairs": sum(counts.values()),
            "by_task_label": {f"{t}/{lab}": sum(v for k, v in counts.items() if k[:2] == (t, lab))
                              for t, lab in sorted({k[:2] for k in counts})},
            "by_corpus": dict(Counter(i.corpus for i in todo)),
            "excluded_papers_of_eval_sets": len(skip)}
    (args.out / f"data-card-questions-{tag}.json").write_text(json.dumps(card, indent=2) + "\n")
    print(json.dumps(card, indent=2))


if __name__ == "__main__":
    main()
