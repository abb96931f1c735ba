"""Regression cases from issue 9, on the bundled corpus's real abstracts (no model needed)."""

import pytest

from assistant.answer.check import check
from assistant.ingest.corpus import read_corpus
from assistant.settings import bundled_corpus
from assistant.types import Source


@pytest.fixture(scope="module")
def paper():
    papers = read_corpus(bundled_corpus()).papers

    def find(word: str) -> list[Source]:
        p = next(p for p in papers if word in p.title)
        return [Source(p.paper_id, p.title, p.abstract, 0.7, abstract=p.abstract, number=1)]

    return find


@pytest.mark.parametrize("title,question,claim,supported", [
    # a correct answer naming the method is kept though it echoes the question
    ("DySpec", "Which method makes LLM inference faster by verifying several drafted tokens "
     "in a tree?", "DySpec makes LLM inference faster by verifying several drafted tokens in a "
     "tree [1].", True),
    # a name only mentioned elsewhere in the abstract is not the answer
    ("Symbolic Discovery", "Which optimizer did symbolic program search discover?",
     "Symbolic program search discovered Adam [1].", False),
    ("Symbolic Discovery", "Which optimizer did symbolic program search discover?",
     "Symbolic program search discovered Lion [1].", True),
    # 6X is end-to-end training time; the inference figure is 10X
    ("Heterogeneous Context Sharding", "How much does it speed up inference?",
     "LLM speed up inference is 6X [1].", False),
    ("Heterogeneous Context Sharding", "", "It cuts inference latency 10X [1].", True),
    # the background sentence about proof assistants is not about DeepSeek-Prover
    ("DeepSeek-Prover", "What is DeepSeek-Prover?",
     "DeepSeek-Prover is a proof assistant like Lean [1].", False),
    # the 81% is Codex's, though the question names GPT-3
    ("University Math", "What share of the university math questions does GPT-3 solve?",
     "GPT-3 solves 81% of university math questions with zero-shot learning [1].", False),
    ("University Math", "What share of the university math questions does GPT-3 solve?",
     "GPT-3 solves 18.8% of university math questions with zero-shot learning [1].", True),
    # "DeiT-B/ResMLP-B24 ... 35%/52% fewer parameters": 52% belongs to ResMLP-B24
    ("MetaFormer", "How many fewer parameters than DeiT-B does PoolFormer use?",
     "PoolFormer uses 52% fewer parameters than DeiT-B [1].", False),
    ("MetaFormer", "How many fewer parameters than DeiT-B does PoolFormer use?",
     "PoolFormer uses 35% fewer parameters than DeiT-B [1].", True),
    # "1K" of ImageNet-1K is part of a name, not a figure another measurement owns
    ("MetaFormer", "What top-1 accuracy does PoolFormer reach on ImageNet-1K?",
     "The top-1 accuracy of PoolFormer on ImageNet-1K is 82.1% [1].", True),
    ("DeepSeek-Prover", "What accuracy does DeepSeek-Prover reach?",
     "DeepSeek-Prover reaches 46.3% on the miniF2F test with 64 samples [1].", True),
])
def test_claims_are_checked_against_the_sentence_that_states_them(paper, title, question,
                                                                  claim, supported):
    out = check(claim, paper(title), question)
    assert out.supported is supported
    if supported:
        assert all(part in paper(title)[0].abstract
                   for part in out.citations[0].quote.split(" … "))
