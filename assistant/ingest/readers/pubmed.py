"""PubMed / MEDLINE XML, streamed with lxml's iterparse."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, NamedTuple

from lxml import etree

from assistant.errors import CorpusError
from assistant.ingest.readers.common import (
    Item,
    make_paper,
    plain_doi,
    year_of,
)
from assistant.text.display import clean
from assistant.types import Skipped

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
