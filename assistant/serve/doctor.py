"""`assistant doctor`: what runs where, read from the libraries themselves, with a short
timed generation as proof."""

from __future__ import annotations

import os
import platform
import time
from importlib import metadata

from assistant.answer.generation import LlamaCppGenerator
from assistant.errors import AssistantError
from assistant.runtime import hardware

_PROBE = [{"role": "user", "content": "Name three colours, one per line."}]


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _embedder(assistant) -> str:
    embedder = assistant.embedder
    kind = type(embedder).__name__
    device = getattr(embedder, "device", "cpu")
    precision = {"OnnxEmbedder": "int8 (onnxruntime)",
                 "TorchLateEmbedder": "float16" if str(device).startswith("cuda") else "float32",
                 }.get(kind, "float32")
    return f"{embedder.name}: {kind} on {device}, {precision}"


def _timed(gen: LlamaCppGenerator) -> dict:
    """Time to first token and decode speed of one short answer (after a warm-up)."""
    list(gen.stream(_PROBE, max_tokens=4, temperature=0.0))
    gen.llm.reset()
    start = time.perf_counter()
    first = last = None
    pieces = 0
    for _ in gen.stream(_PROBE, max_tokens=48, temperature=0.0):
        last = time.perf_counter()
        first = first or last
        pieces += 1
    if first is None:
        return {"first_token_ms": None, "decode_tokens_per_s": None}
    rate = (pieces - 1) / (last - first) if pieces > 1 and last > first else None
    return {"first_token_ms": round((first - start) * 1000, 1),
            "decode_tokens_per_s": round(rate, 1) if rate else None}


def report(assistant, *, load: bool = True) -> dict[str, object]:
    """Everything `assistant doctor` prints, as a dict."""
    s = assistant.settings
    out: dict[str, object] = {
        "python": f"{platform.python_version()} on {platform.machine()}, "
                  f"{os.cpu_count()} CPU cores",
        "llama-cpp-python": _version("llama_cpp_python"),
        "llama.cpp build": "GPU offload" if hardware.llama_gpu_build() else "CPU only",
        "llama.cpp devices": [str(d) for d in hardware.llama_devices()],
        "NVIDIA driver": hardware.nvidia_driver(),
    }
    try:
        out["embedder"] = _embedder(assistant)
    except Exception as exc:  # noqa: BLE001 - a report, not a failure
        out["embedder"] = f"error: {exc}"
    if s.llm_base_url:
        out["answer model"] = f"{s.llm_model_name} at {s.llm_base_url} (OpenAI-compatible server)"
    else:
        try:
            gen = assistant.generator
            out["answer model"] = str(gen.path)
            out["n_gpu_layers"] = s.n_gpu_layers
            if load and isinstance(gen, LlamaCppGenerator):
                gen.llm  # noqa: B018 - loads the model, deciding the offload
                out["offload"] = f"{gen.offload.layers} ({gen.offload.reason})"
                out["loaded by llama.cpp"] = str(gen.loaded)
                out["backend in use"] = gen.loaded.backend
                out.update(_timed(gen))
            elif isinstance(gen, LlamaCppGenerator) and s.n_gpu_layers == "auto":
                offload = hardware.auto_offload(gen.path, gen.context_size)
                out["offload"] = f"{offload.layers} ({offload.reason})"
        except Exception as exc:  # noqa: BLE001 - a report, not a failure
            out["answer model"] = f"error: {exc}"
    try:
        out["index"] = f"{assistant.count()} papers in {assistant.index.where()}"
    except AssistantError as exc:
        out["index"] = f"error: {exc}"
    return out
