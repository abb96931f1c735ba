"""What every reader shares: the `Record` a reader yields, the `Lines` it reads, and the
helpers that turn raw fields into a `Paper` (ids, DOIs, years, names)."""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, NamedTuple

from assistant.text.display import clean
from assistant.types import Paper, Skipped


class Record(NamedTuple):
    """A paper and the line its record starts on (0 where a position is not known)."""

    line: int
    paper: Paper


Item = Record | Skipped

# --- text helpers ---------------------------------------------------------------------------

_UNDECODED = re.compile("[\udc80-\udcff]")  # bytes kept by the surrogateescape error handler
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|2[01]\d\d)(?!\d)")
_DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:")
NOT_UTF8 = "not valid UTF-8; save the file as UTF-8"


def undecodable(text: str) -> bool:
    """Whether `text` holds bytes that were not valid UTF-8 (see `Lines`)."""
    return _UNDECODED.search(text) is not None


def stable_id(title: str) -> str:
    """An id derived from the normalised title, stable across runs and machines."""
    norm = " ".join(title.lower().split())
    return "t-" + hashlib.sha1(norm.encode("utf-8")).hexdigest()[:12]


def plain_doi(value: object) -> str | None:
    """A DOI without its resolver prefix ("https://doi.org/", "doi:")."""
    doi = clean(value)
    for prefix in _DOI_PREFIXES:
        if doi.lower().startswith(prefix):
            doi = doi[len(prefix):].strip()
    return doi or None


def year_of(value: object) -> int | None:
    """The first plausible year in a date such as "2020/05/01" or "1998 Dec-1999 Jan"."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    match = _YEAR.search(clean(value))
    return int(match.group(1)) if match else None


def arxiv_from_url(url: object) -> str | None:
    """The arXiv id in an arxiv.org/abs/ or /pdf/ link, without its version."""
    text = clean(url)
    for marker in ("arxiv.org/abs/", "arxiv.org/pdf/"):
        if marker in text:
            tail = text.split(marker, 1)[1].split("?")[0].removesuffix(".pdf")
            return tail.rsplit("v", 1)[0] if tail.rsplit("v", 1)[-1].isdigit() else tail
    return None


def first_last(name: str) -> str:
    """A name written "Last, First" as "First Last"; other names unchanged."""
    parts = [p.strip() for p in name.split(",")]
    return f"{parts[1]} {parts[0]}" if len(parts) == 2 and all(parts) else name


class Lines:
    """The decoded lines of a binary stream, line endings kept, numbered from 1 (`number` is the
    last line read). Bytes that are not UTF-8 are kept as surrogates: see `undecodable`."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self.number = 0

    def __iter__(self) -> Iterator[str]:
        for raw in self._stream:
            self.number += 1
            if self.number == 1:
                raw = raw.removeprefix(codecs.BOM_UTF8)
            yield raw.decode("utf-8", "surrogateescape")


def make_paper(path: Path, line: int, label: str, *, paper_id: str, title: str, abstract: str,
               authors: Iterable[object] = (), year: int | None = None, url: object = None,
               venue: object = None, doi: str | None = None, arxiv_id: object = None) -> Item:
    """A Record of the cleaned fields, or Skipped when there is no abstract or no title and id."""
    where = f"{label}: " if label else ""
    title, abstract, paper_id = clean(title), clean(abstract), clean(paper_id)
    if not abstract:
        return Skipped(str(path), line, f"{where}no abstract")
    if not title and not paper_id:
        return Skipped(str(path), line, f"{where}no title and no id")
    arxiv_id = clean(arxiv_id) or None
    url = clean(url) or (f"https://doi.org/{doi}" if doi else None) or \
        (f"https://arxiv.org/abs/{arxiv_id}" if arxiv_id else None)
    paper = Paper(paper_id or stable_id(title), title or paper_id, abstract,
                  tuple(a for a in (clean(a) for a in authors) if a), year, url,
                  clean(venue) or None, doi, arxiv_id)
    return Record(line, paper)
