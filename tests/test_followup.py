"""Follow-up questions become standalone ones, from the conversation's subject."""

import pytest

from assistant.answer.followup import needs_context, rewrite, subject_of
from assistant.types import Answer, Citation

DOTAMATH = "DotaMath: Decomposition of Thought with Code Assistance and Self-correction for Math"


def _history(cited: bool = True) -> list[Answer]:
    citations = (Citation(1, "p1", DOTAMATH, "quote"),) if cited else ()
    return [Answer("What score does DotaMath-deepseek-7B reach on MATH?", "64.8 [1].", citations)]


@pytest.mark.parametrize(("question", "standalone"), [
    ("and what about its GSM8K score?", "What about DotaMath's GSM8K score?"),
    ("What about GSM8K?", "What about GSM8K of DotaMath?"),
    ("How was it trained?", "How was DotaMath trained?"),
    ("Which base model does this paper use?", "Which base model does DotaMath use?"),
])
def test_follow_ups_take_the_cited_papers_name(question, standalone):
    assert rewrite(question, _history()) == standalone


@pytest.mark.parametrize("question", [
    "What is the capital of France?",
    "And the MATH score of We-Math?",
    "How does DotaMath use its code assistance?",  # names the subject already
])
def test_standalone_questions_are_left_alone(question):
    assert rewrite(question, _history()) == " ".join(question.split())


def test_without_history_or_subject_nothing_changes():
    assert rewrite("How was it trained?", []) == "How was it trained?"
    assert rewrite("How was it trained?", [Answer("hello there", "x")]) == "How was it trained?"


def test_subject_falls_back_to_names_in_the_last_question():
    assert subject_of(_history(cited=False)) == "DotaMath-deepseek-7B MATH"
    assert needs_context("GSM8K?") and not needs_context("What is the score of DotaMath on MATH?")


@pytest.mark.parametrize("question", [
    "Is it true that statins reduce mortality in older adults?",
    "It is known that exercise lowers blood pressure in adults, right?",
    "Does pooling make it possible to drop attention in vision models?",
])
def test_an_it_that_refers_to_nothing_takes_no_subject(question):
    assert rewrite(question, _history()) == question
