"""Yes/no questions and claims get a verdict read from the deciding sentence."""

import pytest

from assistant.answer.verdict import decide, exists, proposition, stated
from assistant.text.sentences import sentences
from assistant.types import Source
from tests.conftest import FakeScorer

A = ("Mail survey of all 97 adult US liver transplantation programs. Of the programs, 32% "
     "required patients to discontinue methadone treatment before transplantation. Survival "
     "did not differ between groups.")
B = ("Of 200 programs surveyed, programs did not require patients to discontinue methadone "
     "treatment before transplantation.")


def _src(pid, text, n):
    return Source(pid, f"Study {pid} of methadone and transplantation", text, 0.8,
                  abstract=text, number=n)


def _decide(claim, sources, **options):
    stances = {s.paper_id: FakeScorer().entails(claim, sentences(s.abstract)) for s in sources}
    return decide(claim, sources, stances, **options)


@pytest.mark.parametrize("question,claim", [
    ("Is it true that 32% of programs required patients to discontinue methadone?",
     "32% of programs required patients to discontinue methadone"),
    ("32% of programs required it. True or false?", "32% of programs required it."),
    ("Claim: Statins reduce mortality.", "Statins reduce mortality"),
    ("Does aspirin reduce mortality?", "aspirin reduce mortality"),
])
def test_yes_no_questions_and_claims_give_the_words_to_search(question, claim):
    assert proposition(question) == claim


@pytest.mark.parametrize("claim", ["there a paper that designs methadone programs",
                                   "aspirin reduce mortality in transplantation programs"])
def test_a_yes_no_questions_claim_is_never_repeated_as_a_sentence(claim):
    """The claim is a question without its auxiliary, no sentence: the verdict shows the
    evidence in its quote, and its own text stays grammatical whatever the claim was."""
    for sources in ([_src("a", A, 1)], [_src("a", A + " " + claim.capitalize() + ".", 1)]):
        v = _decide(claim, sources)
        assert claim not in v.text.lower()
        assert v.text in ("Yes: the abstract states it [1].",
                          "The abstracts do not say; the closest is [1].")


@pytest.mark.parametrize("question", ["What share of programs required it?",
                                      "Is aspirin or heparin better?",
                                      "Which gene is mutated?"])
def test_other_questions_are_not_claims(question):
    assert proposition(question) is None


def test_a_stated_claim_is_yes_with_its_sentence():
    v = _decide("32% of programs required patients to discontinue methadone treatment",
                [_src("a", A, 1)])
    assert v.kind == "yes" and v.text.startswith("Yes") and "[1]" in v.text
    assert "32%" in v.citations[0].quote and v.citations[0].paper_id == "a"


def test_a_contradicting_sentence_makes_no():
    v = _decide("Survival did differ between groups", [_src("a", A, 1)])
    assert v.kind == "no" and v.text == "No: the abstract states otherwise [1]."
    assert v.citations[0].quote.startswith("Survival did not differ")


def test_sources_that_decide_differently_disagree():
    v = _decide("programs required patients to discontinue methadone treatment",
                [_src("a", A, 1), _src("b", B, 2)])
    assert v.kind == "disagree" and {c.paper_id for c in v.citations} == {"a", "b"}


def test_a_claim_no_sentence_states_is_not_stated_citing_the_closest():
    v = _decide("Methadone doubles the risk of graft rejection in children", [_src("a", A, 1)])
    assert v.kind == "not_stated" and v.text.startswith("The abstracts do not say")
    assert v.citations and v.citations[0].paper_id == "a"


def test_without_stances_nothing_is_decided():
    """The verdict is the scorer's: no probabilities, no "yes" or "no" from word rules."""
    v = decide("32% of programs required patients to discontinue methadone treatment",
               [_src("a", A, 1)])
    assert v.kind == "not_stated"


def test_a_clearly_less_relevant_paper_decides_nothing():
    import dataclasses

    claim = "programs required patients to discontinue methadone treatment"
    a, b = (dataclasses.replace(_src(p, text, n), relevance=0.9)
            for p, text, n in (("a", A, 1), ("b", B, 2)))
    assert _decide(claim, [a, dataclasses.replace(b, relevance=0.88)]).kind == "disagree"
    far = _decide(claim, [a, dataclasses.replace(b, relevance=0.6)])
    assert far.kind == "yes" and [c.paper_id for c in far.citations] == ["a"]


def test_a_claim_stated_as_a_sentence_is_repeated_in_the_verdict():
    claim = proposition("Is it true that 32% of programs required patients to discontinue "
                        "methadone treatment?")
    assert stated("Is it true that 32% of programs required it?") and stated("Claim: X.")
    assert not stated("Does aspirin reduce mortality?")
    v = _decide(claim, [_src("a", A, 1)], echo=True)
    assert v.text == ("Yes: 32% of programs required patients to discontinue methadone "
                      "treatment [1].")
    v = _decide("Methadone doubles the risk of graft rejection in children", [_src("a", A, 1)],
                echo=True)
    assert v.text == ("The abstracts do not say whether methadone doubles the risk of graft "
                      "rejection in children; the closest is [1].")


def test_an_existence_question_names_the_paper():
    question = "Is there a paper that required patients to discontinue methadone treatment?"
    assert exists(question) and not exists("Is there evidence that methadone helps?")
    claim = proposition(question)
    assert claim == "required patients to discontinue methadone treatment"
    v = _decide(claim, [_src("a", A, 1)], named=True)
    assert v.kind == "yes" and v.text == 'Yes: "Study a of methadone and transplantation" [1].'
