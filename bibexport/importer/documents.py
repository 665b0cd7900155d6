"""The readers of documents: plain text, Markdown and HTML, each a parser to the document tree followed by
the one structure inference.  Each is a :data:`~bibexport.importer.model.Reader`."""

from __future__ import annotations

from bibexport.importer.htmltree import read_html_tree
from bibexport.importer.infer import infer
from bibexport.importer.mdtree import read_markdown_tree
from bibexport.importer.model import ImportedCourse
from bibexport.importer.texttree import read_text_tree


def read_text(text: str, source: str) -> ImportedCourse:
    """A plain-text reading list."""
    return infer(read_text_tree(text, source))


def read_markdown(text: str, source: str) -> ImportedCourse:
    """A Markdown reading list (CommonMark, GFM tables, front matter, definition lists, inline HTML)."""
    return infer(read_markdown_tree(text, source))


def read_html(text: str, source: str) -> ImportedCourse:
    """An HTML page (a course website)."""
    return infer(read_html_tree(text, source))
