"""The Generator seam: llama-cpp-python in process, or an OpenAI-compatible server."""

from __future__ import annotations

import json
import logging
import os
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from assistant.errors import GenerationError, ModelError
from assistant.runtime.hardware import (
    CPU_ONLY_BUILD,
    LoadReport,
    Offload,
    auto_offload,
    import_llama,
    load_capturing,
    load_errors,
)

Message = dict[str, str]
log = logging.getLogger("assistant")


@runtime_checkable
class Generator(Protocol):
    """Streams the reply to chat messages; counts the tokens a prompt will take."""

    context_size: int

    def stream(self, messages: Sequence[Message], *, max_tokens: int,
               temperature: float, grammar: str | None = None) -> Iterator[str]: ...

    def count_tokens(self, messages: Sequence[Message]) -> int: ...

    def count_text(self, text: str) -> int: ...


class LlamaCppGenerator:
    """A GGUF model run by llama-cpp-python with the chat template stored in the file."""

    def __init__(self, path: str | Path, *, n_ctx: int = 4096, n_threads: int | None = None,
                 n_gpu_layers: int | str = "auto", seed: int = 0,
                 prompt_lookup: int = 0) -> None:
        self.path = Path(path)
        self.prompt_lookup = prompt_lookup
        self.context_size = n_ctx
        self.n_threads = n_threads or os.cpu_count() or 1
        self.n_gpu_layers = n_gpu_layers  # as asked; `offload` says what it became
        self.offload: Offload | None = None
        self.loaded: LoadReport | None = None  # what llama.cpp reported while loading
        self.seed = seed
        self._llm = None
        self._formatter = None
        self._grammars: dict[str, object] = {}

    @property
    def llm(self):
        if self._llm is None:
            try:
                Llama = import_llama().Llama  # noqa: N806 - the class
            except ImportError as exc:
                raise GenerationError(
                    "llama-cpp-python is not installed; run the install command in README.md"
                ) from exc
            draft = None
            if self.prompt_lookup:
                from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

                draft = LlamaPromptLookupDecoding(num_pred_tokens=self.prompt_lookup)
            self.offload = self._offload()
            try:
                self._llm, self.loaded = load_capturing(lambda: Llama(
                    model_path=str(self.path), n_ctx=self.context_size,
                    n_threads=self.n_threads, n_gpu_layers=self.offload.layers,
                    seed=self.seed, draft_model=draft,
                    logits_all=draft is not None,  # drafts are verified per token
                    verbose=False))
            except (ValueError, RuntimeError, OSError) as exc:
                said = "; ".join(load_errors())
                raise ModelError(
                    f"cannot load the GGUF model {self.path}: {exc}"
                    f"{f' (llama.cpp: {said})' if said else ''}; check the file with "
                    "`assistant models --verify` or point ASSISTANT_MODEL at another GGUF"
                ) from exc
        return self._llm

    @property
    def loaded_yet(self) -> bool:
        return self._llm is not None

    def _offload(self) -> Offload:
        if self.n_gpu_layers != "auto":
            return Offload(int(self.n_gpu_layers), "set by n_gpu_layers")
        try:
            offload = auto_offload(self.path, self.context_size)
        except OSError as exc:
            raise ModelError(f"cannot read the GGUF model {self.path}: {exc}") from exc
        if offload.reason == CPU_ONLY_BUILD:
            log.warning(offload.reason)
        return offload

    def format_prompt(self, messages: Sequence[Message]) -> str:
        """The exact text the chat template makes of `messages` (for counting and benchmarks)."""
        if self._formatter is None:
            meta = self.llm.metadata  # loads llama_cpp in its order first (hardware.import_llama)
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter

            template = meta.get("tokenizer.chat_template")
            if not template:
                raise ModelError(f"{self.path} has no chat template; use an instruct GGUF model")
            vocab = self.llm
            eos = vocab.detokenize([vocab.token_eos()]).decode("utf-8", "ignore")
            bos = vocab.detokenize([vocab.token_bos()]).decode("utf-8", "ignore")
            self._formatter = Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos)
        return self._formatter(messages=list(messages)).prompt

    def count_tokens(self, messages: Sequence[Message]) -> int:
        text = self.format_prompt(messages)
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def count_text(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def _grammar(self, text: str):
        if self._grammars.get(text) is None:
            from llama_cpp import LlamaGrammar

            self._grammars[text] = LlamaGrammar.from_string(text, verbose=False)
        return self._grammars[text]

    def stream(self, messages: Sequence[Message], *, max_tokens: int,
               temperature: float, grammar: str | None = None) -> Iterator[str]:
        try:
            chunks = self.llm.create_chat_completion(
                messages=list(messages), max_tokens=max_tokens, temperature=temperature,
                stream=True, seed=self.seed, grammar=self._grammar(grammar) if grammar else None,
            )
            for chunk in chunks:
                piece = chunk["choices"][0]["delta"].get("content")
                if piece:
                    yield piece
        except ValueError as exc:  # llama-cpp raises ValueError when the prompt is too long
            raise GenerationError(f"the answer model failed: {exc}; lower top_k or raise n_ctx") \
                from exc


class OpenAICompatGenerator:
    """Any server speaking the OpenAI chat API (llama.cpp server, vLLM), streamed over SSE."""

    def __init__(self, base_url: str, *, model: str = "default", n_ctx: int = 4096,
                 timeout: float = 120.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.context_size = n_ctx
        self.timeout = timeout

    def count_tokens(self, messages: Sequence[Message]) -> int:
        # No tokenizer here: a deliberately high estimate (3 characters a token) keeps us safe.
        return sum(len(m["content"]) // 3 + 8 for m in messages)

    def count_text(self, text: str) -> int:
        return len(text) // 3 + 1

    def stream(self, messages: Sequence[Message], *, max_tokens: int,
               temperature: float, grammar: str | None = None) -> Iterator[str]:
        payload = {"model": self.model, "messages": list(messages), "stream": True,
                   "max_tokens": max_tokens, "temperature": temperature}
        if grammar:
            payload["grammar"] = grammar  # llama.cpp's server; other servers may ignore it
        body = json.dumps(payload).encode()
        request = urllib.request.Request(f"{self.base_url}/chat/completions", data=body,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                for raw in response:
                    line = raw.decode("utf-8").strip()
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    choices = json.loads(data).get("choices") or [{}]
                    piece = (choices[0].get("delta") or {}).get("content")
                    if piece:
                        yield piece
        except (urllib.error.URLError, OSError, json.JSONDecodeError) as exc:
            raise GenerationError(
                f"the LLM server at {self.base_url} failed: {exc}; check that it is running "
                "or unset ASSISTANT_LLM_BASE_URL to use the local model"
            ) from exc
