"""Local, offline question answering over research-paper abstracts, with cited answers.

    from assistant import Assistant, Settings, ask
    ask("What does DotaMath do?")

Importing this package loads no model and imports none of torch, llama_cpp, chromadb, gradio.
"""

from __future__ import annotations

from assistant.errors import AssistantError
from assistant.pipeline import Assistant, Conversation, ask
from assistant.search.retrieval import Filters
from assistant.settings import Settings
from assistant.types import Answer, Citation, IngestReport, Source

__all__ = ["Answer", "Assistant", "AssistantError", "Citation", "Conversation", "Filters",
           "IngestReport", "Settings", "Source", "ask"]
__version__ = "0.1.0"
