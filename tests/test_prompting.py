import pytest

from assistant.answer import prompting
from assistant.errors import ConfigError, GenerationError
from assistant.types import Source
from tests.conftest import FakeGenerator


def _source(i: int, words: int = 50) -> Source:
    text = " ".join(f"Sentence {i}.{j} has several plain words." for j in range(words // 6 + 1))
    return Source(f"p{i}", f"Name{i}: a long subtitle {i}", text, 0.9 - i / 10, abstract=text)


def test_prompt_files_have_their_placeholders():
    prompting.check_prompts()
    messages = prompting.render("Why?", [_source(1)])
    assert messages[0]["role"] == "system" and prompting.NO_ANSWER in messages[0]["content"]
    assert "[0] Name1\n" in messages[1]["content"] and "Question: Why?" in messages[1]["content"]
    assert "subtitle" not in messages[1]["content"]  # the prompt names papers, not titles
    untitled = prompting.render("Why?", [Source("p", "A title without a name part", "T.", 0.5)])
    assert "\n[0]\nT.\n" in untitled[1]["content"]  # the source's own number, no name line


def test_bad_placeholder_is_refused(tmp_path):
    (tmp_path / "source.txt").write_text("[{number}] {title} {body}")
    with pytest.raises(ConfigError, match="placeholders"):
        prompting.load_prompt("source", tmp_path)


def test_prompt_fits_the_window_and_numbers_sources():
    gen = FakeGenerator()
    sources = [_source(i, 300) for i in range(1, 6)]
    prompt = prompting.build("Q?", sources, count_tokens=gen.count_tokens, n_ctx=900,
                             max_tokens=200)
    assert prompt.tokens <= 700
    assert [s.number for s in prompt.sources] == list(range(1, len(prompt.sources) + 1))
    assert 1 <= len(prompt.sources) < 5  # trimmed
    assert prompt.sources[0].text == sources[0].text  # the best source is kept whole


def test_question_too_long_for_window():
    gen = FakeGenerator()
    with pytest.raises(GenerationError, match="tokens"):
        prompting.build("word " * 600, [_source(1)], count_tokens=gen.count_tokens,
                        n_ctx=512, max_tokens=100)
