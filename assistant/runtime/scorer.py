"""The evidence scorer: a cross-encoder the project trains (training/) that reads a pair of texts
and says whether the sentence answers the question, whether it entails, contradicts or says
nothing of a claim, and whether a paper is relevant to a query.

What ships is a LoRA adapter over the packaged MiniLM-L6 (`models/evidence-scorer/`, pinned by
sha256). `assistant models --install` merges it into the packaged weights and exports int8 ONNX
to `models/evidence-scorer-onnx-int8/`; onnxruntime runs that on the CPU.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from assistant.errors import ModelError

ADAPTER_DIR = Path(__file__).resolve().parents[2] / "models" / "evidence-scorer"
ADAPTER_SHA256 = {
    "adapter.safetensors": "93a9641fc8035b04ee72071b868fed95b2c66ccfcaa1350d81a59d0ef88d645f",
    "adapter.json": "e44410e1892b1752564fa04cb3c6f10dd9fa657b2d2f2854dca0612df8d186e7",
}
FOLDER = "evidence-scorer-onnx-int8"
INSTALL_HINT = "run `assistant models --install` (it builds the evidence scorer from " \
               "models/evidence-scorer and the packaged MiniLM)"


class Scorer(Protocol):
    """Probabilities for pairs of texts; each call scores one first text against many."""

    def answers(self, question: str, sentences: Sequence[str]) -> list[float]:
        """P(the sentence answers the question), per sentence."""
        ...

    def entails(self, claim: str, sentences: Sequence[str]) -> list[tuple[float, float, float]]:
        """(P(entails), P(contradicts), P(neutral)) of the claim, per sentence."""
        ...

    def relevance(self, query: str, papers: Sequence[str]) -> list[float]:
        """P(the paper, "title\\nabstract", is relevant to the query), per paper."""
        ...


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


class OnnxScorer:
    """The exported scorer (`model.onnx`, `tokenizer.json`, `adapter.json`), run by onnxruntime.
    One pair per run by default: int8 dynamic quantization scales activations per batch, so a
    pair's score would depend on its batch companions (by 2e-3); alone it is the fastest too
    on 2 cores (no padding; docs/benchmarks.md)."""

    def __init__(self, folder: str | Path, *, threads: int | None = None,
                 batch_size: int = 1) -> None:
        self.folder = Path(folder)
        self.threads, self.batch_size = threads, batch_size
        self.config = json.loads((self.folder / "adapter.json").read_text())
        self._session = self._tokenizer = None
        self._lock = threading.Lock()

    def _open(self) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        if self.threads:
            options.intra_op_num_threads = self.threads
        try:
            session = ort.InferenceSession(str(self.folder / "model.onnx"), options,
                                           providers=["CPUExecutionProvider"])
            tokenizer = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
        except Exception as exc:  # noqa: BLE001 - any load failure means a bad folder
            raise ModelError(f"cannot load the evidence scorer from {self.folder}: {exc}; "
                             f"{INSTALL_HINT}") from exc
        tokenizer.enable_truncation(int(self.config["max_length"]))
        tokenizer.no_padding()
        self._tokenizer, self._session = tokenizer, session

    def logits(self, task: str, first: str, seconds: Sequence[str]) -> np.ndarray:
        """The five head logits (see adapter.json "head") for (first, each second text)."""
        if not seconds:
            return np.zeros((0, len(self.config["head"])), dtype=np.float32)
        if self._session is None:
            with self._lock:
                if self._session is None:
                    self._open()
        text = self.config["prefix"][task] + " ".join(first.split())
        encs = self._tokenizer.encode_batch([(text, s) for s in seconds])
        order = sorted(range(len(encs)), key=lambda i: len(encs[i].ids))  # less padding
        out = np.zeros((len(encs), len(self.config["head"])), dtype=np.float32)
        for at in range(0, len(order), self.batch_size):
            rows = order[at:at + self.batch_size]
            width = max(len(encs[i].ids) for i in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask, types = np.zeros_like(ids), np.zeros_like(ids)
            for r, i in enumerate(rows):
                n = len(encs[i].ids)
                ids[r, :n], mask[r, :n], types[r, :n] = encs[i].ids, 1, encs[i].type_ids
            out[rows] = self._session.run(None, {"input_ids": ids, "attention_mask": mask,
                                                 "token_type_ids": types})[0]
        return out

    def answers(self, question: str, sentences: Sequence[str]) -> list[float]:
        return _sigmoid(self.logits("answer", question, sentences)[:, 0]).tolist()

    def entails(self, claim: str, sentences: Sequence[str]) -> list[tuple[float, float, float]]:
        x = self.logits("entail", claim, sentences)[:, 1:4]
        p = np.exp(x - x.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        return [tuple(float(v) for v in row) for row in p]

    def relevance(self, query: str, papers: Sequence[str]) -> list[float]:
        return _sigmoid(self.logits("relevance", query, papers)[:, 4]).tolist()


def verify_adapter(folder: Path = ADAPTER_DIR) -> None:
    """Each adapter file is there with its pinned sha256."""
    from assistant.runtime.models import sha256_of

    for name in ADAPTER_SHA256:
        if not (folder / name).exists():
            raise ModelError(f"{folder / name} is missing; restore it with `git checkout -- "
                             f"models/evidence-scorer` (training/README.md rebuilds it)")
    for name, digest in ADAPTER_SHA256.items():
        path = folder / name
        actual = sha256_of(path)
        if actual != digest:
            raise ModelError(f"{path} has sha256 {actual[:16]}…, expected {digest[:16]}…; "
                             "restore it with `git checkout -- models/evidence-scorer`")


def merged_weights(base: Path, adapter: Path):
    """The packaged MiniLM's torch model with the adapter merged in (W += B A alpha / r, the
    LayerNorms replaced), and the head as a torch Linear."""
    import torch
    from safetensors.torch import load_file
    from transformers import AutoModel

    config = json.loads((adapter / "adapter.json").read_text())
    weights = load_file(str(adapter / "adapter.safetensors"))
    model = AutoModel.from_pretrained(str(base), local_files_only=True).float().eval()
    modules = dict(model.named_modules())
    params = dict(model.named_parameters())
    scale = float(config["alpha"]) / int(config["rank"])
    with torch.no_grad():
        for key, value in weights.items():
            if key.startswith("lora.") and key.endswith(".a"):
                name = key[len("lora."):-len(".a")]
                b = weights[f"lora.{name}.b"]
                modules[name].weight += (b @ value) * scale
            elif key.startswith("norm."):
                params[key[len("norm."):]].copy_(value)
        head = torch.nn.Linear(model.config.hidden_size, len(config["head"]))
        head.weight.copy_(weights["head.weight"])
        head.bias.copy_(weights["head.bias"])
    return model, head, config


def export_scorer(base: Path, target: Path, adapter: Path = ADAPTER_DIR) -> Path:
    """Merge the adapter into the packaged MiniLM and export int8 ONNX (per-channel dynamic
    quantization) with its tokenizer and config. Needs torch and onnx, at install time only."""
    import torch

    from assistant.runtime.models import export_int8

    verify_adapter(adapter)
    bert, head, config = merged_weights(base, adapter)

    class _Scorer(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert, self.head = bert, head

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return self.head((hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0))

    (target / "model.onnx").unlink(missing_ok=True)  # the config below must not outlive it
    target.mkdir(parents=True, exist_ok=True)
    (target / "adapter.json").write_text(json.dumps(config, indent=2) + "\n")
    export_int8(_Scorer().eval(), base / "tokenizer.json", target, "logits", {0: "batch"})
    return target


def install_scorer(base: Callable[[], Path], models_dir: Path) -> Path | None:
    """Export the scorer into models_dir unless the export there was built from this very
    adapter (its sha256s, stamped beside it); returns the folder when it was (re)built."""
    verify_adapter()
    target = models_dir / FOLDER
    stamp = target / "SOURCE_SHA256"
    pinned = json.dumps(ADAPTER_SHA256, sort_keys=True)
    if (target / "model.onnx").exists() and stamp.exists() and stamp.read_text() == pinned:
        return None
    stamp.unlink(missing_ok=True)
    export_scorer(base(), target)
    stamp.write_text(pinned)
    return target


def resolve_scorer(models_dir: Path) -> Path:
    folder = models_dir / FOLDER
    if not ((folder / "model.onnx").exists() and (folder / "adapter.json").exists()):
        raise ModelError(f"the evidence scorer is not installed (no {folder / 'model.onnx'}); "
                         f"{INSTALL_HINT}")
    return folder
