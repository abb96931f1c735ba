"""RIS (EndNote, Zotero, Mendeley, databases), parsed with rispy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import rispy

from assistant.ingest.readers.common import (
    NOT_UTF8,
    Item,
    Lines,
    arxiv_from_url,
    first_last,
    make_paper,
    plain_doi,
    stable_id,
    undecodable,
    year_of,
)
from assistant.text.display import clean
from assistant.types import Skipped

# --- RIS (EndNote, Zotero, Mendeley, databases) ------------------------------------------------

def read_ris(path: Path, lines: Lines) -> Iterator[Item]:
    """Records from "TY  -" to "ER  -", each parsed by rispy as soon as it ends."""
    parser = rispy.RisParser()
    record: list[str] = []
    start = 0
    for text in lines:
        tag, _ = parser.parse_line(text)
        if tag == parser.START_TAG:
            if record:
                yield Skipped(str(path), start, "record has no 'ER  -' line before the next 'TY  -'")
            record, start = [text], lines.number
        elif record:
            record.append(text)
            if tag == parser.END_TAG:
                yield _ris_paper(path, start, record, parser)
                record = []
    if record:
        yield Skipped(str(path), start, "the last record has no 'ER  -' line; the file may be cut short")


def _ris_paper(path: Path, line: int, record: list[str], parser: rispy.RisParser) -> Item:
    if any(undecodable(text) for text in record):
        return Skipped(str(path), line, NOT_UTF8)
    entries = parser.parse_lines(iter(record))
    if not entries:
        return Skipped(str(path), line, "record cannot be parsed")
    rec = entries[0]
    doi = plain_doi(rec.get("doi"))
    title = clean(rec.get("title") or rec.get("primary_title"))
    urls = rec.get("urls") or []
    label = f"DOI {doi}" if doi else (f"'{title[:60]}'" if title else "")
    return make_paper(
        path, line, label, paper_id=doi or (stable_id(title) if title else ""),
        title=title, abstract=rec.get("abstract") or rec.get("notes_abstract"),
        authors=[first_last(clean(a)) for a in (rec.get("authors") or rec.get("first_authors") or [])],
        year=year_of(rec.get("year")) or year_of(rec.get("publication_year")) or year_of(rec.get("date")),
        url=urls[0] if urls else None, doi=doi,
        venue=rec.get("journal_name") or rec.get("secondary_title") or rec.get("alternate_title3"),
        arxiv_id=next((a for a in map(arxiv_from_url, urls) if a), None))
