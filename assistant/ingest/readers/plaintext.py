"""The bundled text format: a title line, a blank line, an abstract paragraph."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from assistant.ingest.readers.common import NOT_UTF8, Item, Lines, Record, stable_id, undecodable
from assistant.text.display import clean
from assistant.types import Paper, Skipped

_MIN_ABSTRACT_CHARS = 80
_MAX_TITLE_CHARS = 400


# --- the bundled text format ----------------------------------------------------------------------

class _Block(NamedTuple):
    line: int  # its first line
    parts: list[str]  # its stripped lines

    @property
    def text(self) -> str:
        return " ".join(self.parts)


def _blocks(lines: Lines) -> Iterator[_Block]:
    """Runs of non-blank lines."""
    current: list[str] = []
    start = 0
    for text in lines:
        if text.strip():
            if not current:
                start = lines.number
            current.append(text.strip())
        elif current:
            yield _Block(start, current)
            current = []
    if current:
        yield _Block(start, current)


def read_blocks(path: Path, lines: Lines) -> Iterator[Item]:
    """Title line, blank line, abstract paragraph. Short blocks before the first paper are a header."""
    seen_paper = False
    pending: _Block | None = None
    for block in _blocks(lines):
        if pending is not None and _is_pair(pending, block):
            yield _block_paper(path, pending, block)
            seen_paper, pending = True, None
            continue
        if pending is not None and seen_paper:  # header lines before the first paper are skipped silently
            yield _orphan(path, pending)
        pending = block
    if pending is not None and seen_paper:
        yield _orphan(path, pending)


def _is_abstract(text: str) -> bool:
    return len(text) >= _MIN_ABSTRACT_CHARS and len(text.split()) >= 12


def _is_pair(title: _Block, abstract: _Block) -> bool:
    return len(title.parts) == 1 and len(title.text) <= _MAX_TITLE_CHARS \
        and _is_abstract(abstract.text) and len(abstract.text) > len(title.text)


def _block_paper(path: Path, title: _Block, abstract: _Block) -> Item:
    if undecodable(title.text) or undecodable(abstract.text):
        return Skipped(str(path), title.line, NOT_UTF8)
    name, text = clean(title.text), clean(abstract.text)
    if not name:
        return Skipped(str(path), title.line, "abstract without a title line")
    return Record(title.line, Paper(stable_id(name), name, text))


def _orphan(path: Path, block: _Block) -> Skipped:
    if _is_abstract(block.text):
        return Skipped(str(path), block.line, "abstract without a title line")
    return Skipped(str(path), block.line, "title without an abstract paragraph")


