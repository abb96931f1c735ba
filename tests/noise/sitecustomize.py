"""Loaded at start-up by every Python process of the test run when TEST_VECTOR_NOISE is set (the
conftest puts this folder on PYTHONPATH): the ONNX embedder's token vectors move by noise of
that relative size, as another CPU's int8 kernels move them. See README.md, "What the tests guard"."""

from __future__ import annotations

import contextlib
import os
import zlib


def perturb(scale: float) -> None:
    """Add Gaussian noise of `scale` times each token vector's RMS to the ONNX embedder's
    output, seeded by the token ids so that one text always gets the same vector."""
    import numpy as np

    from assistant.search.embedding import OnnxEmbedder

    real = OnnxEmbedder._forward
    if getattr(real, "perturbed", False):
        return

    def noisy(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        hidden = real(self, ids, mask)
        rng = np.random.default_rng(zlib.crc32(np.ascontiguousarray(ids).tobytes()))
        rms = np.sqrt((hidden ** 2).mean(axis=-1, keepdims=True))
        return hidden + (rng.standard_normal(hidden.shape) * scale * rms).astype(hidden.dtype)

    noisy.perturbed = True
    OnnxEmbedder._forward = noisy


if float(os.environ.get("TEST_VECTOR_NOISE") or 0):
    with contextlib.suppress(ImportError):  # a process without the package: nothing to move
        perturb(float(os.environ["TEST_VECTOR_NOISE"]))
