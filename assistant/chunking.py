"""Split abstracts into sentences and pack whole sentences into overlapping chunks."""

from __future__ import annotations

import re

from .types import Chunk, Paper

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


def chunk_paper(paper: Paper, size: int, overlap: int) -> list[Chunk]:
    """Pack whole sentences into chunks of at most `size` characters (a longer sentence
    stands alone); each chunk starts with up to `overlap` characters of the previous one's
    trailing sentences."""
    spans = split_sentences(paper.abstract)
    if not spans:
        return []
    groups: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    for span in spans:
        if current and span[1] - current[0][0] > size:
            groups.append(current)
            carry: list[tuple[int, int]] = []
            for prev in reversed(current):
                if current[-1][1] - prev[0] > overlap:
                    break
                carry.insert(0, prev)
            # keep the overlap only if the new sentence still fits beside it
            current = carry if carry and span[1] - carry[0][0] <= size else []
        current.append(span)
    groups.append(current)
    chunks = []
    for number, group in enumerate(groups):
        start, end = group[0][0], group[-1][1]
        chunks.append(Chunk(paper.paper_id, paper.title, number, paper.abstract[start:end], start, end))
    return chunks


def embedding_text(chunk: Chunk) -> str:
    """What gets embedded: the title gives every chunk its paper's topic."""
    return f"{chunk.title}\n{chunk.text}"
