"""The Embedder seam and its sentence-transformers implementation."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from . import offline
from .errors import ModelError


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit-length vectors. `name` identifies the model in the index stamp."""

    name: str

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


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
