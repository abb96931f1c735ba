"""Questions that ask for several papers."""

from assistant.answer.listing import asks_for_papers, complete, described, examples, on_topic
from assistant.types import Citation, Source


def _source(number, pid, title, text="x"):
    return Source(paper_id=pid, title=title, text=text, score=0.5, relevance=0.5, abstract=text,
                  number=number)


def test_list_questions_and_their_examples():
    q = "Which papers study sparse subnetworks, such as essential sparsity and layer pruning?"
    assert asks_for_papers(q)
    assert examples(q) == ["essential sparsity", "layer pruning"]
    assert examples("Which benchmarks test vision models, like MathVista, DynaMath or UniGeo?") \
        == ["MathVista", "DynaMath", "UniGeo"]
    assert not asks_for_papers("What does SNIP stand for?")
    assert examples("What accuracy does a model like SNIP reach?") == []


def test_an_example_picks_the_title_it_clearly_describes():
    sources = [_source(1, "a", "When Layers Play the Lottery, all Tickets Win at Initialization"),
               _source(2, "b", "You are caught stealing my winning lottery ticket!"),
               _source(3, "c", "Grokking Tickets: Lottery Tickets Accelerate Grokking")]
    assert described("layer pruning lottery tickets", sources) == "a"
    assert described("lottery tickets", sources) is None  # three titles share both words
    assert described("protein folding", sources) is None


def test_papers_the_answer_left_out_are_added_by_name_with_a_quote():
    sources = [_source(1, "a", "MathVerse: Visual math", "MathVerse has 2,612 problems."),
               _source(2, "b", "UniGeo: Geometry", "UniGeo unifies geometry reasoning.")]
    cites = (Citation(1, "a", sources[0].title, "MathVerse has 2,612 problems."),)
    text, out = complete("MathVerse is a benchmark [1].", cites, sources, ["a", "b"],
                         lambda s: s.abstract, 300)
    assert text == "MathVerse is a benchmark [1]. Also relevant: UniGeo [2]."
    assert [c.number for c in out] == [1, 2] and out[1].quote == "UniGeo unifies geometry reasoning."
    alone, _ = complete("", (), sources, ["b"], lambda s: s.abstract, 300)
    assert alone == "Relevant papers: UniGeo [2]."
    # a long answer (each abstract pasted) gives way to the names of the papers it cites
    pasted, out = complete("MathVerse has 2,612 problems [1]. " * 10, cites, sources, ["a", "b"],
                           lambda s: s.abstract, 300)
    assert pasted == "Relevant papers: MathVerse [1]; UniGeo [2]."
    unnamed, _ = complete("It has 2,612 problems [1].", cites, sources, ["a", "b"],
                          lambda s: s.abstract, 300)
    assert unnamed == "Relevant papers: MathVerse [1]; UniGeo [2]."
    assert out[0].quote == "MathVerse has 2,612 problems."


def test_without_examples_a_list_question_points_at_titles_carrying_its_topic():
    idf = {"generat": 3.0, "deep": 0.5, "learn": 0.4, "lotteri": 3.0, "ticket": 3.0}.get

    def weight(word):
        return idf(word, 1.0)

    q = "Which papers study generalization in deep learning?"
    assert on_topic(q, "On the Generalization Mystery in Deep Learning", weight)
    assert not on_topic(q, "Self-supervised Learning on Graphs: Deep Insights", weight)
    assert on_topic("Which papers study lottery tickets?",
                    "Grokking Tickets: Lottery Tickets Accelerate Grokking", weight)
    assert not on_topic("Which papers study lottery tickets?", "Pointer Networks", weight)


def test_a_question_about_one_papers_datasets_is_not_a_list_question():
    assert not asks_for_papers("Which datasets does PoolFormer use?")
    assert not asks_for_papers("What methods did the DySpec paper compare against?")
    assert asks_for_papers("Which methods reduce the memory of attention?")
    assert asks_for_papers("Which trials tested statins in older adults?")


def test_a_listed_paper_is_shown_by_the_name_the_question_calls_it():
    abstract = "Here we propose multi-stage vision token dropping (MustDrop) for LMMs."
    sources = [_source(1, "a", "Multi-Stage Vision Token Dropping", abstract)]
    text, _ = complete("", (), sources, ["a"], lambda s: s.abstract, 300,
                       "Which papers drop vision tokens, such as MustDrop?")
    assert text == "Relevant papers: MustDrop (Multi-Stage Vision Token Dropping) [1]."
    plain, _ = complete("", (), sources, ["a"], lambda s: s.abstract, 300, "Which papers?")
    assert plain == "Relevant papers: Multi-Stage Vision Token Dropping [1]."
