"""End to end with real GGUF models: SmolLM2-135M for speed, Qwen2.5-Coder-0.5B for quality."""

import json
import os
import re
import subprocess
import sys

import pytest

from assistant import Answer
from assistant.answer.prompting import NO_ANSWER
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
        # the sentence(s) that state the claim, verbatim: at most two, joined by " … "
        parts = c.quote.split(" … ")
        assert c.paper_id == source.paper_id and c.quote and len(parts) <= 2
        assert all(part in source.abstract for part in parts)


_FIGURE = re.compile(r"(?<![\w.\-])\d+(?:[.,]\d+)*(?!\w)")  # not "7B", "GPT-4"


def _figures_are_quoted(answer: Answer) -> None:
    """Every figure of the answer's text stands in a quote it cites (markers aside)."""
    text = re.sub(r"\[\d+\]", "", answer.text)
    quoted = " ".join(c.quote for c in answer.citations)
    assert set(_FIGURE.findall(text)) <= set(_FIGURE.findall(quoted)), answer


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


@pytest.mark.parametrize("question,title_start,wants_figure", [
    ("What accuracy does DeepSeek-Prover reach on miniF2F?", "DeepSeek-Prover", True),
    ("Which benchmark does the CHiSafetyBench paper introduce for DeepSeek models?",
     "Safety Evaluation of DeepSeek", False),
    ("What does SWE-RL use as its reward?", "SWE-RL", False),
])
def test_qwen_answers_with_the_right_citation(qwen_assistant, question, title_start, wants_figure):
    """Properties of a right answer, not one wording: it answers (no quote fallback), cites
    the paper asked about with verbatim quotes, and any figure it gives stands in its quote."""
    answer = qwen_assistant.ask(question)
    _check_structure(answer)
    assert not answer.abstained and not answer.hedged
    assert any(c.title.startswith(title_start) for c in answer.citations)
    _figures_are_quoted(answer)
    if wants_figure:
        assert _FIGURE.search(re.sub(r"\[\d+\]", "", answer.text)), answer.text


def test_gpu_layers_setting_is_accepted_on_a_cpu_build(bundled_index):
    from assistant import Assistant, Settings
    from tests.conftest import real_model

    a = Assistant(Settings(data_dir=bundled_index, model=str(real_model("smollm2-135m")),
                           n_ctx=2048, max_tokens=32, n_gpu_layers=-1))
    _check_structure(a.ask("What is DotaMath?"))


def test_cli_chat_resolves_a_follow_up(bundled_index):
    out = subprocess.run(
        [sys.executable, "-m", "assistant", "chat"], input="What is DotaMath?\n"
        "And what about its GSM8K score?\n", capture_output=True, text=True,
        env=_env(bundled_index), cwd=ROOT, timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert "(searched for: What about DotaMath's GSM8K score?)" in out.stdout


def test_qwen_follow_up_answers_from_the_same_paper(qwen_assistant):
    from assistant import Conversation

    chat = Conversation(qwen_assistant)
    first = chat.ask("What score does DotaMath-deepseek-7B achieve on the MATH dataset?")
    _check_structure(first)
    assert first.citations[0].title.startswith("DotaMath") and "MATH" in first.citations[0].quote
    _figures_are_quoted(first)
    follow = chat.ask("And what about its GSM8K score?")
    _check_structure(follow)
    assert follow.standalone == "What about DotaMath's GSM8K score?"
    assert follow.citations[0].title.startswith("DotaMath") and "GSM8K" in follow.citations[0].quote
    _figures_are_quoted(follow)
    assert _FIGURE.search(re.sub(r"\[\d+\]", "", follow.text)), follow.text


def test_static_instructions_are_reused_from_the_kv_cache(qwen_assistant):
    """The second question evaluates only what follows the system message: llama.cpp keeps
    the KV state of the shared prefix."""
    gen = qwen_assistant.generator
    qwen_assistant.ask("What does SWE-RL use as its reward?")
    evaluated: list[int] = []
    real_eval = gen.llm.eval
    gen.llm.eval = lambda tokens: (evaluated.append(len(tokens)), real_eval(tokens))[1]
    try:
        answer = qwen_assistant.ask("What accuracy does DeepSeek-Prover reach on miniF2F?")
    finally:
        gen.llm.eval = real_eval
    system = gen.count_tokens([{"role": "system", "content": llm_system_prompt()}])
    assert system > 100 and evaluated
    assert evaluated[0] <= answer.prompt_tokens - system + 8  # the prompt minus the cached part


def llm_system_prompt() -> str:
    from assistant.answer.prompting import NO_ANSWER, load_prompt

    return load_prompt("system").format(no_answer=NO_ANSWER)


def test_grammar_constrains_the_draft_to_cited_sentences(bundled_index):
    import re

    from assistant import Assistant, Settings
    from tests.conftest import real_model

    a = Assistant(Settings(data_dir=bundled_index, model=str(real_model("smollm2-135m")),
                           n_ctx=2048, max_tokens=96, grammar=True))
    llm = a.generator.llm
    real, finish, raw = llm.create_chat_completion, [], []

    def recording(*args, **kwargs):  # the model's own draft, and llama.cpp's word on its end
        raw.append("")
        for chunk in real(*args, **kwargs):
            finish.append(chunk["choices"][0].get("finish_reason"))
            raw[-1] += chunk["choices"][0]["delta"].get("content") or ""
            yield chunk
        llm.create_chat_completion = real  # the first draft only

    llm.create_chat_completion = recording
    events = list(a.ask_stream("What does SWE-RL use as its reward?"))
    draft = raw[0]
    sentence = r"[A-Za-z0-9(\"'][^\[\]\n]{3,300} (\[[1-9]\])+\."
    ended = [f for f in finish if f]
    assert ended and ended[0] in ("stop", "length")
    if ended[0] == "stop":  # the model ended it: a whole answer
        assert re.fullmatch(rf"{re.escape(NO_ANSWER)}|{sentence}( {sentence}){{0,2}}", draft), draft
    else:  # cut off by max_tokens: whole sentences, then the start of one
        tail = r"[A-Za-z0-9(\"'][^\[\]\n]*(?: (?:\[[1-9]\])*(?:\[[1-9]?)?)?"
        assert re.fullmatch(rf"(?:{sentence} )*{tail}", draft), draft
    _check_structure(events[-1])


def test_qwen_answers_a_question_that_names_a_weakly_matching_paper(qwen_assistant):
    """A paper the question names is answered from even when its relevance is below the gate:
    the gate is set well above SNIP's relevance here, whatever the vectors of this CPU give."""
    from assistant import Assistant

    question = "What does the name SNIP stand for?"
    hit = qwen_assistant.search(question, k=1)[0]
    assert hit.title.startswith("SNIP")
    gated = Assistant(qwen_assistant.settings.replace(min_relevance=min(1.0, hit.relevance + 0.2)),
                      generator=qwen_assistant.generator)
    assert gated.search(question, k=1)[0].relevance < gated.settings.min_relevance
    answer = gated.ask(question)
    _check_structure(answer)
    assert answer.abstention != "not_covered"
    assert answer.sources[0].title.startswith("SNIP")


def test_qwen_list_question_cites_every_example_paper(qwen_assistant):
    answer = qwen_assistant.ask("Which papers introduce benchmarks of visual math problems, "
                                "like MathVerse and UniGeo?")
    _check_structure(answer)
    for name in ("MathVerse", "UniGeo"):  # named in the text with its own paper's marker
        marker = re.search(rf"{name}[^\[]*\[(\d+)\]", answer.text)
        assert marker, answer.text
        cited = next(c for c in answer.citations if c.number == int(marker.group(1)))
        assert cited.title.startswith(name), (name, cited.title)
