"""The readers of documents: plain text, Markdown and HTML, each a parser to the document tree followed by
the one structure inference.  Each is a :data:`~bibexport.importer.model.Reader`."""

from __future__ import annotations

import importlib

from bibexport.importer.infer import infer
from bibexport.importer.model import ImportedCourse, ImportMessage
from bibexport.importer.texttree import read_text_tree


def read_text(text: str, source: str) -> ImportedCourse:
    """A plain-text reading list."""
    return infer(read_text_tree(text, source))


def read_markdown(text: str, source: str) -> ImportedCourse:
    """A Markdown reading list (CommonMark, GFM tables, front matter, definition lists, inline HTML).

    A Jekyll page may keep its whole schedule as data in the front matter (``schedule:`` a list of items) and
    only a template in its body: when the body gives no reading, the front matter is read by the YAML reader.
    """
    # markdown-it and its plugins are imported, and the parser built, only when a Markdown list is read.
    from bibexport.importer.mdtree import read_markdown_tree

    tree = read_markdown_tree(text, source)
    course = infer(tree)
    if course.readings() or not any(isinstance(v, list) and v and isinstance(v[0], dict) for v in tree.front.values()):
        return course
    try:
        data = importlib.import_module("bibexport.importer.data")
    except ImportError:  # the YAML reader is not in this build
        return course
    from_front: ImportedCourse = data.read_yaml(tree.front_text, source)
    _shift_lines(from_front, 1)  # the front matter starts on the line after the opening "---"
    from_front.title = from_front.title or course.title
    from_front.messages = course.messages + from_front.messages
    return from_front


def _shift_lines(course: ImportedCourse, by: int) -> None:
    for session in course.sessions:
        session.line += by
        for reading in session.readings:
            reading.line += by
            for link in reading.links:
                link.line += by
    for skipped in course.skipped:
        skipped.line += by
    course.messages = [ImportMessage(m.line + by, m.message) for m in course.messages]
    course.unplaced = [n + by for n in course.unplaced]


def read_html(text: str, source: str) -> ImportedCourse:
    """An HTML page (a course website)."""
    # BeautifulSoup (with soupsieve and charset_normalizer) costs ~130 ms to import: only pages that need it pay.
    from bibexport.importer.htmltree import read_html_tree

    return infer(read_html_tree(text, source))
