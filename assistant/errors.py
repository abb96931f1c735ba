"""Errors raised by the assistant. Every message says what went wrong and how to fix it.

    AssistantError
    ├── ConfigError            a setting has a bad value
    ├── ModelError             an embedder or answer model cannot be found or is corrupt
    ├── CorpusError            an input file cannot be read at all
    ├── IndexError_            the index is unusable (built by another embedder, unreadable)
    │   └── IndexBusyError     another process is writing to it
    ├── GenerationError        the answer model failed or the prompt cannot fit
    └── QuestionError          the question is empty

The library raises these; the CLI prints the message on one line and exits 1;
the chat page shows the message.
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base class for expected failures that a user can fix."""


class ConfigError(AssistantError):
    """A setting has an invalid value."""


class ModelError(AssistantError):
    """A model is missing, incomplete or fails its checksum."""


class CorpusError(AssistantError):
    """An input file is missing, empty, binary or holds no valid record."""


class IndexError_(AssistantError):  # noqa: N801 - avoid shadowing the builtin IndexError
    """The index cannot be used as asked."""


class EmbedderMismatchError(IndexError_):
    """The index was built with a different embedder than the one configured."""


class IndexBusyError(IndexError_):
    """Another process holds the index's write lock for too long."""


class GenerationError(AssistantError):
    """The answer model failed, or the prompt cannot fit its context window."""


class QuestionError(AssistantError):
    """The question is empty or otherwise unusable."""
