"""The same code against servers: a Chroma server and llama.cpp's OpenAI-compatible server."""

import json
import os
import subprocess
import sys
import time
import urllib.request

import pytest

from assistant import Answer, Assistant, Settings
from tests.conftest import real_model
from tests.test_ui import _free_port

pytestmark = pytest.mark.e2e


def _start(cmd, url, log, env=None):
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                env=dict(os.environ, **(env or {})))
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return proc
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.5)
    proc.kill()
    pytest.fail(f"{cmd[0]} did not start: {log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("chroma-server")
    port = _free_port()
    chroma = os.path.join(os.path.dirname(sys.executable), "chroma")
    proc = _start([chroma, "run", "--path", str(tmp / "db"), "--host", "127.0.0.1",
                   "--port", str(port)], f"http://127.0.0.1:{port}/api/v2/heartbeat",
                  tmp / "log", env={"ANONYMIZED_TELEMETRY": "False"})
    yield port
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def llm_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("llm-server")
    port = _free_port()
    # llama.cpp's server, with its extra CPU buffers off on AMX CPUs as the assistant loads
    # models (its AMX kernel crashes while decoding: docs/benchmarks.md, issue 20)
    serve = ("import runpy, sys\n"
             "from assistant.runtime.hardware import extra_buffers\n"
             "sys.argv[0] = 'llama_cpp.server'\n"
             "with extra_buffers():\n"
             "    runpy.run_module('llama_cpp.server', run_name='__main__')\n")
    proc = _start([sys.executable, "-c", serve, "--model",
                   str(real_model("smollm2-135m")), "--host", "127.0.0.1", "--port", str(port),
                   "--n_ctx", "2048"], f"http://127.0.0.1:{port}/v1/models", tmp / "log")
    yield f"http://127.0.0.1:{port}/v1"
    proc.terminate()
    proc.wait(timeout=30)


def test_ingest_and_search_through_a_chroma_server(chroma_server, tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [
        {"id": "a", "title": "Protein folding with attention",
         "abstract": "We predict protein structures with an attention network. Accuracy rivals "
                     "experimental methods on most targets."},
        {"id": "b", "title": "Traffic forecasting",
         "abstract": "We forecast road traffic with graph neural networks over sensor data. The "
                     "model reduces error by a fifth on two city datasets."},
    ]))
    settings = Settings(chroma_host="127.0.0.1", chroma_port=chroma_server,
                        data_dir=tmp_path / "unused")
    assistant = Assistant(settings)
    assert assistant.ingest(path).added == 2
    assert Assistant(settings).ingest(path).unchanged == 2  # state lives in the server
    assert assistant.search("how do proteins fold", k=2)[0].paper_id == "a"
    assert not (tmp_path / "unused" / "chroma").exists()


def test_two_clients_of_one_server_share_bm25_and_see_each_others_writes(chroma_server,
                                                                          tmp_path):
    """Each client keeps its BM25 catalog in its own data dir, derived from the server's
    papers by sequence number: both rank alike and follow the other's ingests and deletes."""
    papers = [{"id": f"c{i}", "title": title, "abstract": abstract} for i, (title, abstract) in
              enumerate([("Bird migration", "Songbirds migrate at night using star patterns "
                          "and the geomagnetic field to keep their heading."),
                         ("Coral bleaching", "Warm water expels symbiotic algae from corals, "
                          "which bleach and starve when heat waves persist."),
                         ("Soil microbes", "Soil bacteria fix nitrogen for legumes in root "
                          "nodules, raising yields without fertiliser.")])]
    first_file, second_file = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    first_file.write_text("\n".join(json.dumps(p) for p in papers[:2]))
    second_file.write_text(json.dumps(papers[2]))
    common = {"chroma_host": "127.0.0.1", "chroma_port": chroma_server}
    one = Assistant(Settings(data_dir=tmp_path / "client1", **common))
    two = Assistant(Settings(data_dir=tmp_path / "client2", **common))
    for pid in [p["id"] for p in papers]:  # the module's server may hold earlier papers
        one.delete(pid)
    one.ingest(first_file)
    assert two.search("geomagnetic heading", k=1, mode="bm25")[0].paper_id == "c0"
    two.ingest(second_file)
    ranked = [h.paper_id for h in one.search("nitrogen legumes", k=3, mode="bm25")]
    assert ranked[0] == "c2"
    assert ranked == [h.paper_id for h in two.search("nitrogen legumes", k=3, mode="bm25")]
    assert one.search("nitrogen", k=3, mode="bm25")[0].lexical == \
        two.search("nitrogen", k=3, mode="bm25")[0].lexical  # the same corpus-wide idf
    two.delete("c2")
    assert all(h.paper_id != "c2" for h in one.search("nitrogen legumes", k=3, mode="bm25"))
    assert (tmp_path / "client1" / "catalog" / "state.json").exists()


def test_answers_through_an_openai_compatible_server(llm_server, bundled_index):
    assistant = Assistant(Settings(data_dir=bundled_index, llm_base_url=llm_server,
                                   n_ctx=2048, max_tokens=64))
    events = list(assistant.ask_stream("What is DotaMath?"))
    answer = events[-1]
    assert isinstance(answer, Answer) and len(events) > 2
    assert all(isinstance(e, str) for e in events[:-1])
    numbers = {s.number for s in answer.sources}
    assert all(c.number in numbers and all(
        part in next(s.abstract for s in answer.sources if s.number == c.number)
        for part in c.quote.split(" … ")) for c in answer.citations)
