"""The Embedder seam: MiniLM exported to ONNX with int8 weights (the default on a CPU), or
any sentence-transformers model through torch.

Ingest embeds each abstract once ("late chunking"): one pass over the title and abstract,
then the token vectors inside each sentence's (and each chunk's) character span are averaged.
A sentence vector thus costs no extra pass and carries its abstract's context. An abstract
longer than the model's window is cut into windows at sentence boundaries, each opened by
the title.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from . import offline
from .errors import ModelError

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


def embed_documents(embedder: Embedder, docs: Sequence[Document]) -> list[np.ndarray]:
    """One (len(spans), dim) matrix of unit vectors per document: pooled from one pass when
    the embedder can (`embed_spans`), else each span embedded on its own after the title."""
    late = getattr(embedder, "embed_spans", None)
    if late is not None:
        return late(docs)
    texts = [f"{d.title}\n{d.body[s:e]}" for d in docs for s, e in d.spans]
    vectors = np.asarray(embedder.embed(texts), dtype=np.float32)
    out, cursor = [], 0
    for d in docs:
        out.append(vectors[cursor:cursor + len(d.spans)].reshape(len(d.spans), -1))
        cursor += len(d.spans)
    return out


class OnnxEmbedder:
    """A BERT-style sentence encoder exported to ONNX (`model.onnx` and `tokenizer.json` in
    one folder), mean-pooled like sentence-transformers; run by onnxruntime, without torch."""

    def __init__(self, path: str | Path, *, name: str, batch_size: int = 32,
                 query_tokens: int = 256, window_tokens: int = 256,
                 threads: int | None = None) -> None:
        self.path = Path(path)
        self.name = name
        self.batch_size = batch_size
        self.query_tokens = query_tokens
        self.window_tokens = window_tokens
        self.threads = threads
        self._session = None
        self._tokenizers = None

    def _load(self):
        if self._session is None:
            import onnxruntime as ort
            from tokenizers import Tokenizer

            options = ort.SessionOptions()
            if self.threads:
                options.intra_op_num_threads = self.threads
            try:
                # configured once and never changed, so threads can share them: one
                # truncates queries, the other reads a whole document
                query, document = (Tokenizer.from_file(str(self.path / "tokenizer.json"))
                                   for _ in range(2))
                for tokenizer in (query, document):
                    tokenizer.no_padding()
                query.enable_truncation(self.query_tokens)
                document.no_truncation()
                self._tokenizers = query, document
                self._session = ort.InferenceSession(str(self.path / "model.onnx"), options,
                                                     providers=["CPUExecutionProvider"])
            except Exception as exc:  # noqa: BLE001 - any load failure means a bad folder
                raise ModelError(
                    f"cannot load the ONNX embedder from {self.path}: {exc}; run "
                    "`assistant models --install` to export it again"
                ) from exc
        return self._session, self._tokenizers

    def _run(self, encodings) -> list[np.ndarray]:
        """Token vectors (n_tokens, dim) of each encoding, batched by length."""
        session, _ = self._load()
        out: list[np.ndarray] = [np.zeros(0)] * len(encodings)
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
            hidden = session.run(None, {"input_ids": ids, "attention_mask": mask,
                                        "token_type_ids": np.zeros_like(ids)})[0]
            for row, i in enumerate(batch):
                out[i] = hidden[row, :len(encodings[i].ids)]
        return out

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        _, (query, _) = self._load()
        hidden = self._run(query.encode_batch(list(texts)))
        return np.stack([unit(h.mean(axis=0)) for h in hidden]).tolist()

    def embed_spans(self, docs: Sequence[Document]) -> list[np.ndarray]:
        _, (_, tokenizer) = self._load()
        windows: list[tuple[int, str, int, int]] = []  # doc, text, body start, body offset
        for d, doc in enumerate(docs):
            head = f"{doc.title}\n"
            for start, end in self._windows(doc, len(tokenizer.encode(head).ids)):
                windows.append((d, head + doc.body[start:end], start, len(head)))
        encodings = tokenizer.encode_batch([w[1] for w in windows])
        for e in encodings:
            e.truncate(self.window_tokens)
        hidden = self._run(encodings)
        sums = [np.zeros((len(doc.spans), hidden[0].shape[1] if hidden else 1), np.float32)
                for doc in docs]
        counts = [np.zeros(len(doc.spans), np.float32) for doc in docs]
        for (d, _, start, head), enc, vecs in zip(windows, encodings, hidden, strict=True):
            offsets = np.array(enc.offsets, dtype=np.int64).reshape(-1, 2)
            real = offsets[:, 1] > offsets[:, 0]  # special tokens have empty offsets
            # token offsets into the body; title tokens fall before 0
            tok_s, tok_e = offsets[:, 0] - head + start, offsets[:, 1] - head + start
            body_tok = real & (offsets[:, 0] >= head)
            for k, (s, e) in enumerate(docs[d].spans):
                inside = body_tok & (tok_s < e) & (tok_e > s)
                if inside.any():
                    sums[d][k] += vecs[inside].sum(axis=0)
                    counts[d][k] += inside.sum()
        out = []
        for d, doc in enumerate(docs):
            missing = counts[d] == 0  # a span cut off by the window: embed it on its own
            if missing.any():
                texts = [f"{doc.title}\n{doc.body[s:e]}"
                         for (s, e), gone in zip(doc.spans, missing, strict=True) if gone]
                sums[d][missing] = np.asarray(self.embed(texts), dtype=np.float32)
                counts[d][missing] = 1.0
            out.append(np.stack([unit(v) for v in sums[d] / counts[d][:, None]])
                       if len(doc.spans) else np.zeros((0, sums[d].shape[1]), np.float32))
        return out

    def _windows(self, doc: Document, head_tokens: int) -> list[Span]:
        """Body ranges that fit the model's window after the title, cut between sentences."""
        _, (_, tokenizer) = self._load()
        budget = self.window_tokens - head_tokens - 2
        bounds = list(doc.boundaries) or [(0, len(doc.body))]
        sizes = [len(e.ids) - 2 for e in tokenizer.encode_batch(
            [doc.body[s:e] for s, e in bounds])]
        if sum(sizes) <= budget:
            return [(0, len(doc.body))]
        out, start, used = [], bounds[0][0], 0
        for (s, _), n in zip(bounds, sizes, strict=True):
            if used and used + n > budget:
                out.append((start, s))
                start, used = s, 0
            used += n
        out.append((start, len(doc.body)))
        return out


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


def unit(v: np.ndarray) -> np.ndarray:
    """`v` scaled to length 1 (a zero vector stays as it is)."""
    norm = float(np.linalg.norm(v))
    return v / norm if norm else v
