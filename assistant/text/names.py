"""The names papers give what they introduce ("SNIP", "PoolFormer", "O1 Embedder"), to tell
when a question is about a paper of the corpus even though its wording matches the abstract
poorly ("What does the name SNIP stand for?").

A paper's names are the name part of a "Name: subtitle" title and the names an abstract
introduces ("we introduce SNIP", "termed as PoolFormer", "called TransNeXt", "we propose a
greedy search algorithm (G-Search)"). Only
distinctive names count: a token with an inner capital or two capitals in a row (DySpec,
GSM8K) or a letter followed by a digit (Light-R1), or a title's whole name part. A name
merely mentioned ("the latest GPT-3 language model") is not the paper's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from assistant.text.rules import TOKEN

_DISTINCT = re.compile(r"[a-z][A-Z]|[A-Z]{2}|[A-Za-z]\d")
_INTRO = re.compile(
    r"\b(?:we\s+(?:introduce|propose|present|call|name|dub|term|develop|build|design)|called|"
    r"termed|named|dubbed|coined|namely|our\s+proposed|our)\b[\s:,]*(?:as\s+)?"
    r"(?:(?:a|an|the|novel|new|simple|approach|method|model|framework|dataset|benchmark)\s+){0,3}"
    r"\**([A-Za-z0-9][\w.\-]*(?:\s+[A-Z0-9][\w.\-]*)?)",
)
_DEFINED = re.compile(r"\bwe\s+(?:introduce|propose|present|design|develop|build)\b[^.;()]{0,80}"
                      r"\(\**([A-Za-z][\w.\-]*)\**\)")  # "we propose a greedy search (G-Search)"
_MAX_NAME = 40  # characters of a title's name part
_MAX_OWNERS = 2  # papers that may introduce one name ("our CoT prompts": a field's term)
_MAX_SHARE = 0.01  # share of the corpus that may mention a name that identifies one paper


def title_name(title: str) -> str:
    """The name part of a "Name: subtitle" title, else "". The prompt names papers by it
    alone: small models asked "what is X called?" answer with a whole title when they see one."""
    head, sep, _ = title.partition(":")
    head = head.strip()
    return head if sep and 0 < len(head) <= _MAX_NAME else ""


def label(title: str) -> str:
    """How an answer names a paper: its title's name part, else the whole title."""
    return title_name(title) or title


def _distinct(token: str) -> bool:
    return len(token) >= 3 and bool(_DISTINCT.search(token))


def _title_names(title: str) -> set[str]:
    head = title_name(title)
    if not head:
        return set()
    tokens = TOKEN.findall(head)
    found = {t for t in tokens if _distinct(t)}
    if len(tokens) == 1 or head[:1].isupper():
        found.add(head)
    return found


def _introduced(abstract: str) -> set[str]:
    found = set()
    for match in _INTRO.finditer(abstract):
        first = TOKEN.match(match.group(1))
        if first and _distinct(first.group(0)):
            found.add(first.group(0).rstrip(".-"))
    found.update(m.group(1) for m in _DEFINED.finditer(abstract)  # "(G-Search)": a name
                 if len(m.group(1)) >= 3 and m.group(1) != m.group(1).lower())
    return found


def paper_names(title: str, abstract: str) -> set[str]:
    """What the paper calls the things it introduces: its title's name part (whole, and its
    distinctive tokens) and the distinctive names its abstract introduces."""
    return _title_names(title) | _introduced(abstract)


class NameIndex:
    """Paper names, looked up in questions: single-token names must match case and all
    (`FIT` is a paper, "fit" a word); names of several words match case-insensitively."""

    def __init__(self) -> None:
        self._single: dict[str, set[str]] = {}
        self._phrases: dict[str, set[str]] = {}

    def build(self, papers: Iterable[tuple[str, str, str]]) -> None:
        """papers: (paper id, title, abstract)."""
        papers = list(papers)
        mentions: dict[str, int] = {}
        for _, title, abstract in papers:
            for token in {t.lower() for t in TOKEN.findall(f"{title} {abstract}")}:
                mentions[token] = mentions.get(token, 0) + 1
        self.fill({pid: paper_names(title, abstract) for pid, title, abstract in papers},
                  lambda token: mentions.get(token, 0), len(papers))

    def fill(self, owned: dict[str, set[str]], mentions: Callable[[str], int],
             n_papers: int) -> None:
        """owned: each paper's names; mentions(lower-case token): how many papers use it. A
        name identifies a paper when at most two papers introduce it and at most 1% of the
        corpus (at least 2 papers) mentions it: "COVID-19: ..." in a corpus of COVID papers
        names no single paper."""
        self._single, self._phrases = {}, {}
        limit = max(2, _MAX_SHARE * n_papers)
        owners: dict[str, int] = {}
        for own in owned.values():
            for name in own:
                owners[name] = owners.get(name, 0) + 1
        for pid, own in owned.items():
            for name in own:
                tokens = [t.lower() for t in TOKEN.findall(name)]
                if owners[name] > _MAX_OWNERS or \
                        min((mentions(t) for t in tokens), default=0) > limit:
                    continue
                if len(tokens) == 1 and " " not in name:
                    self._single.setdefault(name, set()).add(pid)
                else:
                    self._phrases.setdefault(" ".join(name.lower().split()), set()).add(pid)

    def named_in(self, text: str) -> list[str]:
        """Papers whose names the text mentions, in order of first mention."""
        hits: list[tuple[int, str]] = []
        for m in TOKEN.finditer(text):
            parts = m.group(0).split("-")
            for end in range(len(parts), 0, -1):  # "Vision-R1-7B", then "Vision-R1", ...
                candidate = "-".join(parts[:end])
                if candidate in self._single:
                    hits.extend((m.start(), pid) for pid in sorted(self._single[candidate]))
                    break
        lowered = " ".join(text.lower().split())
        for phrase, pids in self._phrases.items():
            at = re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", lowered)
            if at:
                hits.extend((at.start(), pid) for pid in sorted(pids))
        return list(dict.fromkeys(pid for _, pid in sorted(hits)))
