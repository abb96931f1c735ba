"""The Embedder seam: MiniLM exported to ONNX with int8 weights (the default on a CPU), or
any sentence-transformers model through torch.

Ingest embeds each abstract once ("late chunking"): one pass over the title and abstract,
then the token vectors inside each sentence's (and each chunk's) character span are averaged.
A sentence vector thus costs no extra pass and carries its abstract's context. An abstract
longer than the model's window is cut into windows at sentence boundaries, each opened by
the title.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from assistant.errors import ModelError
from assistant.runtime import offline

Span = tuple[int, int]


@dataclass(frozen=True)
class Document:
    """A text embedded once: `title` opens every window, `body` is cut at `boundaries`
    (sentence spans) when too long, and one vector comes back per span of `spans`
    (character offsets into `body`)."""

    title: str
    body: str
    boundaries: Sequence[Span]
    spans: Sequence[Span]


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit-length vectors. `name` identifies the model in the index stamp."""

    name: str

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


def embed_documents(embedder: Embedder, docs: Sequence[Document], *,
                    late: bool = True) -> list[np.ndarray]:
    """One (len(spans), dim) matrix of unit vectors per document: pooled from one pass when
    `late` and the embedder can (`embed_spans`), else each span embedded on its own after
    the title (about 2.7 times the tokens)."""
    late = getattr(embedder, "embed_spans", None) if late else None
    if late is not None:
        return late(docs)
    texts = [f"{d.title}\n{d.body[s:e]}" for d in docs for s, e in d.spans]
    matrix = getattr(embedder, "embed_matrix", None)
    vectors = (matrix(texts) if matrix is not None and texts
               else np.asarray(embedder.embed(texts), dtype=np.float32))
    out, cursor = [], 0
    for d in docs:
        out.append(vectors[cursor:cursor + len(d.spans)].reshape(len(d.spans), -1))
        cursor += len(d.spans)
    return out


class LateEmbedder:
    """A BERT-style sentence encoder, mean-pooled like sentence-transformers, that embeds each
    document once and pools its spans from that pass. Subclasses run the network
    (`_forward`); `tokenizer.json` in `path` tokenizes, without torch."""

    def __init__(self, path: str | Path, *, name: str, batch_size: int = 32,
                 query_tokens: int = 256, window_tokens: int = 256) -> None:
        self.path = Path(path)
        self.name = name
        self.batch_size = batch_size
        self.query_tokens = query_tokens
        self.window_tokens = window_tokens
        self._tokenizers = None
        self._lock = threading.Lock()
        self.group_size = 64  # papers embedded and written together at ingest

    def _tokenizers_pair(self):
        if self._tokenizers is None:
            with self._lock:
                if self._tokenizers is None:
                    from tokenizers import Tokenizer

                    try:
                        # configured once and never changed, so threads can share them: one
                        # truncates queries, the other reads a whole document
                        query, document = (Tokenizer.from_file(str(self.path / "tokenizer.json"))
                                           for _ in range(2))
                    except Exception as exc:  # noqa: BLE001 - any load failure: a bad folder
                        raise ModelError(
                            f"cannot load the embedder's tokenizer from {self.path}: {exc}; run "
                            "`assistant models --install` to install it again") from exc
                    for tokenizer in (query, document):
                        tokenizer.no_padding()
                    query.enable_truncation(self.query_tokens)
                    document.no_truncation()
                    self._tokenizers = query, document
        return self._tokenizers

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """The last hidden states (batch, tokens, dim) of a padded batch."""
        raise NotImplementedError

    def _batches(self, encodings):
        """(indices, padded ids, mask) of batches of similar length."""
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), self.batch_size):
            batch = order[start:start + self.batch_size]
            width = max(len(encodings[i].ids) for i in batch)
            ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            for row, i in enumerate(batch):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1
            yield batch, ids, mask

    def _pool(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Mean of each row's token vectors (batch, dim), as sentence-transformers pools."""
        hidden = self._forward(ids, mask)
        weights = mask[:, :, None].astype(np.float32)
        return (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)

    def embed_matrix(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors (len(texts), dim), each text truncated to `query_tokens`; batched by
        length, pooled where the network runs (only pooled vectors leave a GPU)."""
        query, _ = self._tokenizers_pair()
        encodings = _encode(query, list(texts))
        out = None
        for batch, ids, mask in self._batches(encodings):
            pooled = self._pool(ids, mask)
            if out is None:
                out = np.zeros((len(encodings), pooled.shape[1]), np.float32)
            out[batch] = pooled
        return unit(out)

    def _run(self, encodings) -> list[np.ndarray]:
        """Token vectors (n_tokens, dim) of each encoding, batched by length."""
        out: list[np.ndarray] = [np.zeros(0)] * len(encodings)
        for batch, ids, mask in self._batches(encodings):
            hidden = self._forward(ids, mask)
            for row, i in enumerate(batch):
                out[i] = hidden[row, :len(encodings[i].ids)]
        return out

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return self.embed_matrix(texts).tolist() if texts else []

    def embed_spans(self, docs: Sequence[Document]) -> list[np.ndarray]:
        _, tokenizer = self._tokenizers_pair()
        heads = [f"{doc.title}\n" for doc in docs]
        whole = _encode(tokenizer, [h + doc.body for h, doc in zip(heads, docs, strict=True)])
        windows: list[tuple[int, int, int]] = []  # doc, body start, head characters
        encodings = []
        cut: list[tuple[int, str, int]] = []
        for d, (doc, head, enc) in enumerate(zip(docs, heads, whole, strict=True)):
            if len(enc.ids) <= self.window_tokens:
                windows.append((d, 0, len(head)))
                encodings.append(enc)
                continue
            for start, end in self._windows(doc, head, enc):
                cut.append((d, head + doc.body[start:end], start))
        if cut:
            for (d, _, start), enc in zip(cut, _encode(tokenizer, [c[1] for c in cut]),
                                             strict=True):
                enc.truncate(self.window_tokens)
                windows.append((d, start, len(heads[d])))
                encodings.append(enc)
        hidden = self._run(encodings)
        dim = hidden[0].shape[1] if hidden else 1
        sums = [np.zeros((len(doc.spans), dim), np.float32) for doc in docs]
        counts = [np.zeros(len(doc.spans), np.float32) for doc in docs]
        for (d, start, head), enc, vecs in zip(windows, encodings, hidden, strict=True):
            if not len(docs[d].spans):
                continue
            offsets = np.asarray(enc.offsets, dtype=np.int64).reshape(-1, 2)
            # body tokens (special tokens have empty offsets, title tokens come before `head`)
            body = (offsets[:, 1] > offsets[:, 0]) & (offsets[:, 0] >= head)
            tok_s, tok_e = offsets[:, 0] - head + start, offsets[:, 1] - head + start
            spans = np.asarray(docs[d].spans, dtype=np.int64).reshape(-1, 2)
            inside = body[None, :] & (tok_s[None, :] < spans[:, 1:]) & (tok_e[None, :] > spans[:, :1])
            sums[d] += inside.astype(np.float32) @ vecs
            counts[d] += inside.sum(axis=1)
        out = []
        for d, doc in enumerate(docs):
            missing = counts[d] == 0  # a span cut off by the window: embed it on its own
            if missing.any():
                texts = [f"{doc.title}\n{doc.body[s:e]}"
                         for (s, e), gone in zip(doc.spans, missing, strict=True) if gone]
                sums[d][missing] = np.asarray(self.embed(texts), dtype=np.float32)
                counts[d][missing] = 1.0
            pooled = sums[d] / counts[d][:, None] if len(doc.spans) else sums[d]
            out.append(unit(pooled))
        return out

    def _windows(self, doc: Document, head: str, whole) -> list[Span]:
        """Body ranges that fit the model's window after the title, cut between sentences;
        token counts are read off the whole text's one encoding."""
        offsets = np.asarray(whole.offsets, dtype=np.int64).reshape(-1, 2)
        real = offsets[:, 1] > offsets[:, 0]
        starts = offsets[real, 0]
        head_tokens = int((starts < len(head)).sum()) + 2  # with [CLS] and [SEP]
        body_starts = starts[starts >= len(head)] - len(head)
        budget = self.window_tokens - head_tokens - 2
        bounds = list(doc.boundaries) or [(0, len(doc.body))]
        edges = np.searchsorted(body_starts, np.asarray(bounds, dtype=np.int64))
        sizes = edges[:, 1] - edges[:, 0]  # each sentence's own tokens
        out, start, used = [], bounds[0][0], 0
        for (s, _), n in zip(bounds, sizes.tolist(), strict=True):
            if used and used + n > budget:
                out.append((start, s))
                start, used = s, 0
            used += n
        out.append((start, len(doc.body)))
        return out


class OnnxEmbedder(LateEmbedder):
    """The encoder exported to ONNX (`model.onnx` beside `tokenizer.json`), run by
    onnxruntime on the CPU."""

    def __init__(self, path: str | Path, *, name: str, threads: int | None = None,
                 **options) -> None:
        super().__init__(path, name=name, **options)
        self.threads = threads
        self._session = None

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        if self._session is None:
            with self._lock:
                if self._session is None:
                    self._session = self._open()
        return self._session.run(None, {"input_ids": ids, "attention_mask": mask,
                                        "token_type_ids": np.zeros_like(ids)})[0]

    def _open(self):
        import onnxruntime as ort

        options = ort.SessionOptions()
        if self.threads:
            options.intra_op_num_threads = self.threads
        try:
            return ort.InferenceSession(str(self.path / "model.onnx"), options,
                                        providers=["CPUExecutionProvider"])
        except Exception as exc:  # noqa: BLE001 - any load failure means a bad folder
            raise ModelError(
                f"cannot load the ONNX embedder from {self.path}: {exc}; run "
                "`assistant models --install` to export it again"
            ) from exc


class TorchLateEmbedder(LateEmbedder):
    """The same encoder from its sentence-transformers folder, run by torch: on a GPU in
    float16 with large batches (ingest on a GPU), else on the CPU in float32."""

    def __init__(self, path: str | Path, *, name: str, device: str = "cuda", **options) -> None:
        super().__init__(path, name=name, **options)
        self.device = device
        self._model = None
        if device.startswith("cuda"):
            self.group_size = 4096  # papers per ingest group: keeps the GPU's batches full

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        import torch

        with torch.inference_mode():
            return self._hidden(torch, ids, mask)[0].float().cpu().numpy()

    def _hidden(self, torch, ids: np.ndarray, mask: np.ndarray):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._open(torch)
        tensors = [torch.from_numpy(x).to(self.device, non_blocking=True) for x in (ids, mask)]
        hidden = self._model(input_ids=tensors[0], attention_mask=tensors[1],
                             token_type_ids=torch.zeros_like(tensors[0])).last_hidden_state
        return hidden, tensors[1]

    def _pool(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        import torch

        with torch.inference_mode():  # pooled on the device: only (batch, dim) is copied back
            hidden, on_device = self._hidden(torch, ids, mask)
            weights = on_device.unsqueeze(-1).float()
            pooled = (hidden.float() * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1)
            return pooled.cpu().numpy()

    def _open(self, torch):
        offline.enforce()
        from transformers import AutoModel

        try:
            model = AutoModel.from_pretrained(str(self.path), local_files_only=True)
        except Exception as exc:  # noqa: BLE001 - any load failure means a bad folder
            raise ModelError(f"cannot load the embedder from {self.path}: {exc}; run "
                             "`assistant models --install`") from exc
        # float16 on a GPU; float32 on a CPU, whatever the folder stores (fp16 is slow there)
        model = model.half() if self.device.startswith("cuda") else model.float()
        return model.to(self.device).eval()


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from a local folder, on first use."""

    def __init__(self, path: str | Path, *, name: str | None = None, batch_size: int = 32,
                 device: str = "cpu") -> None:
        self.path = Path(path)
        self.name = name or self.path.name
        self.batch_size = batch_size
        self.device = device
        self._model = None

    def _load(self):
        if self._model is None:
            offline.enforce()
            from sentence_transformers import SentenceTransformer

            try:
                self._model = SentenceTransformer(
                    str(self.path), device=self.device, local_files_only=True
                )
            except Exception as exc:  # noqa: BLE001 - any load failure means a bad folder
                raise ModelError(
                    f"cannot load the embedder from {self.path}: {exc}; point ASSISTANT_EMBEDDER "
                    "at a sentence-transformers folder or run `assistant models --install`"
                ) from exc
        return self._model

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        model = self._load()
        vectors = model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        )
        return vectors.tolist()


def _encode(tokenizer, texts: list[str]) -> list:
    """`encode_batch` spread over threads (it releases the GIL). The tokenizer's own
    parallelism is off (offline.py sets TOKENIZERS_PARALLELISM=false: it would warn, or
    deadlock, in processes forked after using it), and on a GPU tokenizing is the bottleneck."""
    workers = min(os.cpu_count() or 1, len(texts) // 64)
    if workers < 2:
        return tokenizer.encode_batch(texts)
    from concurrent.futures import ThreadPoolExecutor

    step = -(-len(texts) // workers)
    with ThreadPoolExecutor(workers) as pool:
        parts = pool.map(tokenizer.encode_batch,
                         [texts[i:i + step] for i in range(0, len(texts), step)])
        return [enc for part in parts for enc in part]


def unit(v: np.ndarray) -> np.ndarray:
    """`v` scaled to length 1 along its last axis, so each row of a matrix (a zero vector
    stays as it is)."""
    norms = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.where(norms > 0, norms, 1.0)
