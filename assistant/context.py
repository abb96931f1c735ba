"""Choose what of each retrieved abstract goes into the prompt.

Each source contributes its sentences that share the most words with the question, plus the
sentences of its best-matching passage, kept in abstract order, within `source_chars`. Every
sentence is verbatim abstract text, so quotes taken from it are verbatim too.
"""

from __future__ import annotations

from dataclasses import replace

from .chunking import split_sentences
from .citations import content_words
from .types import Source


def excerpt(source: Source, question: str, max_chars: int) -> Source:
    abstract = source.abstract or source.text
    spans = split_sentences(abstract)
    if len(abstract) <= max_chars or not spans:
        return replace(source, text=abstract)
    q_words = content_words(question)
    passage_start = abstract.find(source.text) if source.text else -1
    passage_end = passage_start + len(source.text)

    def score(span: tuple[int, int]) -> float:
        words = content_words(abstract[span[0]:span[1]])
        overlap = len(q_words & words) / len(q_words) if q_words else 0.0
        in_passage = passage_start >= 0 and span[0] >= passage_start and span[1] <= passage_end
        return overlap + (0.5 if in_passage else 0.0) + (0.2 if span is spans[0] else 0.0)

    chosen: list[tuple[int, int]] = []
    used = 0
    for span in sorted(spans, key=score, reverse=True):
        length = span[1] - span[0] + 1
        if used + length > max_chars and chosen:
            continue
        chosen.append(span)
        used += length
    chosen.sort()
    pieces = []
    for i, (s, e) in enumerate(chosen):
        if i and s > chosen[i - 1][1] + 2:
            pieces.append("…")
        pieces.append(abstract[s:e])
    return replace(source, text=" ".join(pieces))
