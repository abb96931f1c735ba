"""Contradictions made from a claim a sentence supports: its figure swapped, its polarity
negated, its comparison reversed, or its named entity replaced. These make training data only;
the assistant decides nothing with them."""

from __future__ import annotations

import random
import re

from assistant.text.rules import AUXILIARIES

_FIGURE = re.compile(r"(?<![\w.\-])(\d+(?:\.\d+)?)(?![\w])")
_OPPOSITES = {
    "increase": "decrease", "increases": "decreases", "increased": "decreased",
    "higher": "lower", "more": "less", "greater": "smaller", "larger": "smaller",
    "improves": "worsens", "improved": "worsened", "reduces": "raises", "reduced": "raised",
    "positive": "negative", "positively": "negatively", "up": "down", "longer": "shorter",
    "benefit": "harm", "promotes": "inhibits", "activates": "inhibits", "enhances": "impairs",
}
_OPPOSITES |= {v: k for k, v in list(_OPPOSITES.items())}
_NEGATED = re.compile(r"\b(?:does not|do not|did not|is not|are not|was not|were not|cannot|"
                      r"has no|have no|no)\b\s*", re.IGNORECASE)
_NAME = re.compile(r"\b(?:[A-Z][A-Za-z]*[A-Z0-9][A-Za-z0-9\-]*|[A-Z]{2,}[a-z]?)\b")  # IL-6, TNF, BRCA1


def swap_figure(claim: str, rng: random.Random) -> str | None:
    figures = _FIGURE.findall(claim)
    if not figures:
        return None
    old = rng.choice(figures)
    value = float(old)
    factor = rng.choice((0.5, 2.0, 3.0, 0.25, 1.5))
    new = value * factor if value else rng.choice((1.0, 5.0, 10.0))
    text = f"{new:.{len(old.split('.')[1])}f}" if "." in old else str(max(1, round(new)))
    if text == old:
        text = str(int(value) + 7)
    at = next(m for m in _FIGURE.finditer(claim) if m.group(1) == old)
    return claim[:at.start(1)] + text + claim[at.end(1):]


def negate(claim: str) -> str | None:
    if _NEGATED.search(claim):  # a negated claim loses its negation
        out = _NEGATED.sub(lambda m: "" if m.group(0).lower().startswith("no") else
                           m.group(0).split()[0] + " ", claim, count=1)
        return " ".join(out.split()) if out != claim else None
    words = claim.split()
    for i, word in enumerate(words[:-1]):
        if word.lower() in AUXILIARIES:
            return " ".join(words[:i + 1] + ["not"] + words[i + 1:])
    return None


def reverse(claim: str) -> str | None:
    words = claim.split()
    for i, word in enumerate(words):
        core = word.strip(".,;:")
        if core.lower() in _OPPOSITES:
            swapped = _OPPOSITES[core.lower()]
            words[i] = word.replace(core, swapped.capitalize() if core[:1].isupper() else swapped, 1)
            return " ".join(words)
    return None


def replace_entity(claim: str, others: list[str], rng: random.Random) -> str | None:
    names = _NAME.findall(claim)
    pool = [n for n in others if n not in names]
    if not names or not pool:
        return None
    old = rng.choice(names)
    return re.sub(rf"\b{re.escape(old)}\b", rng.choice(pool), claim, count=1)


def contradictions(claim: str, others: list[str], rng: random.Random) -> list[tuple[str, str]]:
    """(perturbed claim, how) for each perturbation that applies."""
    made = [("perturbed-figure", swap_figure(claim, rng)), ("perturbed-negation", negate(claim)),
            ("perturbed-comparison", reverse(claim)),
            ("perturbed-entity", replace_entity(claim, others, rng))]
    return [(text, how) for how, text in made if text and text != claim]


def entity_names(texts: list[str]) -> list[str]:
    """The names (acronyms, gene-like tokens) used across `texts`, for entity replacement."""
    return sorted({n for t in texts for n in _NAME.findall(t)})
