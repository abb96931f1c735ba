"""Writers take turns, every process sees the others' writes, and long records are cut:
unit tests with fakes, then real Chroma and MiniLM across processes."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import pytest

from assistant import Assistant, Settings
from assistant.errors import IndexBusyError, ModelError
from assistant.runtime.models import onnx_folder, resolve_embedder, resolve_onnx
from assistant.search.embedding import Document, OnnxEmbedder, TorchLateEmbedder, embed_documents
from assistant.search.locking import write_lock
from tests.conftest import ROOT, FakeEmbedder, FakeGenerator, FakeScorer


def _papers(path, n, start=0, words=""):
    path.write_text("\n".join(json.dumps({
        "id": f"p{i}", "title": f"Study {i} of enzyme kinetics {words}",
        "abstract": f"We measured enzyme {i} in liver cells. The rate rose by {i} percent {words}."})
        for i in range(start, start + n)))
    return path


def test_a_second_writer_waits_and_is_told_whom_for(tmp_path):
    heard: list[str] = []
    order: list[str] = []
    waiting = threading.Event()

    def notify(message: str) -> None:
        heard.append(message)
        waiting.set()

    def second():
        with write_lock(tmp_path, notify=notify):
            order.append("second")

    with write_lock(tmp_path):
        thread = threading.Thread(target=second)
        thread.start()
        assert waiting.wait(10), "the second writer never found the lock held"
        order.append("first")
    thread.join(10)
    assert order == ["first", "second"]
    assert heard and "pid" in heard[0] and str(tmp_path) in heard[0]


def test_a_writer_that_cannot_wait_gets_a_clear_error(tmp_path):
    busy = pytest.raises(IndexBusyError, match="being written by pid .*another --data-dir")
    with write_lock(tmp_path), busy, write_lock(tmp_path, wait=0.3):
        pass


def test_a_long_abstract_is_cut_after_a_whole_sentence(tmp_path, settings):
    settings = settings.replace(max_abstract_chars=1000)
    sentence = "Enzyme activity in hepatocytes doubled after the treatment. "
    path = tmp_path / "long.jsonl"
    path.write_text(json.dumps({"id": "long", "title": "A very long record",
                                "abstract": sentence * 200}))
    assistant = Assistant(settings, embedder=FakeEmbedder(), scorer=FakeScorer(), generator=FakeGenerator())
    report = assistant.ingest(path)
    stored = assistant.index.get_papers(["long"])["long"].abstract
    assert report.added == 1 and len(report.truncated) == 1
    assert len(stored) <= 1000 and stored.endswith("treatment.")
    assert "truncated to" in str(report.truncated[0]) and "1 abstracts truncated" in \
        report.summary()


def test_spans_without_late_chunking_are_embedded_after_the_title():
    fake = FakeEmbedder()
    doc = Document("Title words", "First sentence here. Second one there.", [(0, 20), (21, 38)],
                   [(0, 20), (21, 38)])
    (matrix,) = embed_documents(fake, [doc])
    assert matrix.shape == (2, fake.dim)
    assert fake.calls == [["Title words\nFirst sentence here.", "Title words\nSecond one there."]]


@pytest.mark.component
def test_late_chunking_gives_each_sentence_its_own_vector_across_windows():
    folder = resolve_onnx(Settings())
    assert folder is not None, "run `assistant models --install` to export the ONNX embedder"
    embedder = OnnxEmbedder(folder, name="x", window_tokens=64)  # forces several windows
    topics = ["Insulin resistance rises with visceral fat in older adults.",
              "Graph neural networks predict molecular solubility from atom features.",
              "Coral reefs bleach when sea temperatures stay high for weeks.",
              "Transformers translate English to German with attention layers."]
    body = " ".join(topics * 2)
    spans, at = [], 0
    for t in topics * 2:
        at = body.index(t, at)
        spans.append((at, at + len(t)))
        at += len(t)
    (matrix,) = embedder.embed_spans([Document("Mixed findings", body, spans, spans)])
    alone = embedder.embed(topics)
    import numpy as np

    sims = matrix @ np.asarray(alone).T
    assert list(sims.argmax(axis=1)) == [0, 1, 2, 3, 0, 1, 2, 3]
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-4)


@pytest.mark.component
def test_the_torch_late_embedder_agrees_with_the_int8_export():
    """The GPU ingest path (torch, run here on the CPU) pools the same spans as the ONNX int8
    embedder, so either can write an index the other searches."""
    import numpy as np

    settings = Settings()
    _, path = resolve_embedder(settings)
    torch_late = TorchLateEmbedder(path, name="x", device="cpu")
    onnx = OnnxEmbedder(resolve_onnx(settings), name="x")
    body = ("Zebrafish regrow amputated fins from a blastema. Coral reefs bleach when the sea "
            "stays warm for weeks. Transformers translate English to German with attention.")
    spans = [(0, 48), (49, 102), (103, len(body))]
    doc = Document("Three findings", body, spans, spans)
    (a,), (b,) = torch_late.embed_spans([doc]), onnx.embed_spans([doc])
    # no cosine threshold (int8 vectors differ between instruction sets): each sentence's
    # float vector is nearest to its own int8 vector, and queries rank the same way
    assert list((a @ b.T).argmax(axis=1)) == [0, 1, 2]
    queries = ["fin regrowth", "coral bleaching", "machine translation"]
    assert list((np.asarray(torch_late.embed(queries)) @ np.asarray(onnx.embed(queries)).T)
                .argmax(axis=1)) == [0, 1, 2]
    assert list((np.asarray(onnx.embed(queries)) @ b.T).argmax(axis=1)) == [0, 1, 2]


def test_auto_embeds_on_a_gpu_when_torch_sees_one(monkeypatch, tmp_path):
    import assistant.pipeline as pipeline

    monkeypatch.setattr(pipeline, "cuda_available", lambda: True)
    embedder = Assistant(Settings(data_dir=tmp_path)).embedder
    assert isinstance(embedder, TorchLateEmbedder) and embedder.device == "cuda"
    assert embedder.name == onnx_folder(Settings()).name  # one vector space, one stamp
    assert embedder.group_size > 64
    monkeypatch.setattr(pipeline, "cuda_available", lambda: False)
    assert isinstance(Assistant(Settings(data_dir=tmp_path)).embedder, OnnxEmbedder)
    with pytest.raises(ModelError, match="no CUDA GPU"):
        _ = Assistant(Settings(data_dir=tmp_path, embedder_backend="cuda")).embedder


@pytest.mark.component
def test_another_process_sees_ingests_and_deletes_without_restart(tmp_path):
    settings = Settings(data_dir=tmp_path / "idx")
    first = Assistant(settings)
    first.ingest(_papers(tmp_path / "a.jsonl", 3))
    assert {s.paper_id for s in first.search("enzyme kinetics liver", k=10)} == {"p0", "p1", "p2"}
    cli = [sys.executable, "-m", "assistant"]
    done = subprocess.run([*cli, "ingest", "--data-dir", str(settings.data_dir),
                           str(_papers(tmp_path / "b.jsonl", 2, start=3))],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    seen = {s.paper_id for s in first.search("enzyme kinetics liver", k=10)}
    assert seen == {"p0", "p1", "p2", "p3", "p4"}
    done = subprocess.run([*cli, "delete", "--data-dir", str(settings.data_dir), "p1"],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "p1" not in {s.paper_id for s in first.search("enzyme kinetics liver", k=10)}


@pytest.mark.component
def test_concurrent_ingests_of_one_file_count_truthfully(tmp_path):
    path = _papers(tmp_path / "c.jsonl", 6, words="in mice")
    cli = [sys.executable, "-m", "assistant", "ingest", "--data-dir", str(tmp_path / "idx"),
           str(path)]
    procs = [subprocess.Popen(cli, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    summaries = sorted(out.splitlines()[0] for out, _ in outs)
    assert summaries[0].startswith("0 added, 0 updated, 6 unchanged"), summaries
    assert summaries[1].startswith("6 added, 0 updated, 0 unchanged"), summaries


@pytest.mark.component
def test_an_index_of_the_old_layout_asks_for_a_fresh_ingest(tmp_path):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    from assistant.errors import IndexError_

    old = chromadb.PersistentClient(path=str(tmp_path / "idx" / "chroma"),
                                    settings=ChromaSettings(anonymized_telemetry=False))
    old.get_or_create_collection("sentences", embedding_function=None)
    with pytest.raises(IndexError_, match="older version.*ingest your corpus again"):
        Assistant(Settings(data_dir=tmp_path / "idx"), embedder=FakeEmbedder()).count()


def test_late_chunking_setting_chooses_one_pass_or_one_per_span(tmp_path):
    class OnePass(FakeEmbedder):
        def __init__(self) -> None:
            super().__init__()
            self.documents = 0

        def embed_spans(self, docs):
            import numpy as np

            self.documents += len(docs)
            return [np.asarray(self.embed([f"{d.title}\n{d.body[s:e]}" for s, e in d.spans]),
                               dtype=np.float32) for d in docs]

    corpus = _papers(tmp_path / "p.jsonl", 3)
    for late, passes in ((False, 0), (True, 3)):
        embedder = OnePass()
        a = Assistant(Settings(data_dir=tmp_path / f"idx-{late}", late_chunking=late),
                      embedder=embedder, scorer=FakeScorer(), generator=FakeGenerator())
        assert a.ingest(corpus).added == 3
        assert embedder.documents == passes


def test_pooled_vectors_are_the_mean_of_each_texts_own_tokens():
    """embed_matrix pools per text over its real tokens only (padding excluded), batched by
    length: the same as pooling each text alone."""
    import numpy as np

    from assistant.runtime.models import resolve_embedder
    from assistant.search.embedding import LateEmbedder

    class Hashed(LateEmbedder):  # token vectors that depend on the token id and position
        def _forward(self, ids, mask):
            rng = np.random.default_rng(0)
            table = rng.standard_normal((40000, 8)).astype(np.float32)
            return table[ids] + np.arange(ids.shape[1], dtype=np.float32)[None, :, None] / 10

    _, folder = resolve_embedder(Settings())
    texts = ["a", "a much longer text with many more tokens in it than the others", "mid text"]
    together = Hashed(folder, name="h", batch_size=8).embed_matrix(texts)
    alone = np.vstack([Hashed(folder, name="h", batch_size=1).embed_matrix([t]) for t in texts])
    assert np.allclose(together, alone, atol=1e-6)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0)
