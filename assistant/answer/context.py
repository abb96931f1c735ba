"""Context compression: what of each retrieved abstract goes into the prompt.

Every abstract sentence is scored against the question: the share of the question's content
words it contains, plus (when the index stores sentence vectors) its cosine to the question,
plus a bonus when it holds the kind of answer asked for (a figure for "how many", "what
accuracy"; a name for "which model", "what is the name"). The first source gets its best
sentence; every other source whose best sentence scores close to that one gets it too, in rank
order; the remaining budget goes to the best-scoring sentences of the sources taken.
Sentences stay verbatim and in abstract order, so quotes taken from them are verbatim too.
The budget counts the sources' titles and sentences in the answer model's own tokens.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace

from assistant.answer.form import (
    _WANTS_FIGURE,
    _WANTS_NAME,
    expands,
    holds_answer,
    measures,
    spelled_out,
)
from assistant.text.names import title_name
from assistant.text.rules import (
    AIMS,
    addresses_reader,
    content_words,
    heading,
    names,
    strip_heading,
)
from assistant.text.sentences import split_sentences
from assistant.types import Source

_COSINE_WEIGHT = 1.0  # a cosine of 0.5 counts like half the question's words
RANK_PENALTY = 0.1  # later sources give way to earlier ones at equal score
_ANSWER_BONUS = 0.3  # the sentence holds the kind of answer the question asks for
_KEEP = 0.75  # another source joins when its best sentence scores this share of the first's
_GAP = " … "
def sentence_scores(question: str, sentences: Sequence[str],
                    cosines: Sequence[float] | None = None, title: str = "") -> list[float]:
    """Words of the question that are also words of the paper's title only say which paper
    is meant; the answer is in the sentence that matches the rest of the question."""
    q_words = content_words(question)
    rest = q_words - content_words(title)
    q_words = rest or q_words
    wants_figure = bool(_WANTS_FIGURE.search(question))
    wants_name = bool(_WANTS_NAME.search(question))
    q_names = names(question)
    spelled = spelled_out(question)
    if cosines is not None and len(cosines) != len(sentences):
        cosines = None  # stored under another sentence split (an older index): unusable
    out = []
    for i, sentence in enumerate(sentences):
        if addresses_reader(sentence):  # data, never shown as evidence
            out.append(float("-inf"))
            continue
        words = content_words(sentence)
        score = len(q_words & words) / len(q_words) if q_words else 0.0
        if heading(sentence) in AIMS:  # what a study set out to do is not what it found
            score -= _ANSWER_BONUS
        elif wants_figure and measures(question, sentence) or \
                wants_name and names(sentence) - q_names or \
                any(expands(a, sentence) for a in spelled):
            score += _ANSWER_BONUS
        if cosines is not None and i < len(cosines):
            score += _COSINE_WEIGHT * float(cosines[i])
        out.append(score)
    return out


def compress(
    question: str,
    sources: Sequence[Source],
    *,
    budget: int,
    count: Callable[[str], int],
    cosines: Mapping[str, Sequence[float]] | None = None,
    keep: Collection[str] = (),
) -> list[Source]:
    """Sources whose `text` holds their chosen sentences, within `budget` tokens (titles, as
    the prompt shows them, included); the first source, and those whose ids are in `keep`
    (the papers a question names), always get their best sentence."""
    cosines = cosines or {}
    spans, scores, costs = [], [], []
    used = 0
    for rank, source in enumerate(sources):
        abstract = source.abstract or source.text
        s = split_sentences(abstract) or [(0, len(abstract))]
        texts = [abstract[a:b] for a, b in s]
        spans.append(s)
        scores.append([v - RANK_PENALTY * rank for v in
                       sentence_scores(question, texts, cosines.get(source.paper_id),
                                       source.title)])
        costs.append([count(t) + 1 for t in texts])
        used += count(title_name(source.title)) + 4  # "[n] title\n" and the blank line
    chosen: list[set[int]] = [set() for _ in sources]
    top = max(scores[0]) if sources else 0.0
    for i in range(len(sources)):  # the best sentence of each source close to the first
        best = max(range(len(spans[i])), key=scores[i].__getitem__)
        if scores[i][best] == float("-inf"):
            continue
        if i == 0 or sources[i].paper_id in keep or \
                (scores[i][best] >= _KEEP * top and used + costs[i][best] <= budget):
            chosen[i].add(best)
            used += costs[i][best]
    rest = sorted(((scores[i][j], i, j) for i in range(len(sources)) for j in range(len(spans[i]))
                   if chosen[i] and j not in chosen[i] and scores[i][j] > float("-inf")),
                  reverse=True)
    for _, i, j in rest:
        if used + costs[i][j] <= budget:
            chosen[i].add(j)
            used += costs[i][j]
    out = []
    for i, source in enumerate(sources):
        if not chosen[i]:
            continue
        abstract = source.abstract or source.text
        pieces, last = [], None
        for j in sorted(chosen[i]):
            if last is not None and j != last + 1:
                pieces.append(_GAP.strip())
            pieces.append(strip_heading(abstract[spans[i][j][0]:spans[i][j][1]]))
            last = j
        out.append(replace(source, text=" ".join(pieces)))
    return out


def closest_sentence(question: str, source: Source,
                     cosines: Sequence[float] | None = None, *, answering: bool = False) -> str:
    """The abstract sentence, among those the model saw (`source.text`), that best matches
    the question; with `answering`, the best of those that hold the answer asked for
    (`holds_answer`), or "" when none does."""
    abstract = source.abstract or source.text
    sentences = [abstract[a:b] for a, b in split_sentences(abstract)] or [abstract]
    scores = sentence_scores(question, sentences, cosines, source.title)
    shown = [i for i, t in enumerate(sentences) if strip_heading(t) in source.text] \
        or list(range(len(sentences)))
    if answering:
        shown = [i for i in shown if scores[i] > float("-inf")
                 and holds_answer(question, strip_heading(sentences[i]), source.title)]
        if not shown:
            return ""
    return strip_heading(sentences[max(shown, key=scores.__getitem__)])
