"""Paper names: what a paper introduces, and finding them in questions."""

from assistant.text.names import NameIndex, paper_names, title_name


def test_title_name_is_the_part_before_a_colon():
    assert title_name("SNIP: Bridging Symbolic and Numeric Realms") == "SNIP"
    assert title_name("Pointer Networks") == ""
    assert title_name("A very long preamble that is clearly not a name at all: subtitle") == ""


def test_names_come_from_the_title_and_from_what_the_abstract_introduces():
    names = paper_names("MetaFormer Is Actually What You Need for Vision",
                        "We replace attention with pooling; the derived model, termed as "
                        "PoolFormer, is competitive. The latest GPT-3 language model fails.")
    assert names == {"PoolFormer"}  # GPT-3 is only mentioned, not introduced
    assert paper_names("O1 Embedder: Let Retrievers Think", "") == {"O1 Embedder"}  # "O1" alone is too short
    assert paper_names("Light-R1: Curriculum SFT", "we present a fine-tuned model") == {"Light-R1"}
    assert paper_names("Accelerating MLLMs", "For it, we propose a greedy search algorithm "
                       "(G-Search) to find tokens.") == {"G-Search"}


def test_single_word_names_match_with_their_case_and_phrases_without():
    index = NameIndex()
    index.build([("fit", "FIT: Far-reaching Interleaved Transformers", ""),
                 ("o1", "O1 Embedder: Let Retrievers Think", ""),
                 ("tnx", "TransNeXt: Robust Foveal Perception", "")])
    assert index.named_in("How do I fit a model?") == []
    assert index.named_in("What does FIT interleave?") == ["fit"]
    assert index.named_in("How is the o1 embedder trained?") == ["o1"]
    assert index.named_in("What does TransNeXt-Tiny reach, and TransNeXt's Base?") == ["tnx"]
    assert index.named_in("Compare FIT with TransNeXt") == ["fit", "tnx"]
    assert index.named_in("What does TransNeXt-Base-384 reach?") == ["tnx"]


def test_a_name_that_many_papers_mention_names_no_single_paper():
    papers = [("c0", "COVID-19: Outcomes in Care Homes", "COVID-19 killed many residents.")]
    papers += [(f"c{i}", f"Study {i} of masks", f"COVID-19 spread in setting {i}.")
               for i in range(1, 6)]
    index = NameIndex()
    index.build(papers)
    assert index.named_in("How did COVID-19 spread in schools?") == []


def test_a_name_introduced_once_stays_the_papers_in_a_large_corpus():
    papers = [("lion", "Symbolic Discovery", "Our method discovers an optimizer, termed EvoLion. "
               "It beats AdamW.")]
    papers += [(f"u{i}", f"Follow-up {i}", f"We train with {'EvoLion' if i < 2 else 'SGD'}, run {i}.")
               for i in range(300)]
    index = NameIndex()
    index.build(papers)
    assert index.named_in("What does EvoLion keep track of?") == ["lion"]
