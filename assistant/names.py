"""The names papers give what they introduce ("SNIP", "PoolFormer", "O1 Embedder"), to tell
when a question is about a paper of the corpus even though its wording matches the abstract
poorly ("What does the name SNIP stand for?").

A paper's names are the name part of a "Name: subtitle" title and the names an abstract
introduces ("we introduce SNIP", "termed as PoolFormer", "called TransNeXt"). Only
distinctive names count: a token with an inner capital or two capitals in a row (DySpec,
GSM8K) or a letter followed by a digit (Light-R1), or a title's whole name part. A name
merely mentioned ("the latest GPT-3 language model") is not the paper's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[.\-][A-Za-z0-9]+)*")
_DISTINCT = re.compile(r"[a-z][A-Z]|[A-Z]{2}|[A-Za-z]\d")
_INTRO = re.compile(
    r"\b(?:we\s+(?:introduce|propose|present|call|name|dub|term|develop|build|design)|called|"
    r"termed|named|dubbed|coined|namely|our\s+proposed|our)\b[\s:,]*(?:as\s+)?"
    r"(?:(?:a|an|the|novel|new|simple|approach|method|model|framework|dataset|benchmark)\s+){0,3}"
    r"\**([A-Za-z0-9][\w.\-]*(?:\s+[A-Z0-9][\w.\-]*)?)",
)
_MAX_NAME = 40  # characters of a title's name part


def title_name(title: str) -> str:
    """The name part of a "Name: subtitle" title, else ""."""
    head, sep, _ = title.partition(":")
    head = head.strip()
    return head if sep and 0 < len(head) <= _MAX_NAME else ""


def _distinct(token: str) -> bool:
    return len(token) >= 3 and bool(_DISTINCT.search(token))


def paper_names(title: str, abstract: str) -> set[str]:
    """What the paper calls the things it introduces: its title's name part (whole, and its
    distinctive tokens) and the distinctive names its abstract introduces."""
    found: set[str] = set()
    head = title_name(title)
    if head:
        tokens = _TOKEN.findall(head)
        if len(tokens) == 1 or len(tokens) >= 2 and head[:1].isupper():
            found.add(head)
        found.update(t for t in tokens if _distinct(t))
    for match in _INTRO.finditer(abstract):
        first = _TOKEN.match(match.group(1))
        if first and _distinct(first.group(0)):
            found.add(first.group(0).rstrip(".-"))
    return found


class NameIndex:
    """Paper names, looked up in questions: single-token names must match case and all
    (`FIT` is a paper, "fit" a word); names of several words match case-insensitively."""

    def __init__(self) -> None:
        self._single: dict[str, set[str]] = {}
        self._phrases: dict[str, set[str]] = {}

    def build(self, papers: Iterable[tuple[str, str, str]]) -> None:
        """papers: (paper id, title, abstract)."""
        self._single, self._phrases = {}, {}
        for pid, title, abstract in papers:
            for name in paper_names(title, abstract):
                if len(_TOKEN.findall(name)) == 1 and " " not in name:
                    self._single.setdefault(name, set()).add(pid)
                else:
                    self._phrases.setdefault(" ".join(name.lower().split()), set()).add(pid)

    def named_in(self, text: str) -> list[str]:
        """Papers whose names the text mentions, in order of first mention."""
        hits: list[tuple[int, str]] = []
        for m in _TOKEN.finditer(text):
            token = m.group(0)
            for candidate in (token, token.split("-")[0]):
                if candidate in self._single:
                    hits.extend((m.start(), pid) for pid in sorted(self._single[candidate]))
                    break
        lowered = " ".join(text.lower().split())
        for phrase, pids in self._phrases.items():
            at = re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", lowered)
            if at:
                hits.extend((at.start(), pid) for pid in sorted(pids))
        return list(dict.fromkeys(pid for _, pid in sorted(hits)))
