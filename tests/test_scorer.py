"""The evidence scorer: installed from the shipped adapter, required, and scoring pairs."""

import shutil

import pytest

from assistant import Assistant, Settings
from assistant.errors import ModelError
from assistant.runtime import scorer as sc
from tests.conftest import MODELS_DIR, FakeEmbedder, FakeGenerator


def test_without_the_scorer_asking_says_how_to_install_it(tmp_path):
    a = Assistant(Settings(data_dir=tmp_path / "i", models_dir=tmp_path / "models",
                           min_relevance=0.0), embedder=FakeEmbedder(), generator=FakeGenerator())
    corpus = tmp_path / "c.jsonl"
    corpus.write_text('{"id": "a", "title": "Cats", "abstract": "Cats sleep a lot. They nap."}\n')
    a.ingest(corpus)
    with pytest.raises(ModelError, match="assistant models --install"):
        a.ask("How long do cats sleep?")


def test_a_changed_adapter_is_refused_by_its_sha256(tmp_path):
    shutil.copytree(sc.ADAPTER_DIR, tmp_path / "adapter")
    sc.verify_adapter(tmp_path / "adapter")
    with open(tmp_path / "adapter" / "adapter.safetensors", "r+b") as f:
        f.seek(-8, 2)
        f.write(b"\0" * 8)
    with pytest.raises(ModelError, match="sha256"):
        sc.verify_adapter(tmp_path / "adapter")
    (tmp_path / "adapter" / "adapter.json").unlink()
    with pytest.raises(ModelError, match="missing"):
        sc.verify_adapter(tmp_path / "adapter")


@pytest.fixture(scope="module")
def real():
    """The scorer `assistant models --install` built (the test command runs it)."""
    folder = MODELS_DIR / sc.FOLDER
    if not (folder / "model.onnx").exists():
        pytest.fail(f"{folder} is missing: run `assistant models --install`")
    return sc.OnnxScorer(folder, threads=2)


def test_the_real_scorer_finds_the_answering_sentence(real):
    sentences = ["Domestic cats were observed in 40 households.",
                 "Cats slept a median of 15.2 hours per day.",
                 "Dogs were not part of the study."]
    probs = real.answers("How many hours per day do cats sleep?", sentences)
    assert len(probs) == 3 and all(0.0 <= p <= 1.0 for p in probs)
    assert probs.index(max(probs)) == 1


def test_the_real_scorer_returns_distributions_and_handles_empty_input(real):
    rows = real.entails("Cats sleep 15 hours a day.", ["Cats slept 15 hours per day.", "x"])
    assert len(rows) == 2 and all(abs(sum(r) - 1.0) < 1e-4 for r in rows)
    assert real.answers("anything", []) == []
    relevant = real.relevance("sleep in cats", ["Sleep in cats\nCats sleep 15 hours a day."])
    assert len(relevant) == 1 and 0.0 <= relevant[0] <= 1.0


def test_one_pair_scores_the_same_alone_and_among_others(real):
    """A pair's score does not depend on the pairs scored with it (int8 activations are
    scaled per run, so each pair runs alone)."""
    long = "A " + "very " * 60 + "long sentence about cats sleeping."
    alone = real.answers("How long do cats sleep?", ["Cats sleep 15 hours."])[0]
    batched = real.answers("How long do cats sleep?", ["Cats sleep 15 hours.", long])[0]
    assert alone == batched
