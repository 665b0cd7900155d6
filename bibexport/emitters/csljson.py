"""CSL-JSON emitter: a list of items valid against the CSL-JSON schema, ids equal to the BibTeX keys."""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from typing import Any

from bibexport import jsonfmt
from bibexport.latex import nocase_title
from bibexport.limits import valid_date
from bibexport.model import Record


def _date(parts: tuple[int, ...]) -> dict[str, Any]:
    return {"date-parts": [list(parts)]}


def record_to_csl(key: str, record: Record) -> dict[str, Any]:
    """One CSL-JSON item for ``record`` with id ``key``.  Text stays Unicode (no LaTeX)."""
    item: dict[str, Any] = {"id": key, "type": record.type}
    if record.title:
        item["title"] = record.title
    if record.authors:
        item["author"] = [p.to_csl() for p in record.authors]
    if record.editors:
        item["editor"] = [p.to_csl() for p in record.editors]
    # Dates out of range are left out (limits.valid_date): pandoc refuses a whole file for one such year.
    if issued := valid_date(record.issued):
        item["issued"] = _date(issued)
    if accessed := valid_date(record.accessed):
        item["accessed"] = _date(accessed)
    container = record.container_title or (record.site if record.type in ("post-weblog", "webpage") else "")
    if container:
        item["container-title"] = container
    if record.arxiv_id and not record.container_title:
        # How Zotero exports an arXiv preprint: publisher arXiv, number arXiv:<id>, and no genre, so that APA 7
        # gives "Title (arXiv:2310.06825). arXiv." (a genre "Preprint" printed "(Preprint arXiv:…)").
        item["publisher"] = "arXiv"
        item["number"] = f"arXiv:{record.arxiv_id}"
    elif record.publisher:
        item["publisher"] = record.publisher
    if record.event_place:
        item["event-place"] = record.event_place
    for csl_name, value in (
        ("volume", record.volume),
        ("issue", record.issue),
        ("page", record.pages),
        ("ISSN", record.issn),
        ("DOI", record.doi),
        ("URL", record.url),
        ("abstract", record.abstract),
    ):
        if value:
            item[csl_name] = value
    if record.note:
        item["note"] = record.note
    return item


def emit(entries: Sequence[tuple[str, Record]], *, keep_case: Collection[str] = ()) -> str:
    """The CSL-JSON document for ``(key, record)`` pairs, in the order given, as UTF-8 text.

    ``keep_case``: extra words whose case every title keeps (marked nocase, as the .bib braces them)."""
    if not entries:
        return "[]\n"
    # Item by item, memoised (a build writes each entry into the course's file and its session's): the
    # same text json.dumps(items, indent=2) gives, since JSON strings never hold a raw newline.
    return "[\n" + ",\n".join(_item_text(key, record, frozenset(keep_case)) for key, record in entries) + "\n]\n"


@functools.lru_cache(maxsize=32768)
def _item_text(key: str, record: Record, keep_case: frozenset[str] = frozenset()) -> str:
    # jsonfmt: the text json.dumps(..., indent=2) gives, at the next indentation level, ~3x faster.
    item = record_to_csl(key, record)
    if "title" in item:
        # The file gets CSL-JSON rich text: words whose case must survive a title-case style are marked
        # nocase (record_to_csl stays plain: the reference lists feed it to citeproc-py, which has no markup).
        item["title"] = nocase_title(record.title, keep_case)
    return "  " + jsonfmt.dumps(item).replace("\n", "\n  ")
