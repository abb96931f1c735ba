"""Prompt files, rendered strictly, and fitted to the model's context window."""

from __future__ import annotations

import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from assistant.errors import ConfigError, GenerationError
from assistant.settings import PACKAGE_DIR
from assistant.text.names import title_name
from assistant.text.sentences import sentences
from assistant.types import Source

NO_ANSWER = "I cannot answer that from the indexed abstracts."

# Placeholders each prompt file must use, and may use only.
PLACEHOLDERS = {
    "system": {"no_answer"},
    "question": {"sources", "question", "hint"},
    "hint_figure": set(),  # appended to the question when it asks for a figure
    "hint_name": set(),  # ... for a name
    "source": {"number", "title", "text"},
}


def prompts_dir() -> Path:
    for candidate in (PACKAGE_DIR / "prompts", PACKAGE_DIR.parent / "prompts"):
        if candidate.is_dir():
            return candidate
    raise ConfigError("the prompts/ folder is missing; reinstall the package")


@cache
def load_prompt(name: str, folder: Path | None = None) -> str:
    """Read `prompts/<name>.txt` and check its placeholders against PLACEHOLDERS."""
    path = (folder or prompts_dir()) / f"{name}.txt"
    if not path.exists():
        raise ConfigError(f"prompt file {path} is missing; restore it from the repository")
    text = path.read_text(encoding="utf-8").strip()
    found = {f for _, f, _, _ in string.Formatter().parse(text) if f}
    expected = PLACEHOLDERS[name]
    if found != expected:
        raise ConfigError(
            f"prompt {path} uses placeholders {sorted(found)}, expected exactly {sorted(expected)}"
        )
    return text


@cache
def load_grammar() -> str:
    """prompts/answer.gbnf (comments dropped) with the fixed decline sentence filled in."""
    path = prompts_dir() / "answer.gbnf"
    if not path.exists():
        raise ConfigError(f"grammar file {path} is missing; restore it from the repository")
    lines = [line for line in path.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    return "\n".join(lines).replace("{no_answer}", NO_ANSWER)


def check_prompts() -> None:
    for name in PLACEHOLDERS:
        load_prompt(name)


@dataclass(frozen=True)
class Prompt:
    messages: list[dict[str, str]]
    sources: list[Source]  # numbered 1..n, as shown to the model
    tokens: int


def render(question: str, sources: Sequence[Source], hint: str = "") -> list[dict[str, str]]:
    """The chat messages; `hint`: "figure" or "name", the kind of answer the question asks
    for, said once more after the question."""
    body = "\n\n".join(
        "\n".join(line.rstrip() for line in load_prompt("source").format(
            number=s.number, title=title_name(s.title), text=s.text).splitlines())
        for s in sources
    )
    return [
        {"role": "system", "content": load_prompt("system").format(no_answer=NO_ANSWER)},
        {"role": "user", "content": load_prompt("question").format(
            sources=body or "(none)", question=question,
            hint=" " + load_prompt(f"hint_{hint}") if hint else "")},
    ]


def build(
    question: str,
    sources: Sequence[Source],
    *,
    count_tokens: Callable[[list[dict[str, str]]], int],
    n_ctx: int,
    max_tokens: int,
    hint: str = "",
) -> Prompt:
    """Number the sources and keep the prompt within `n_ctx - max_tokens` tokens, trimming the
    lowest-ranked source sentence by sentence, then dropping it, until it fits."""
    budget = n_ctx - max_tokens
    numbered = [replace(s, number=i) for i, s in enumerate(sources, start=1)]
    while True:
        messages = render(question, numbered, hint)
        tokens = count_tokens(messages)
        if tokens <= budget:
            return Prompt(messages, numbered, tokens)
        if not numbered:
            raise GenerationError(
                f"the question alone takes {tokens} tokens but only {budget} fit "
                f"(n_ctx {n_ctx} minus max_tokens {max_tokens}); ask a shorter question or "
                "raise n_ctx"
            )
        last = numbered[-1]
        parts = sentences(last.text)
        if len(parts) > 1:
            numbered[-1] = replace(last, text=" ".join(parts[:-1]))
        else:
            numbered.pop()

