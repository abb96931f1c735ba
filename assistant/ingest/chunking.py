"""Pack an abstract's whole sentences into overlapping chunks."""

from __future__ import annotations

from assistant.text.sentences import split_sentences
from assistant.types import Chunk, Paper


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
