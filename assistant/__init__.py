"""Local, offline question answering over research-paper abstracts, with cited answers.

    from assistant import Assistant, Settings, ask
    ask("What does DotaMath do?")

Importing this package loads no model and imports none of torch, llama_cpp, chromadb, gradio.
"""

from __future__ import annotations

from .errors import AssistantError
from .pipeline import Assistant, Conversation, ask
from .retrieval import Filters
from .settings import Settings
from .types import Answer, Citation, IngestReport, Source

__all__ = ["Answer", "Assistant", "AssistantError", "Citation", "Conversation", "Filters",
           "IngestReport", "Settings", "Source", "ask"]
__version__ = "0.1.0"
