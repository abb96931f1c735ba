"""Context compression: the sentences that bear on the question, within a token budget."""

from assistant.answer.context import compress, sentence_scores
from assistant.types import Source


def _count(text: str) -> int:
    return len(text.split())


def _source(pid: str, title: str, abstract: str) -> Source:
    return Source(pid, title, abstract[:40], 0.5, abstract=abstract)


CATS = _source("cats", "Feline sleep", "Cats are popular pets. Domestic cats sleep sixteen hours "
               "per day. Kittens play a lot. Older cats sleep even longer.")
BEES = _source("bees", "Honeybee navigation", "Honeybees dance. The waggle dance encodes the "
               "direction of food relative to the sun.")


def test_best_sentence_of_the_first_source_then_the_budget_fills():
    out = compress("How long do cats sleep per day?", [CATS, BEES], budget=20, count=_count)
    assert [s.paper_id for s in out] == ["cats"]  # the bees' best sentence is far behind
    assert out[0].text.startswith("Domestic cats sleep sixteen hours per day.")
    assert "Kittens play" not in out[0].text  # over budget


def test_a_source_whose_best_sentence_is_close_joins():
    out = compress("How do cats and honeybees find food?", [CATS, BEES], budget=60, count=_count)
    assert [s.paper_id for s in out] == ["cats", "bees"]


def test_title_words_only_say_which_paper_is_meant():
    paper = _source("mwp", "Math Word Problem Solving by Linguistic Variants",
                    "We solve math word problems with linguistic variants of each problem. "
                    "We use DeBERTa as the encoder.")
    out = compress("Which encoder does math word problem solving by linguistic variants use?",
                   [paper], budget=12, count=_count)
    assert out[0].text == "We use DeBERTa as the encoder."


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


def test_answer_types_come_from_question_words_in_any_field():
    from assistant.answer.form import focus, gives_answer_type

    assert focus("In the registry, how many physicians did the survey reach?") == {"physician"}
    q = "How many physicians responded to the survey?"
    assert gives_answer_type(q, "Of 500 physicians invited, 300 responded [1].")
    assert not gives_answer_type(q, "Attendees completed a 7-minute questionnaire [1].")
    assert gives_answer_type("What accuracy does the model reach?", "It reaches 46.3% [1].")
    assert gives_answer_type("At which gene locus was H3K4me2 restricted?",
                             "H3K4me2 at the MYH11 locus was restricted [1].")
    assert not gives_answer_type("Which arithmetic operations do small transformers learn?",
                                 "Small transformers learn arithmetic operations [1].")
    assert gives_answer_type("Which two visual tasks does the AiT model handle?",
                             "The AiT model handles instance segmentation and depth estimation.")
    # a figure inside a name the question holds is not the figure asked for
    assert gives_answer_type("How many text tokens does WebMath-40B contain?",
                             "The WebMath-40B dataset contains 40 billion text tokens [1].")
    # one new word answers a "which" question; a reporting verb does not
    assert gives_answer_type("Which classical problem is used as the canonical example?",
                             "The classical sorting problem is used as the example [1].")
    assert not gives_answer_type("Which classical problem is used as the canonical example?",
                                 "The study used the classical problem as the example [1].")
    assert gives_answer_type("Through which protein does caspase-11 modulate actin?",
                             "Caspase-11 modulates actin through cofilin [1].")
    # "how many" sets the focus, even after a relative "whose"
    assert focus("In the patient whose MRI showed infarcts, after how many days did the lesions "
                 "vanish?") == {"day"}
    assert gives_answer_type("How many dendrites does a single astrocyte contact?",
                             "One astrocyte contacts 300-600 neuronal dendrites.")



def test_a_duration_answers_only_a_question_about_time():
    from assistant.answer.form import answer_kind, gives_answer_type

    q = "What dose of the drug was injected in the rat study?"
    assert not gives_answer_type(q, "Rats were injected and followed for 21 days [1].")
    assert not gives_answer_type(q, "Rats were sacrificed on day 15 [1].")
    assert gives_answer_type(q, "Rats received 1 mg/kg of the drug [1].")
    assert gives_answer_type("How long were the rats followed?", "They were followed for 21 days.")
    # any noun naming a quantity asks for a figure, even two words on or in parentheses
    assert answer_kind("What reprogramming efficiency (percentage of cells) was achieved?") == \
        "figure"
    assert answer_kind("At what temperature does the enzyme denature?") == "figure"
    # a percentage asked for needs one: a count of four factors does not give it
    q = "What reprogramming efficiency (percentage of cells converted) was achieved?"
    assert not gives_answer_type(q, "Four reprogramming factors converted the cells [1].")
    assert gives_answer_type(q, "About 1.2% of the cells were converted [1].")
    assert gives_answer_type(q, "Twelve Percent of the cells were converted [1].")
    assert gives_answer_type("What Relative Percentage Difference did the LSTM get?",
                             "The LSTM got an RPD of 129 [1].")


def test_an_acronym_question_needs_the_words_behind_the_letters():
    from assistant.answer.form import gives_answer_type

    q = "What does SIFT stand for?"
    assert gives_answer_type(q, "SIFT stands for Stick to the Facts [1].")
    assert not gives_answer_type(q, "Mathematical reasoning stands as a pillar of progress [2].")
