"""Build the evidence scorer's training pairs from what needs no generator: SciFact's train
rationales and NFCorpus's train qrels (the human labels), hard negatives mined from the same
abstract and from BM25 neighbours, and contradictions perturbed from supported claims.

    .venv/bin/python -m training.build --seed 0 --out training/data

Writes `pairs-human.jsonl.gz` and `data-card-human.json`. Never read: SciFact's and NFCorpus's
test splits (not in ../shared), PubMedQA, and every paper and claim of the project's own
evaluation sets (`eval/*.jsonl`), which are excluded by id.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from assistant.search.bm25 import Postings, Segment
from assistant.text.rules import tokenize
from assistant.text.sentences import sentences
from training.pairs import Pair, write
from training.perturb import contradictions, entity_names

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
NEIGHBOURS = 2  # BM25-neighbour sentences per claim (from other papers), labelled neutral
SAME_ABSTRACT = 3  # other sentences of the evidence abstract per claim, labelled neutral
NF_POSITIVES = 4  # listed papers per NFCorpus query (it lists 43 on average, all grade 1)
NF_NEGATIVES = 4  # papers per NFCorpus query that its qrels do not list: 2 random, 2 BM25
# the NFCorpus qrels are incomplete: BM25's top papers that they do not list are often relevant
# (labelled 0, they taught run 3 that sharing the query's words means irrelevant), so the mined
# negatives come from lower down BM25's list
NF_MINED_FROM = 20
# exports no training data reads: the humanities theses stay a field outside the data
HELD_OUT_EXPORTS = ("mq-cah__PublicHistTheses",)


def _jsonl(path: Path) -> Iterator[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def excluded(eval_dir: Path) -> tuple[set[str], set[str]]:
    """(paper ids, SciFact claim ids) that the project's evaluation sets use."""
    papers, claims = set(), set()
    for path in eval_dir.glob("*.jsonl"):
        for q in _jsonl(path):
            papers |= {str(g) for g in q.get("gold", [])}
            if q.get("paper"):
                papers.add(str(q["paper"]))
            if q.get("kind") == "claim" and str(q.get("id", "")).startswith("c"):
                claims.add(str(q["id"])[1:].split("-")[0])
    return papers, claims


class SentenceIndex:
    """BM25 over every sentence of a corpus, to mine neighbours that share a claim's words."""

    def __init__(self, corpus: dict[str, dict]) -> None:
        self.owner: list[str] = []
        self.text: list[str] = []
        for pid, doc in corpus.items():
            for s in sentences(doc["text"]):
                self.owner.append(pid)
                self.text.append(s)
        self.postings = Postings([Segment.build([tokenize(t) for t in self.text])], 1.2, 0.75)

    def top(self, query: str, k: int, skip: set[str]) -> list[tuple[str, str]]:
        scores = self.postings.scores(tokenize(query))
        out = []
        for i in np.argsort(-scores)[: k * 20]:
            if scores[i] <= 0 or len(out) == k:
                break
            if self.owner[i] not in skip:
                out.append((self.owner[i], self.text[i]))
        return out


def _is_evidence(sentence: str, evidence: list[str]) -> bool:
    s = " ".join(sentence.split())
    return any(s in " ".join(e.split()) or " ".join(e.split()) in s for e in evidence)


def scifact_pairs(data: Path, skip_papers: set[str], skip_claims: set[str],
                  rng: random.Random) -> Iterator[Pair]:
    corpus = {str(d["_id"]): d for d in _jsonl(data / "corpus.jsonl")}
    index = SentenceIndex(corpus)
    claims = [c for c in _jsonl(data / "claims_train.jsonl") if str(c["id"]) not in skip_claims
              and not ({str(p) for p in c.get("cited", [])} & skip_papers)]
    names = entity_names([c["claim"] for c in claims])
    strangers = [pid for pid in corpus if pid not in skip_papers]  # random irrelevant papers
    for c in claims:
        claim, cited = c["claim"], {str(p) for p in c.get("cited", [])}
        for pid, evidence in c.get("evidence", {}).items():
            if pid not in corpus:
                continue
            label = "entails" if c["label"] == "SUPPORT" else "contradicts"
            split = sentences(corpus[pid]["text"])
            found = [s for s in split if _is_evidence(s, evidence)]
            doc = corpus[pid]
            yield Pair("relevance", claim, f"{doc['title']}\n{doc['text']}", "1",
                       "scifact-evidence", "scifact")
            stranger = corpus[rng.choice(strangers)]
            if stranger is not doc:
                yield Pair("relevance", claim, f"{stranger['title']}\n{stranger['text']}", "0",
                           "random-paper", "scifact")
            asked = f"Is it true that {claim[:1].lower() + claim[1:].rstrip('.')}?"
            for s in found:  # the evidence answers the claim asked as a yes/no question
                yield Pair("answer", asked, s, "answers", "scifact-rationale", "scifact")
            for s in rng.sample([x for x in split if x not in found],
                                min(2, len(split) - len(found))):
                yield Pair("answer", asked, s, "other", "same-abstract", "scifact")
            for s in found:
                yield Pair("entail", claim, s, label, "scifact-rationale", "scifact")
                if label == "entails":
                    for text, how in contradictions(claim, names, rng):
                        yield Pair("entail", text, s, "contradicts", how, "scifact")
            others = [s for s in split if s not in found]
            for s in rng.sample(others, min(SAME_ABSTRACT, len(others))):
                yield Pair("entail", claim, s, "neutral", "same-abstract", "scifact")
        if c["label"] == "NOINFO":  # the cited paper's closest sentence states nothing of it
            for _, s in index.top(claim, 1, set(corpus) - cited):
                yield Pair("entail", claim, s, "neutral", "noinfo-cited", "scifact")
        for _, s in index.top(claim, NEIGHBOURS, cited | skip_papers):
            yield Pair("entail", claim, s, "neutral", "bm25-neighbour", "scifact")


def nfcorpus_pairs(data: Path, skip_papers: set[str], rng: random.Random) -> Iterator[Pair]:
    corpus = {str(d["_id"]): d for d in _jsonl(data / "corpus.jsonl.gz")}
    queries = {str(q["_id"]): q["text"] for q in _jsonl(data / "queries.jsonl.gz")}
    graded: dict[str, dict[str, int]] = defaultdict(dict)
    with gzip.open(data / "qrels" / "train.tsv.gz", "rt") as rows:
        next(rows)
        for row in rows:
            qid, pid, grade = row.rstrip("\n").split("\t")
            graded[qid][pid] = int(grade)
    ids = list(corpus)
    postings = Postings([Segment.build([tokenize(f"{corpus[p]['title']} {corpus[p]['text']}")
                                        for p in ids])], 1.2, 0.75)
    for qid in sorted(graded):
        query = queries.get(qid)
        if not query:
            continue
        listed = graded[qid]
        usable = sorted(p for p in listed if p in corpus and p not in skip_papers)
        for pid in rng.sample(usable, min(NF_POSITIVES, len(usable))):
            doc = corpus[pid]
            yield Pair("relevance", query, f"{doc['title']}\n{doc['text']}",
                       str(min(listed[pid], 2)), "nfcorpus-qrels", "nfcorpus")
        scores = postings.scores(tokenize(query))
        mined = [ids[i] for i in np.argsort(-scores)[NF_MINED_FROM:NF_MINED_FROM + 50]
                 if ids[i] not in listed and ids[i] not in skip_papers][:NF_NEGATIVES // 2]
        strangers = [p for p in rng.sample(ids, min(10, len(ids)))
                     if p not in listed and p not in skip_papers]
        for pid, how in [(p, "bm25-neighbour") for p in mined] + \
                [(p, "random-paper") for p in strangers[:NF_NEGATIVES // 2]]:
            doc = corpus[pid]
            yield Pair("relevance", query, f"{doc['title']}\n{doc['text']}", "0", how, "nfcorpus")


def _by(counts: Counter, field: int) -> dict[str, int]:
    out: Counter = Counter()
    for key, n in counts.items():
        out[key[field]] += n
    return dict(sorted(out.items()))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build(out: Path, seed: int, shared: Path = SHARED, eval_dir: Path = ROOT / "eval") -> dict:
    rng = random.Random(seed)
    skip_papers, skip_claims = excluded(eval_dir)

    def pairs() -> Iterator[Pair]:
        yield from scifact_pairs(shared / "scifact", skip_papers, skip_claims, rng)
        yield from nfcorpus_pairs(shared / "nfcorpus", skip_papers, rng)

    counts = write(pairs(), out / "pairs-human.jsonl.gz")
    card = {
        "seed": seed,
        "pairs": sum(counts.values()),
        "by_task": _by(counts, 0), "by_label": _by(counts, 1), "by_source": _by(counts, 2),
        "by_corpus": _by(counts, 3),
        "by_task_label": {f"{t}/{lab}": sum(v for k, v in counts.items() if k[:2] == (t, lab))
                          for t, lab in sorted({k[:2] for k in counts})},
        "inputs": {str(p.relative_to(shared)): _sha256(p) for p in (
            shared / "scifact" / "corpus.jsonl", shared / "scifact" / "claims_train.jsonl",
            shared / "nfcorpus" / "corpus.jsonl.gz", shared / "nfcorpus" / "queries.jsonl.gz",
            shared / "nfcorpus" / "qrels" / "train.tsv.gz")},
        "excluded": {"papers_of_eval_sets": len(skip_papers), "scifact_claims_of_eval_sets":
                     len(skip_claims), "never_read": ["SciFact test", "NFCorpus dev and test",
                                                      "PubMedQA", "eval/*.jsonl questions"]},
    }
    (out / "data-card-human.json").write_text(json.dumps(card, indent=2) + "\n")
    return card


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=ROOT / "training" / "data")
    args = parser.parse_args()
    print(json.dumps(build(args.out, args.seed), indent=2))


if __name__ == "__main__":
    main()
