"""Read corpora, streamed: the bundled text format, JSON/JSONL (incl. BEIR corpus.jsonl, the arXiv
snapshot, OpenAlex and Semantic Scholar), CSV, BibTeX, RIS and PubMed XML, one reader per format
in `readers/`.

`iter_corpus` checks the file, then yields each valid `Paper` and a `Skipped` for each bad
record as it reads, so one malformed record never loses the rest of a file. Files ending in
.gz are read through gzip. See docs/formats.md.
"""

from __future__ import annotations

import codecs
import gzip
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from assistant.errors import CorpusError
from assistant.ingest.readers import bibtex, delimited, jsonl, plaintext, pubmed, ris
from assistant.ingest.readers.common import Item, Lines, stable_id
from assistant.types import Paper, Skipped

__all__ = ["ReadResult", "iter_corpus", "no_paper_error", "read_corpus", "stable_id"]

_SNIFF_BYTES = 8192
_FORMATS = {".bib": "bibtex", ".bibtex": "bibtex", ".ris": "ris", ".xml": "pubmed",
            ".json": "json", ".jsonl": "json", ".ndjson": "json", ".csv": "csv", ".tsv": "tsv"}
# file types the page and the HTTP API accept for upload
UPLOAD_SUFFIXES = (".txt", *_FORMATS, ".gz")  # what ingest reads, by name


@dataclass
class ReadResult:
    papers: list[Paper] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def read_corpus(path: str | Path) -> ReadResult:
    """All the papers and skipped records of one corpus file (see `iter_corpus`)."""
    path = Path(path)
    result = ReadResult()
    for item in iter_corpus(path):
        (result.papers if isinstance(item, Paper) else result.skipped).append(item)
    if not result.papers:
        raise no_paper_error(path, result.skipped)
    return result


def no_paper_error(path: str | Path, skipped: list[Skipped]) -> CorpusError:
    """The error for a file that held no usable paper, naming a few of its skipped records."""
    reasons = "; ".join(str(s) for s in skipped[:3])
    return CorpusError(
        f"{path}: no valid paper found"
        + (f" ({len(skipped)} records skipped, e.g. {reasons})" if reasons else "")
        + "; expected a title line then an abstract paragraph, JSONL/CSV with "
        "title and abstract (or text) fields, BibTeX or RIS with abstracts, or PubMed XML"
    )


def iter_corpus(path: str | Path) -> Iterator[Paper | Skipped]:
    """Papers and skipped records of one corpus file, read lazily in file order.

    The format comes from the extension (after .gz): .bib, .ris, .xml (PubMed), .json/.jsonl/
    .ndjson, .csv/.tsv, anything else the text format. Raises CorpusError at once for a missing,
    empty or binary file; afterwards bad records become `Skipped`, duplicate ids included.
    """
    path = Path(path)
    _check(path)
    return _unique(path, _items(path))


def _format(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    return _FORMATS.get(suffixes[-1] if suffixes else "", "text")


@contextmanager
def _open(path: Path) -> Iterator[IO[bytes]]:
    if path.name.lower().endswith(".gz"):
        with gzip.open(path, "rb") as stream:
            yield stream
    else:
        with path.open("rb") as stream:
            yield stream


def _check(path: Path) -> None:
    if not path.exists():
        raise CorpusError(f"{path}: no such file; check the path")
    if path.is_dir():
        raise CorpusError(f"{path}: is a folder; pass the corpus files inside it")
    try:
        with _open(path) as stream:
            head = stream.read(_SNIFF_BYTES)
            empty = not head.removeprefix(codecs.BOM_UTF8).strip() and _blank(stream)
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise CorpusError(f"{path}: not a readable gzip file ({exc}); download it again "
                          "or pass it uncompressed") from None
    except OSError as exc:
        raise CorpusError(f"{path}: cannot be read ({exc.strerror or exc}); check its permissions") from None
    if empty:
        raise CorpusError(f"{path}: the file is empty; add papers to it or pass another file")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise CorpusError(f"{path}: is UTF-16 text; save the file as UTF-8")
    if head.count(b"\x00") > len(head) // 100:  # text may hold a stray NUL; binary is full of them
        raise CorpusError(f"{path}: looks like a binary file; pass a .txt, .jsonl, .csv, .bib, .ris "
                          "or PubMed .xml corpus, or one of those compressed as .gz")


def _blank(stream: IO[bytes]) -> bool:
    """Whether the rest of the stream is whitespace only, read a block at a time."""
    while block := stream.read(1 << 16):
        if block.strip():
            return False
    return True


def _items(path: Path) -> Iterator[Item]:
    kind = _format(path)
    with _open(path) as stream:
        try:
            if kind == "pubmed":
                yield from pubmed.read_pubmed(path, stream)
            else:
                yield from _READERS[kind](path, Lines(stream))
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            yield Skipped(str(path), 0, f"the compressed file is cut short or damaged ({exc}); "
                          "the rest is not read; download it again")


def _unique(path: Path, items: Iterator[Item]) -> Iterator[Paper | Skipped]:
    """Papers with the first of each id (a hash of it is kept per paper), Skipped for the rest."""
    seen: set[int] = set()
    for item in items:
        if isinstance(item, Skipped):
            yield item
            continue
        key = hash(item.paper.paper_id)
        if key in seen:
            yield Skipped(str(path), item.line, f"duplicate id {item.paper.paper_id!r}; kept the first")
            continue
        seen.add(key)
        yield item.paper


_READERS = {"bibtex": bibtex.read_bibtex, "ris": ris.read_ris, "json": jsonl.read_json,
            "csv": delimited.read_csv, "tsv": delimited.read_tsv, "text": plaintext.read_blocks}
