"""Typed records passed between pipeline stages and returned to users."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Paper:
    """One abstract as read from a corpus file."""

    paper_id: str
    title: str
    abstract: str
    authors: tuple[str, ...] = ()
    year: int | None = None
    url: str | None = None
    venue: str | None = None  # journal, conference or arXiv category
    doi: str | None = None
    arxiv_id: str | None = None


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences of one abstract; `start`/`end` index into the abstract."""

    paper_id: str
    title: str
    number: int
    text: str
    start: int
    end: int

    @property
    def chunk_id(self) -> str:
        return f"{self.paper_id}::{self.number}"


@dataclass(frozen=True)
class Source:
    """A retrieved paper: its best passage and the similarity score (higher is better)."""

    paper_id: str
    title: str
    text: str
    score: float
    abstract: str = ""
    relevance: float = 0.0  # calibrated chance (0..1) that this paper answers the query
    lexical: float = 0.0  # its BM25 score per query term over ln(1 + papers): relevance's input
    number: int = 0  # position in an answer's source list, 1-based; 0 for plain search
    year: int | None = None
    authors: tuple[str, ...] = ()
    url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Citation:
    """An inline marker `[number]` in an answer, tied to a paper and a verbatim quote."""

    number: int
    paper_id: str
    title: str
    quote: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


ABSTENTIONS = {
    "not_covered": "retrieval found no source relevant enough; the model was not called",
    "model_declined": "the model said the sources do not answer the question",
    "unsupported": "no sentence of the model's answer is supported by the sources",
    "not_stated": "the relevant paper's abstract does not give what was asked (it is cited)",
}
VERDICTS = ("yes", "no", "disagree", "not_stated")


@dataclass(frozen=True)
class Answer:
    """The result of `ask()`: text with `[n]` markers, the citations and the sources shown."""

    question: str
    text: str
    citations: tuple[Citation, ...] = ()
    sources: tuple[Source, ...] = ()
    abstained: bool = False
    prompt_tokens: int = 0
    completion_tokens: int = 0
    # why it abstained: one of ABSTENTIONS, or "" when it answered
    abstention: str = ""
    unsupported: tuple[str, ...] = ()  # sentences the model wrote that no source supports
    standalone: str = ""  # the follow-up question rewritten for retrieval ("" if unchanged)
    hedged: bool = False  # the model's draft failed the check: the text quotes the closest passage
    verdict: str = ""  # for yes/no questions and claims: one of VERDICTS

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "text": self.text,
            "abstained": self.abstained,
            "abstention": self.abstention,
            "unsupported": list(self.unsupported),
            "standalone": self.standalone,
            "hedged": self.hedged,
            "verdict": self.verdict,
            "citations": [c.to_dict() for c in self.citations],
            "sources": [s.to_dict() for s in self.sources],
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
        }


@dataclass(frozen=True)
class Skipped:
    """A record that could not be ingested, with where and why."""

    path: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}" if self.line else \
            f"{self.path}: {self.reason}"


@dataclass
class IngestReport:
    """Counts of what `ingest()` did, per paper."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    chunks_embedded: int = 0
    sentences_embedded: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    truncated: list[Skipped] = field(default_factory=list)  # stored, but cut short

    @property
    def total(self) -> int:
        return self.added + self.updated + self.unchanged

    def summary(self) -> str:
        text = (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.skipped)} skipped ({self.chunks_embedded} chunks and "
            f"{self.sentences_embedded} sentences embedded)"
        )
        if self.truncated:
            text += f"; {len(self.truncated)} abstracts truncated"
        return text
