"""Context compression: the sentences that bear on the question, within a token budget."""

from assistant.context import compress, sentence_scores
from assistant.types import Source


def _count(text: str) -> int:
    return len(text.split())


def _source(pid: str, title: str, abstract: str) -> Source:
    return Source(pid, title, abstract[:40], 0.5, abstract=abstract)


CATS = _source("cats", "Feline sleep", "Cats are popular pets. Domestic cats sleep sixteen hours "
               "per day. Kittens play a lot. Older cats sleep even longer.")
BEES = _source("bees", "Honeybee navigation", "Honeybees dance. The waggle dance encodes the "
               "direction of food relative to the sun.")


def test_best_sentence_of_each_source_first_then_the_budget_fills():
    out = compress("How long do cats sleep per day?", [CATS, BEES], budget=24, count=_count)
    assert [s.paper_id for s in out] == ["cats", "bees"]
    assert out[0].text.startswith("Domestic cats sleep sixteen hours per day.")
    assert "Kittens play" not in out[0].text
    assert out[1].text == "Honeybees dance."  # ties go to the earlier sentence


def test_gaps_are_marked_and_order_kept():
    out = compress("cats sleep longer", [CATS], budget=60, count=_count)
    assert out[0].text.index("Domestic") < out[0].text.index("Older")
    small = compress("older cats sleep", [CATS], budget=12, count=_count)
    assert small[0].text == "Older cats sleep even longer."
    mid = compress("cats sleep per day older", [CATS], budget=20, count=_count)
    assert "… Older cats" in mid[0].text


def test_a_source_without_room_is_dropped_but_never_the_first():
    out = compress("cats", [CATS, BEES], budget=5, count=_count)
    assert [s.paper_id for s in out] == ["cats"]


def test_sentence_vectors_weigh_in():
    plain = sentence_scores("feline rest", ["Cats nap.", "Dogs bark."])
    assert plain == [0.0, 0.0]
    assert sentence_scores("feline rest", ["Cats nap.", "Dogs bark."], [0.8, 0.1])[0] > 0.7
