"""Real Chroma in a temp dir with the real all-MiniLM-L6-v2."""

import json

import pytest

from assistant import Assistant, Settings
from assistant.errors import EmbedderMismatchError
from assistant.search.store import ChromaIndex
from tests.conftest import BUNDLED

pytestmark = pytest.mark.component


@pytest.fixture(scope="module")
def assistant(bundled_index):
    return Assistant(Settings(data_dir=bundled_index))


def test_index_is_stamped_with_minilm(assistant):
    assert assistant.index.stamp()["embedder"] == "all-MiniLM-L6-v2-onnx-int8"
    assert assistant.count() == 94


@pytest.mark.parametrize("query,title_start", [
    ("DotaMath", "DotaMath"),
    ("formal theorem proving in Lean with synthetic proof data", "DeepSeek-Prover"),
    ("token-level contrastive estimation critical tokens", "Critical Tokens Matter"),
    ("quantization methods for neural network inference survey", "A Survey of Quantization"),
])
def test_search_finds_the_paper_first(assistant, query, title_start):
    hits = assistant.search(query, k=5)
    assert hits[0].title.startswith(title_start)
    assert len({h.paper_id for h in hits}) == 5
    assert hits[0].text in hits[0].abstract and 0 < hits[0].score <= 1


def test_reingest_of_unchanged_corpus_embeds_nothing(assistant):
    report = assistant.ingest(BUNDLED)
    assert report.unchanged == 94 and report.chunks_embedded == 0


def test_update_and_persistence_across_clients(tmp_path):
    path = tmp_path / "p.jsonl"
    rec = {"id": "x1", "title": "Graph neural networks for molecules",
           "abstract": "We predict molecular properties with message passing networks. Our model "
                       "outperforms fingerprints on twelve benchmark datasets."}
    path.write_text(json.dumps(rec))
    settings = Settings(data_dir=tmp_path / "idx")
    assert Assistant(settings).ingest(path).added == 1
    rec["abstract"] += " It also scales to proteins with millions of atoms."
    path.write_text(json.dumps(rec))
    fresh = Assistant(settings)  # a new client reads what the first one stored
    report = fresh.ingest(path)
    assert (report.added, report.updated) == (0, 1)
    hit = fresh.search("protein scaling", k=1)[0]
    assert hit.paper_id == "x1" and "proteins" in hit.abstract


def test_other_embedder_is_refused(bundled_index):
    with pytest.raises(EmbedderMismatchError, match="all-MiniLM-L6-v2"):
        ChromaIndex(Settings(data_dir=bundled_index)).check_embedder("bge-small")


def test_eval_retrieval_command_on_a_tiny_beir_folder(tmp_path, capsys):
    from assistant.serve.cli import main

    folder = tmp_path / "beir"
    (folder / "qrels").mkdir(parents=True)
    docs = {
        "d1": ("Aspirin and heart attacks", "Daily low-dose aspirin lowers the risk of a first "
               "heart attack in adults over fifty."),
        "d2": ("Coffee and sleep", "Caffeine taken late in the day delays sleep onset and "
               "shortens deep sleep."),
        "d3": ("Exercise and memory", "Aerobic exercise enlarges the hippocampus and improves "
               "spatial memory in older adults."),
    }
    (folder / "corpus.jsonl").write_text("\n".join(
        json.dumps({"_id": k, "title": t, "text": x}) for k, (t, x) in docs.items()))
    (folder / "queries.jsonl").write_text("\n".join(json.dumps(q) for q in [
        {"_id": "q1", "text": "aspirin prevents heart attacks"},
        {"_id": "q2", "text": "caffeine harms sleep"},
        {"_id": "q3", "text": "no judgement for this one"},
    ]))
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\n")
    out = tmp_path / "report.json"
    assert main(["eval", "retrieval", str(folder), "--mode", "bm25", "--mode", "hybrid",
                 "--json", str(out)]) == 0
    report = json.loads(out.read_text())["results"]
    for mode in ("bm25", "hybrid"):
        assert report[mode]["queries"] == 2
        assert report[mode]["ndcg@10"] == pytest.approx(1.0)
        assert report[mode]["search_ms_p95"] >= report[mode]["search_ms_p50"] > 0
    assert "nDCG@10 1.0000" in capsys.readouterr().out
