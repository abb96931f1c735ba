"""End to end with real GGUF models: SmolLM2-135M for speed, Qwen2.5-Coder-0.5B for quality."""

import json
import os
import subprocess
import sys

import pytest

from assistant import Answer
from assistant.prompting import NO_ANSWER
from tests.conftest import ROOT

pytestmark = pytest.mark.e2e


def _check_structure(answer: Answer) -> None:
    numbers = {s.number for s in answer.sources}
    if answer.abstained:
        assert answer.text == NO_ANSWER and answer.citations == ()
        return
    assert answer.citations, "a non-abstained answer must cite"
    for c in answer.citations:
        assert c.number in numbers and f"[{c.number}]" in answer.text
        source = next(s for s in answer.sources if s.number == c.number)
        assert c.paper_id == source.paper_id and c.quote and c.quote in source.abstract


def test_smol_ask_returns_checked_answer(smol_assistant):
    answer = smol_assistant.ask("What is DotaMath?")
    assert isinstance(answer, Answer) and answer.sources
    assert answer.sources[0].title.startswith("DotaMath")
    assert answer.prompt_tokens > 0 and answer.prompt_tokens + 96 <= 2048
    _check_structure(answer)


def test_smol_stream_yields_text_then_answer(smol_assistant):
    events = list(smol_assistant.ask_stream("What does SWE-RL use as a reward?"))
    assert isinstance(events[-1], Answer)
    pieces = events[:-1]
    assert pieces and all(isinstance(p, str) for p in pieces)
    _check_structure(events[-1])


def test_smol_out_of_corpus_question_declines(smol_assistant):
    answer = smol_assistant.ask("What is the best recipe for sourdough bread?")
    assert answer.abstained and answer.text == NO_ANSWER


def _env(tmp_path, **extra):
    env = dict(os.environ, ASSISTANT_MODEL="smollm2-135m", ASSISTANT_DATA_DIR=str(tmp_path),
               ASSISTANT_MAX_TOKENS="64", ASSISTANT_N_CTX="2048")
    env.update(extra)
    return env


def test_cli_ask_json(bundled_index):
    out = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", "What is DotaMath?", "--json"],
        capture_output=True, text=True, env=_env(bundled_index), cwd=ROOT, timeout=300,
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) >= {"text", "citations", "sources", "abstained"}
    assert data["sources"][0]["title"].startswith("DotaMath")


def test_cli_errors_are_one_line_without_traceback(tmp_path):
    out = subprocess.run([sys.executable, "-m", "assistant", "ingest", str(tmp_path / "no.txt")],
                         capture_output=True, text=True, env=_env(tmp_path / "i"), cwd=ROOT)
    assert out.returncode == 1
    assert out.stderr.startswith("error: ") and "no such file" in out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_module_level_ask_indexes_the_bundled_corpus_on_first_use(tmp_path):
    code = ("from assistant import ask\n"
            "a = ask('What is DotaMath?')\n"
            "print(a.sources[0].title)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=_env(tmp_path / "fresh"), cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().startswith("DotaMath")


@pytest.mark.parametrize("question,expected,title_start", [
    ("What accuracy does DeepSeek-Prover reach on miniF2F?", "46.3", "DeepSeek-Prover"),
    ("Which benchmark does the CHiSafetyBench paper introduce for DeepSeek models?",
     "CHiSafetyBench", "Safety Evaluation of DeepSeek"),
    ("What does SWE-RL use as its reward?", "similarity", "SWE-RL"),
])
def test_qwen_answers_correctly_with_the_right_citation(qwen_assistant, question, expected,
                                                        title_start):
    answer = qwen_assistant.ask(question)
    _check_structure(answer)
    assert not answer.abstained
    assert expected.lower() in answer.text.lower()
    assert any(c.title.startswith(title_start) for c in answer.citations)


def test_gpu_layers_setting_is_accepted_on_a_cpu_build(bundled_index):
    from assistant import Assistant, Settings
    from tests.conftest import real_model

    a = Assistant(Settings(data_dir=bundled_index, model=str(real_model("smollm2-135m")),
                           n_ctx=2048, max_tokens=32, n_gpu_layers=-1))
    _check_structure(a.ask("What is DotaMath?"))
