"""The one sentence splitter: ingest, the prompt's context and the citation check all use it."""

from __future__ import annotations

import re

_ABBREVIATIONS = {"e.g.", "i.e.", "et al.", "etc.", "vs.", "fig.", "figs.", "eq.", "no.", "approx.",
                  "cf.", "dr.", "mr.", "ms.", "al.", "resp.", "sec.", "ref.", "refs.", "avg.",
                  "incl.", "viz.", "ca.", "tab.", "u.s."}
# a literal "\n" (an escaping artefact of some exports, SciFact's among them) is white space
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*(?:\s|\\n)+(?=[\"'(\[]?[A-Z0-9])")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of `text`, covering it without gaps in content."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.start()
        head = text[start:end + 1]
        tail_word = head.rsplit(None, 1)[-1].lower().lstrip("([{\"'") if head.strip() else ""
        if tail_word in _ABBREVIATIONS or re.fullmatch(r"[a-z]\.", tail_word):
            continue
        piece_end = match.start() + len(match.group(0).rstrip())
        spans.append((start, _rstrip(text, piece_end)))
        start = match.end()
    if start < len(text) and text[start:].strip():
        spans.append((start, _rstrip(text, len(text))))
    return [(s, e) for s, e in spans if e > s]


def _rstrip(text: str, end: int) -> int:
    while end > 0 and (text[end - 1].isspace() or text[end - 2:end] == "\\n"):
        end -= 2 if text[end - 2:end] == "\\n" else 1
    return end


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]
