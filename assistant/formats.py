"""Readers for what researchers export: BibTeX, RIS, PubMed XML, and the JSON records of the
arXiv metadata snapshot, OpenAlex and Semantic Scholar. Plus the text helpers every reader shares.

A reader yields `Record(line, paper)` for each usable paper and `Skipped` for each bad record,
so one bad record never loses the rest of a file. `corpus.iter_corpus` picks the reader.
"""

from __future__ import annotations

import codecs
import email.utils
import functools
import hashlib
import json
import logging
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, NamedTuple

import bibtexparser
import rispy
from bibtexparser.library import Library
from bibtexparser.middlewares import NormalizeFieldKeys, SeparateCoAuthors
from bibtexparser.middlewares.names import parse_single_name_into_parts
from bibtexparser.model import DuplicateBlockKeyBlock, Entry, ParsingFailedBlock, String
from lxml import etree
from pylatexenc.latex2text import LatexNodes2Text
from pylatexenc.latexwalker import get_default_latex_context_db

from .errors import CorpusError
from .types import Paper, Skipped

# bibtexparser logs each broken entry; we report those as Skipped records instead
logging.getLogger("bibtexparser").setLevel(logging.ERROR)


class Record(NamedTuple):
    """A paper and the line its record starts on (0 where a position is not known)."""

    line: int
    paper: Paper


Item = Record | Skipped

# --- text helpers ---------------------------------------------------------------------------

_ESCAPES = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-_])")
# C0 and C1 controls but the whitespace ones (tab, newline, NEL, ...), DEL, lone surrogates
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff]")
_UNDECODED = re.compile("[\udc80-\udcff]")  # bytes kept by the surrogateescape error handler
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|2[01]\d\d)(?!\d)")
_DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:")
NOT_UTF8 = "not valid UTF-8; save the file as UTF-8"


def clean(value: object) -> str:
    """One line of plain text: escape sequences and control characters dropped, whitespace
    (tabs and newlines included) collapsed to single spaces."""
    if value is None:
        return ""
    text = _ESCAPES.sub("", str(value))
    return " ".join(_CONTROLS.sub("", text).split())


def printable(text: str) -> str:
    """Text safe for a terminal: escape sequences and control characters dropped, line breaks
    and tabs kept."""
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


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


# --- PubMed / MEDLINE XML ------------------------------------------------------------------------

def read_pubmed(path: Path, stream: IO[bytes]) -> Iterator[Item]:
    """PubmedArticle records, parsed one at a time and then cleared. The parser recovers from
    errors; a record that had one (bad bytes, a broken tag, a cut) is skipped with it."""
    context = etree.iterparse(stream, events=("end",), tag="PubmedArticle", recover=True,
                              resolve_entities=False, no_network=True, load_dtd=False)
    errors = _XmlErrors(context)
    held: _Held | None = None  # the last record, until the errors up to the next are known
    for _, elem in context:
        start = elem.sourceline or 0
        current = _Held(start, clean(elem.findtext("MedlineCitation/PMID")), _pubmed_item(path, start, elem))
        _clear(elem)
        if held is not None:
            yield _checked(path, held, errors.before(start))
        else:
            yield from (Skipped(str(path), e.line, f"XML error ({e.message})") for e in errors.before(start))
        held = current
    if held is None:
        _check_root(path, context, errors.before(None))
        return
    root = context.root.tag if context.root is not None else ""
    late = errors.before(None)
    yield _checked(path, held, [e for e in late if f"in tag {root} " not in e.message + " "])
    yield from (Skipped(str(path), e.line, f"XML error ({e.message}); the file may be cut short")
                for e in late if f"in tag {root} " in e.message + " ")


class _XmlErrors:
    """The parser's errors not yet handed out, oldest first."""

    def __init__(self, context: Any) -> None:
        self._context = context
        self._used = 0
        self._pending: list[Any] = []

    def before(self, line: int | None) -> list[Any]:
        log = self._context.error_log
        if len(log) > self._used:
            self._pending += [e for e in list(log)[self._used:] if e.level >= etree.ErrorLevels.ERROR]
            self._used = len(log)
        taken = [e for e in self._pending if line is None or e.line < line]
        self._pending = self._pending[len(taken):]
        return taken


class _Held(NamedTuple):
    line: int
    pmid: str
    item: Item


def _checked(path: Path, held: _Held, errors: list[Any]) -> Item:
    """The record, or Skipped when the parser met an error inside it."""
    if not errors:
        return held.item
    what = f"PMID {held.pmid}: " if held.pmid else ""
    return Skipped(str(path), held.line, f"{what}XML error at line {errors[0].line} ({errors[0].message})")


def _check_root(path: Path, context: Any, errors: list[Any]) -> None:
    root = context.root.tag if context.root is not None else None
    if root != "PubmedArticleSet":
        detail = f" (line {errors[0].line}: {errors[0].message})" if errors else ""
        raise CorpusError(f"{path}: no PubmedArticle record{detail}; expected PubMed XML "
                          "(efetch with db=pubmed&retmode=xml, or a baseline/update file)")


def _clear(elem: Any) -> None:
    elem.clear(keep_tail=True)
    parent = elem.getparent()
    while parent is not None and elem.getprevious() is not None:
        del parent[0]


def _pubmed_item(path: Path, line: int, elem: Any) -> Item:
    pmid = clean(elem.findtext("MedlineCitation/PMID"))
    article = elem.find("MedlineCitation/Article")
    label = f"PMID {pmid}" if pmid else "PubmedArticle"
    if article is None:
        return Skipped(str(path), line, f"{label}: no Article element")
    doi = elem.findtext("PubmedData/ArticleIdList/ArticleId[@IdType='doi']") or \
        article.findtext("ELocationID[@EIdType='doi']")
    return make_paper(
        path, line, label, paper_id=f"PMID:{pmid}" if pmid else "",
        title=_xml_text(article.find("ArticleTitle")) or _xml_text(article.find("VernacularTitle")),
        abstract=" ".join(_section(t) for t in article.iterfind("Abstract/AbstractText")),
        authors=[_author(a) for a in article.iterfind("AuthorList/Author") if a.get("ValidYN") != "N"],
        year=_pubmed_year(article), doi=plain_doi(doi),
        url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid else None,
        venue=clean(article.findtext("Journal/Title")) or clean(article.findtext("Journal/ISOAbbreviation")))


def _xml_text(elem: Any) -> str:
    """All the text of an element, inline markup (<i>, <sub>) included."""
    return clean("".join(elem.itertext())) if elem is not None else ""


def _section(elem: Any) -> str:
    text, label = _xml_text(elem), clean(elem.get("Label"))
    return f"{label}: {text}" if label and text else text


def _author(elem: Any) -> str:
    collective = _xml_text(elem.find("CollectiveName"))
    if collective:
        return collective
    first = clean(elem.findtext("ForeName")) or clean(elem.findtext("Initials"))
    return " ".join(p for p in (first, clean(elem.findtext("LastName"))) if p)


def _pubmed_year(article: Any) -> int | None:
    for where in ("Journal/JournalIssue/PubDate/Year", "Journal/JournalIssue/PubDate/MedlineDate",
                  "ArticleDate/Year"):
        year = year_of(article.findtext(where))
        if year:
            return year
    return None
