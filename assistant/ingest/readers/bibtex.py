"""BibTeX (Zotero, Mendeley, JabRef), parsed in batches with bibtexparser; LaTeX to Unicode."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bibtexparser
from bibtexparser.library import Library
from bibtexparser.middlewares import NormalizeFieldKeys, SeparateCoAuthors
from bibtexparser.middlewares.names import parse_single_name_into_parts
from bibtexparser.model import DuplicateBlockKeyBlock, Entry, ParsingFailedBlock, String
from pylatexenc.latex2text import LatexNodes2Text
from pylatexenc.latexwalker import get_default_latex_context_db

from assistant.ingest.readers.common import (
    NOT_UTF8,
    Item,
    Lines,
    arxiv_from_url,
    make_paper,
    plain_doi,
    undecodable,
    year_of,
)
from assistant.text.display import clean
from assistant.types import Skipped

# bibtexparser logs each broken entry; we report those as Skipped records instead
logging.getLogger("bibtexparser").setLevel(logging.ERROR)


# --- BibTeX (Zotero, Mendeley, JabRef) --------------------------------------------------------

_BIB_BATCH_LINES = 5_000  # parsed together; a batch ends only where a new entry starts


_LATEX_MARKUP = re.compile(r"[\\{}$~]|--|``")  # plain text without these needs no LaTeX decoding


@functools.cache
def _latex() -> tuple[LatexNodes2Text, Any]:
    """The LaTeX-to-text converter and the macro database its parser reuses for every field."""
    return LatexNodes2Text(math_mode="text", keep_braced_groups=False), get_default_latex_context_db()


def read_bibtex(path: Path, lines: Lines) -> Iterator[Item]:
    """Entries with an abstract, parsed by bibtexparser in batches of a few thousand lines;
    `@string` macros carry over from one batch to the next."""
    strings: list[Any] = []
    for first, text in _bib_batches(lines):
        library = bibtexparser.parse_string(
            text, append_middleware=[NormalizeFieldKeys(), SeparateCoAuthors()],
            library=Library(strings))
        strings = library.strings
        for block in library.blocks:
            line = first + (block.start_line or 0)
            if isinstance(block, Entry):
                yield _bib_paper(path, line, block)
            elif isinstance(block, ParsingFailedBlock):
                yield Skipped(str(path), line, _bib_failure(block))


def _bib_batches(lines: Lines) -> Iterator[tuple[int, str]]:
    """(first line, text) batches that end before a line starting with "@" outside braces."""
    parts: list[str] = []
    first, depth = 1, 0
    for text in lines:
        full = len(parts) >= _BIB_BATCH_LINES and (depth <= 0 or len(parts) >= 20 * _BIB_BATCH_LINES)
        if full and text.startswith("@"):
            yield first, "".join(parts)
            parts, first, depth = [], lines.number, 0
        parts.append(text)
        depth += text.count("{") - text.count("}")
    if parts:
        yield first, "".join(parts)


def _bib_paper(path: Path, line: int, entry: Entry) -> Item:
    key = entry.key
    if undecodable(entry.raw or ""):
        return Skipped(str(path), line, f"entry '{key}': {NOT_UTF8}")
    fields = {name: entry[name] for name in entry}
    doi = plain_doi(fields.get("doi"))
    prefix = clean(fields.get("archiveprefix") or fields.get("eprinttype")).lower()
    arxiv = clean(fields.get("eprint")) if prefix == "arxiv" else None
    if not arxiv and doi and doi.lower().startswith("10.48550/arxiv."):
        arxiv = doi[len("10.48550/arxiv."):]
    authors = fields.get("author") or []
    return make_paper(
        path, line, f"entry '{key}'", paper_id=doi or key, title=_bib_text(fields.get("title")),
        abstract=_bib_text(fields.get("abstract")),
        authors=[_bib_text(_readable_name(a)) for a in (authors if isinstance(authors, list) else [authors])],
        year=year_of(fields.get("year") or fields.get("date")),
        url=clean(fields.get("url")) or None,
        venue=_bib_text(fields.get("journal") or fields.get("journaltitle") or fields.get("booktitle")),
        doi=doi, arxiv_id=arxiv or arxiv_from_url(fields.get("url")))


def _bib_text(value: object) -> str:
    """LaTeX markup (accents, braces, dashes, \\emph, $math$) as plain Unicode text."""
    if not isinstance(value, str) or not value:
        return ""
    if not _LATEX_MARKUP.search(value):
        return clean(value)
    text = re.sub(r"(?<!\\)%", r"\\%", value)  # a "%" in a field value is a percent sign, not a comment
    converter, macros = _latex()
    try:
        return clean(converter.latex_to_text(text, latex_context=macros))
    except Exception:  # pylatexenc is lenient; keep the raw text should it still fail
        return clean(value)


def _readable_name(name: object) -> str:
    """A BibTeX name ("von Last, First" or "First Last") as "First von Last"."""
    try:
        return parse_single_name_into_parts(str(name), strict=False).merge_first_name_first
    except Exception:  # an odd name is kept as written
        return str(name)


def _bib_failure(block: ParsingFailedBlock) -> str:
    if isinstance(block, DuplicateBlockKeyBlock):
        what = "@string" if isinstance(block.ignore_error_block, String) else "entry"
        return f"{what} '{block.key}': duplicate key; kept the first"
    reason = clean(getattr(block.error, "abort_reason", None) or block.error) or "cannot be parsed"
    head = (block.raw or "").split(",", 1)[0]
    key = head.split("{", 1)[1].strip() if "{" in head else ""
    name = f"entry '{key}'" if key and len(key.split()) == 1 else "entry"
    return f"{name}: malformed ({reason}); fix the entry or export the library again"
