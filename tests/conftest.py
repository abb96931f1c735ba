"""Shared fixtures and the fakes used by unit tests.

The fakes implement the real `Embedder`, `Generator` and `Scorer` protocols; nothing is patched.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from assistant import Settings
from assistant.runtime.models import GGUF_MODELS

ROOT = Path(__file__).resolve().parent.parent
NOISE = Path(__file__).resolve().parent / "noise"

if float(os.environ.get("TEST_VECTOR_NOISE") or 0):  # .ci/run's second pass: see README.md
    import sys

    sys.path.insert(0, str(NOISE))
    from sitecustomize import perturb

    perturb(float(os.environ["TEST_VECTOR_NOISE"]))
    os.environ["PYTHONPATH"] = os.pathsep.join(  # subprocesses (the CLI, app.py) too
        p for p in (str(NOISE), os.environ.get("PYTHONPATH")) if p)
MODELS_DIR = ROOT / "models"
BUNDLED = ROOT / "data" / "seed-abstracts.txt"


class FakeEmbedder:
    """Bag-of-words vectors hashed into 4096 dimensions: texts sharing words are close."""

    name = "fake-embedder"
    dim = 4096

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls.append(list(texts))
        out = []
        for text in texts:
            vec = [0.0] * self.dim
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                if len(word) > 2:
                    vec[int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
            norm = math.sqrt(sum(x * x for x in vec)) or 1.0
            out.append([x / norm for x in vec])
        return out

    @property
    def embedded(self) -> int:
        return sum(len(c) for c in self.calls)


class FakeGenerator:
    """Replies with a scripted text (a function of the messages), in small pieces."""

    context_size = 2048

    def __init__(self, reply=None) -> None:
        self.reply = reply or (lambda messages: "A fixed reply [1].")
        self.calls: list[list[dict[str, str]]] = []

    def count_tokens(self, messages: Sequence[dict[str, str]]) -> int:
        return sum(len(m["content"].split()) + 4 for m in messages)

    def count_text(self, text: str) -> int:
        return len(text.split())

    def stream(self, messages, *, max_tokens: int, temperature: float,
               grammar: str | None = None) -> Iterator[str]:
        self.calls.append(list(messages))
        text = self.reply(messages)
        for i in range(0, len(text), 7):
            yield text[i:i + 7]


class FakeScorer:
    """The `Scorer` protocol by word overlap: a sentence answers a question, or entails a
    claim, by the share of its words it holds; "not" on one side only contradicts."""

    @staticmethod
    def _share(first: str, second: str) -> float:
        words = {w for w in re.findall(r"[a-z0-9]+", first.lower()) if len(w) > 2}
        other = set(re.findall(r"[a-z0-9]+", second.lower()))
        return len(words & other) / len(words) if words else 0.0

    def answers(self, question: str, sentences: Sequence[str]) -> list[float]:
        return [self._share(question, s) for s in sentences]

    def entails(self, claim: str, sentences: Sequence[str]) -> list[tuple[float, float, float]]:
        out = []
        for s in sentences:
            if self._share(claim, s) < 0.6:
                out.append((0.05, 0.05, 0.9))
            elif (" not " in f" {claim.lower()} ") != (" not " in f" {s.lower()} "):
                out.append((0.1, 0.8, 0.1))
            else:
                out.append((0.8, 0.1, 0.1))
        return out

    def relevance(self, query: str, papers: Sequence[str]) -> list[float]:
        return [self._share(query, p) for p in papers]


@pytest.fixture(autouse=True)
def _no_assistant_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's exported ASSISTANT_* variables must not change what the tests build."""
    for name in [n for n in os.environ if n.startswith("ASSISTANT_")]:
        monkeypatch.delenv(name)


def wait_until(condition, what: str, timeout: float = 30.0) -> None:
    """Wait for a state (a server started, a thread queued), never for a fixed time."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {timeout:.0f} s waiting until {what}"
        time.sleep(0.005)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "index", models_dir=tmp_path / "models", min_relevance=0.0,
                    hedge_relevance=1.01)  # fakes never hedge unless a test asks


CATS = "Domestic cats sleep for sixteen hours per day [1]."
TWO_PAPERS = "".join(json.dumps(r) + "\n" for r in [
    {"id": "cats", "title": "Sleep in domestic cats", "year": 2020, "authors": ["Ada Smith"],
     "abstract": "Domestic cats sleep for sixteen hours per day. Kittens sleep longer."},
    {"id": "dogs", "title": "Dogs and walks", "year": 2015, "authors": ["Bo Jones"],
     "abstract": "Dogs need two walks per day. Walks reduce stress in dogs."},
])


@pytest.fixture
def assistant(settings, tmp_path):
    """Two papers in a real Chroma, the fake embedder, a model that always answers CATS (the
    HTTP API's tests and the security suite; some modules define their own)."""
    from assistant import Assistant

    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(TWO_PAPERS)
    a = Assistant(settings, embedder=FakeEmbedder(), scorer=FakeScorer(),
                  generator=FakeGenerator(lambda m: CATS))
    a.ingest(corpus)
    return a


@pytest.fixture
def client(assistant):
    """The HTTP API over `assistant`, in-process."""
    from fastapi.testclient import TestClient

    from assistant.serve.api import build_api

    return TestClient(build_api(assistant))


def real_model(name: str) -> Path:
    """A GGUF from models/ (installed by `assistant models --install`); a missing one fails."""
    path = MODELS_DIR / GGUF_MODELS[name].filename
    if not path.exists():
        pytest.fail(f"{path} is missing: run `assistant models --install` (the test command does)")
    return path


@pytest.fixture(scope="session")
def bundled_index(tmp_path_factory) -> Path:
    """The bundled corpus indexed once with the real MiniLM into a temp Chroma."""
    from assistant import Assistant

    data_dir = tmp_path_factory.mktemp("bundled-index")
    report = Assistant(Settings(data_dir=data_dir)).ingest(BUNDLED)
    assert report.added == 94
    return data_dir


@pytest.fixture(scope="session")
def smol_assistant(bundled_index):
    from assistant import Assistant

    return Assistant(Settings(data_dir=bundled_index, model=str(real_model("smollm2-135m")),
                              n_ctx=2048, max_tokens=96))


@pytest.fixture(scope="session")
def qwen_assistant(bundled_index):
    from assistant import Assistant

    return Assistant(Settings(data_dir=bundled_index, model=str(real_model("qwen2.5-coder-0.5b"))))
