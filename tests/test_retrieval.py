"""Hybrid retrieval with the fake embedder over a real Chroma and a real BM25 index."""

import json

import pytest

from assistant import Assistant, Filters, Settings
from assistant.errors import ConfigError
from assistant.text.rules import tokenize
from tests.conftest import FakeEmbedder, FakeGenerator, FakeScorer

PAPERS = [
    {"id": "dota", "title": "DotaMath decomposition", "year": 2024, "authors": ["Li", "Chen"],
     "abstract": "DotaMath decomposes math problems into subtasks with code assistance. "
                 "It reaches strong accuracy on competition benchmarks."},
    {"id": "prov", "title": "Theorem proving with synthetic data", "year": 2023,
     "authors": ["Xin"],
     "abstract": "We generate Lean proofs from competition problems and fine-tune a prover. "
                 "The prover solves many miniF2F problems."},
    {"id": "bees", "title": "Honeybee navigation", "year": 2019, "authors": ["Chen"],
     "abstract": "Honeybees share food locations through the waggle dance. The dance angle "
                 "encodes direction relative to the sun."},
    {"id": "ants", "title": "Ant colony foraging", "year": 2021, "authors": ["Okafor"],
     "abstract": "Ants lay pheromone trails to food sources. Colonies adapt foraging routes "
                 "when food locations change."},
]


@pytest.fixture
def assistant(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text("\n".join(json.dumps(p) for p in PAPERS))
    a = Assistant(Settings(data_dir=tmp_path / "idx", min_relevance=0.0), embedder=FakeEmbedder(),
                  generator=FakeGenerator())
    a.ingest(path)
    return a


def test_tokenizer_stems_splits_hyphens_and_drops_stopwords():
    assert tokenize("The DotaMath-7B models were decomposing") == [
        "dotamath-7b", "dotamath", "7b", "model", "decompos"]


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_each_mode_finds_the_rare_name(assistant, mode):
    hits = assistant.search("DotaMath", k=3, mode=mode)
    assert hits[0].paper_id == "dota"
    assert len({h.paper_id for h in hits}) == len(hits)


def test_bad_mode_is_refused(assistant):
    with pytest.raises(ConfigError, match="mode"):
        assistant.search("x", mode="fuzzy")


def test_bm25_follows_updates_and_deletes_and_survives_restart(assistant, tmp_path):
    path = tmp_path / "new.jsonl"
    path.write_text(json.dumps({"id": "zeb", "title": "Zebrafish regeneration",
                                "abstract": "Zebrafish regrow fin tissue after amputation. "
                                            "Blastema cells drive the regrowth process."}))
    assistant.ingest(path)
    assert assistant.search("blastema", k=1, mode="bm25")[0].paper_id == "zeb"
    assert assistant.delete("zeb", "missing-id") == 1
    assert all(h.paper_id != "zeb" for h in assistant.search("blastema", k=5, mode="bm25"))
    restarted = Assistant(assistant.settings, embedder=FakeEmbedder(), scorer=FakeScorer())
    assert restarted.search("waggle dance", k=1, mode="bm25")[0].paper_id == "bees"
    assert restarted.count() == 4


def test_a_damaged_catalog_is_rebuilt_from_the_index(assistant):
    (assistant.settings.data_dir / "catalog" / "state.json").write_text("{not json")
    fresh = Assistant(assistant.settings, embedder=FakeEmbedder(), scorer=FakeScorer())
    assert fresh.search("pheromone trails", k=1, mode="bm25")[0].paper_id == "ants"


def test_filters_by_year_author_and_id(assistant):
    hits = assistant.search("food locations", k=5, filters=Filters(year_min=2020))
    assert {h.paper_id for h in hits} <= {"dota", "prov", "ants"} and hits
    assert {h.paper_id for h in assistant.search("food", k=5, filters=Filters(authors=("chen",)))} \
        <= {"dota", "bees"}
    assert [h.paper_id for h in assistant.search("food", k=5, filters=Filters(paper_ids=("ants",)))] \
        == ["ants"]
    assert assistant.search("food", k=5, filters=Filters(year_max=1990)) == []


def test_filters_reach_ask(assistant):
    answer = assistant.ask("Where is food?", filters=Filters(paper_ids=("bees",)))
    assert [s.paper_id for s in answer.sources] == ["bees"]


def test_diversify_keeps_relevance_first_and_all_papers(assistant):
    plain = assistant.search("food locations foraging", k=4)
    diverse = assistant.search("food locations foraging", k=4, diversify=True)
    assert diverse[0].paper_id == plain[0].paper_id
    assert {h.paper_id for h in diverse} == {h.paper_id for h in plain}


def test_relevance_is_a_probability_and_ranks_the_match_higher(assistant):
    good = assistant.search("waggle dance direction of the sun", k=4)
    bad = assistant.search("quarterly revenue of shipping firms", k=4)
    assert all(0.0 <= h.relevance <= 1.0 for h in good + bad)
    assert good[0].paper_id == "bees" and good[0].relevance > 0.5
    assert bad and bad[0].relevance < good[0].relevance


def test_feedback_options_search_without_error(assistant):
    """Pseudo-relevance feedback (off by default) still runs beside the z-score signals."""
    settings = assistant.settings.replace(feedback=2, feedback_weight=0.5, feedback_terms=5)
    feedback = Assistant(settings, embedder=FakeEmbedder(), scorer=FakeScorer(), generator=FakeGenerator())
    hits = feedback.search("food locations of honeybees", k=4)
    assert hits[0].paper_id == "bees" and len({h.paper_id for h in hits}) == 4


def test_results_do_not_depend_on_what_earlier_searches_cached(assistant, monkeypatch):
    import assistant.search.retrieval as retrieval

    fresh = [h.paper_id for h in assistant.search("food locations", k=4)]
    monkeypatch.setattr(retrieval, "_CACHE", 1)  # every fetch evicts the earlier records
    for query in ("theorem proving", "waggle dance", "math problems"):
        assistant.search(query, k=4)
    assert [h.paper_id for h in assistant.search("food locations", k=4)] == fresh
