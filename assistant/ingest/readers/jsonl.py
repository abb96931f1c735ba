"""JSON lines and JSON documents: generic and BEIR records, the arXiv metadata snapshot,
OpenAlex and Semantic Scholar."""

from __future__ import annotations

import email.utils
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from assistant.errors import CorpusError
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

# --- JSON lines and documents; generic and BEIR records ---------------------------------------

def read_json(path: Path, lines: Lines) -> Iterator[Item]:
    """JSON lines, streamed; a pretty-printed document (first line "{" or "[") is loaded whole."""
    first = True
    for text in lines:
        stripped = text.strip()
        if not stripped:
            continue
        if first and stripped in ("{", "["):
            yield from _read_document(path, lines.number, text + "".join(lines))
            return
        first = False
        number = lines.number
        if undecodable(text):
            yield Skipped(str(path), number, NOT_UTF8)
            continue
        try:
            value = json.loads(stripped)
        except json.JSONDecodeError as exc:
            yield Skipped(str(path), number, f"invalid JSON ({exc.msg})")
            continue
        yield from _json_items(path, number, value)


def _read_document(path: Path, line: int, text: str) -> Iterator[Item]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CorpusError(f"{path}:{line + exc.lineno - 1}: invalid JSON ({exc.msg}); the file must be "
                          "one JSON document or one JSON object per line") from None
    # positions inside one document are not tracked: records are named by their index
    yield from _json_items(path, 0, value, check_bytes=True)


def _json_items(path: Path, line: int, value: Any, check_bytes: bool = False) -> Iterator[Item]:
    """The records of one JSON value: a record, a list of them, or an API page of them."""
    name, records = _page(value)
    if records is None:
        yield _json_record(path, line, value)
        return
    for i, rec in enumerate(records):
        item = _json_record(path, line, rec)
        if check_bytes and undecodable(json.dumps(rec, ensure_ascii=False)):
            item = Skipped(str(path), line, NOT_UTF8)
        if isinstance(item, Skipped):
            item = Skipped(item.path, item.line, f"{name}[{i}]: {item.reason}")
        yield item


def _page(value: Any) -> tuple[str, list[Any] | None]:
    """("results", [...]) for an OpenAlex page, ("data", [...]) for Semantic Scholar, ("", list)."""
    if isinstance(value, list):
        return "", value
    if isinstance(value, dict) and "title" not in value:
        for name in ("results", "data"):
            if isinstance(value.get(name), list):
                return name, value[name]
    return "", None


def _json_record(path: Path, line: int, rec: Any) -> Item:
    if not isinstance(rec, dict):
        return Skipped(str(path), line, "not a JSON object")
    mappers = {"arxiv": from_arxiv, "openalex": from_openalex, "s2": from_s2}
    mapper = mappers.get(json_kind(rec), from_generic)
    return mapper(path, line, rec)


def from_generic(path: Path, line: int, rec: dict[str, Any]) -> Item:
    """A generic record: title, abstract or text (BEIR), id or _id, authors, year, url, ..."""
    if not clean(rec.get("abstract") or rec.get("text")):
        return Skipped(str(path), line, "no abstract (expected an 'abstract' or 'text' field)")
    year = rec.get("year")
    try:
        year = int(year) if year not in (None, "") else None
    except (TypeError, ValueError):
        return Skipped(str(path), line, f"year {year!r} is not a number")
    authors = rec.get("authors") or ()
    if isinstance(authors, str):
        authors = re.split(r";|,(?![^()]*\))| and ", authors)
    raw_id = rec.get("id", rec.get("_id"))
    return make_paper(
        path, line, "", paper_id=clean(raw_id) if raw_id is not None else "", title=rec.get("title"),
        abstract=rec.get("abstract") or rec.get("text"), authors=authors, year=year,
        url=rec.get("url"), venue=rec.get("venue") or rec.get("journal"), doi=plain_doi(rec.get("doi")),
        arxiv_id=rec.get("arxiv_id"))


# --- JSON records: arXiv snapshot, OpenAlex, Semantic Scholar --------------------------------

def json_kind(rec: dict[str, Any]) -> str:
    """Which exporter wrote a JSON record, from its keys: openalex, s2, arxiv or generic."""
    if "abstract_inverted_index" in rec:
        return "openalex"
    if "paperId" in rec:
        return "s2"
    if "authors_parsed" in rec or ("categories" in rec and "id" in rec):
        return "arxiv"
    return "generic"


def from_arxiv(path: Path, line: int, rec: dict[str, Any]) -> Item:
    """A record of Kaggle's arxiv-metadata-oai-snapshot.json."""
    arxiv_id = clean(rec.get("id"))
    parsed = rec.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        authors = [" ".join(clean(p) for p in (*name[1:2], name[0], *name[2:3]) if clean(p))
                   for name in parsed if isinstance(name, list) and name]
    else:
        authors = re.split(r",\s*|\s+and\s+", clean(rec.get("authors")))
    categories = clean(rec.get("categories")).split()
    doi = clean(rec.get("doi")).split()
    return make_paper(
        path, line, f"arXiv {arxiv_id}" if arxiv_id else "arXiv record",
        paper_id=f"arXiv:{arxiv_id}" if arxiv_id else "", title=rec.get("title"),
        abstract=rec.get("abstract"), authors=authors, year=_arxiv_year(rec),
        url=f"https://arxiv.org/abs/{arxiv_id}" if arxiv_id else None,
        venue=clean(rec.get("journal-ref")) or (categories[0] if categories else None),
        doi=plain_doi(doi[0]) if doi else None, arxiv_id=arxiv_id)


def _arxiv_year(rec: dict[str, Any]) -> int | None:
    """The year of the first version ("Mon, 2 Apr 2007 19:18:42 GMT"), else of update_date."""
    versions = rec.get("versions")
    if isinstance(versions, list) and versions and isinstance(versions[0], dict):
        created = email.utils.parsedate_tz(str(versions[0].get("created")))
        if created:
            return created[0]
    return year_of(rec.get("update_date"))


def from_openalex(path: Path, line: int, rec: dict[str, Any]) -> Item:
    """An OpenAlex work object; its abstract is rebuilt from `abstract_inverted_index`."""
    work_id = clean(rec.get("id")).rstrip("/").rsplit("/", 1)[-1]
    label = f"OpenAlex {work_id}" if work_id else "OpenAlex work"
    try:
        abstract = _uninvert(rec.get("abstract_inverted_index"))
    except (AttributeError, TypeError, ValueError):
        return Skipped(str(path), line, f"{label}: abstract_inverted_index is malformed")
    doi = plain_doi(rec.get("doi"))
    primary = _dict(rec.get("primary_location"))
    locations = [_dict(loc).get("landing_page_url") for loc in rec.get("locations") or []]
    arxiv = next((a for a in map(arxiv_from_url, locations) if a), None)
    return make_paper(
        path, line, label, paper_id=work_id or doi or "",
        title=rec.get("title") or rec.get("display_name"), abstract=abstract,
        authors=[_dict(_dict(a).get("author")).get("display_name") for a in rec.get("authorships") or []],
        year=year_of(rec.get("publication_year")),
        url=(f"https://doi.org/{doi}" if doi else None) or primary.get("landing_page_url") or rec.get("id"),
        venue=_dict(primary.get("source")).get("display_name"), doi=doi, arxiv_id=arxiv)


def _uninvert(index: object) -> str:
    """The text of an inverted index {word: [positions]}, words in position order."""
    if not index:
        return ""
    placed = sorted((int(pos), str(word)) for word, positions in _dict(index).items() for pos in positions)
    return " ".join(word for _, word in placed)


def from_s2(path: Path, line: int, rec: dict[str, Any]) -> Item:
    """A Semantic Scholar Graph API paper object."""
    paper_id = clean(rec.get("paperId"))
    external = _dict(rec.get("externalIds"))
    venue = rec.get("venue") or _dict(rec.get("journal")).get("name") or \
        _dict(rec.get("publicationVenue")).get("name")
    return make_paper(
        path, line, f"Semantic Scholar {paper_id}" if paper_id else "Semantic Scholar paper",
        paper_id=paper_id, title=rec.get("title"), abstract=rec.get("abstract"),
        authors=[_dict(a).get("name") for a in rec.get("authors") or []],
        year=year_of(rec.get("year")) or year_of(rec.get("publicationDate")),
        url=rec.get("url") or (f"https://www.semanticscholar.org/paper/{paper_id}" if paper_id else None),
        venue=venue, doi=plain_doi(external.get("DOI")), arxiv_id=external.get("ArXiv"))


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
