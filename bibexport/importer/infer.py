"""The one structure inference: a document tree (from any reader) → sessions, sections and readings.

Sessions come from whatever carries them: dated or numbered headings (the heading level most of them use),
``read on:`` / dated lines, schedule-table rows, definition-list terms.  A document without any becomes one
session named after its title.  Sections come from markers on headings (for what the heading covers), on
lines (for what follows, until the next heading or session), on list items (for their sub-items) and on the
item itself (``(optional)``): a marker applies to what it marks and no further.  Every link ends in a reading
or in :attr:`ImportedCourse.skipped` with its reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bibexport.importer.cite import Found, LineParse, clean_title, is_nickname, looks_like_title, parse_line
from bibexport.importer.classify import (
    _BOILERPLATE,
    _QUOTES,
    _READ_ON,
    _SEPARATOR,
    _is_author_line,
    _is_note,
    _is_prose,
)
from bibexport.importer.lines import (
    _ASIDE,
    _DUE,
    _EMAIL,
    _LOGISTICS_HEADING,
    _META_LABEL,
    _NONE,
    _RELATIVE,
    _TOOLS_HEADING,
    _author_list,
    _bare_line,
    _citation,
    _doc_title,
    _has_links,
    _is_sessiony,
    _label_kind,
    _leftover,
    _line_header,
    _name_line,
    _norm_url,
    _page_texts,
    _question,
    _same_title,
    _same_work,
    _section_heading,
    _section_of,
    _session_level,
    _starts_with_bare_link,
    _stem,
    _venue_line,
)
from bibexport.importer.links import _repair_url
from bibexport.importer.model import (
    ImportedCourse,
    ImportedLink,
    ImportedReading,
    ImportedSession,
    ImportMessage,
    Section,
    SkippedLink,
    SkipReason,
)
from bibexport.importer.skips import skip_reason
from bibexport.importer.tree import Block, DefList, Document, Heading, Inline, Item, Para, Span, Table
from bibexport.importer.when import When, day_first, find_when, is_date_only, term_year, year_for


@dataclass
class _Session:
    s: ImportedSession
    when: When | None
    implicit: bool = False  # made for content under no session heading
    marked: bool = False  # its readings were introduced as such (a "Readings" column or marker)


@dataclass
class _State:
    """Where the walk is: the session, the sections in force, the reading that still takes links."""

    session: _Session | None = None
    heading_sections: list[tuple[int, Section]] = field(default_factory=list)
    line_section: Section | None = None
    open_reading: ImportedReading | None = None  # a title line still waiting for its links
    last_reading: ImportedReading | None = None
    awaiting_name: bool = False
    last_heading: str = ""
    other: bool = False  # under a "Lecture:" / "Lab:" label: what follows is no reading


class _Walker:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.course = ImportedCourse(title=_doc_title(doc))
        self.sessions: list[_Session] = []
        self.st = _State()
        self.dropped: list[int] = []
        self.level = _session_level(doc.blocks)
        if doc.front.get("__format__") == "text" and sum(isinstance(b, Heading) for b in doc.blocks) < 2:
            self.level = None  # a plain-text list's one title line carries no sessions
        self.heading_sessions = self.level is not None
        self.header_seen = False  # a session was opened by a "read on:" / dated line
        self.label_depth = 0  # the depth of the last "Label:" line
        self.titled_next = False  # the line being placed is followed by a bare link (its title?)
        self.in_item = False
        self.tools = False  # under a heading on software or tools
        for url, line, text in doc.stray:
            self._skip(Span(text, url), line, skip_reason(url, text) or SkipReason.LOGISTICS)

    # ------------------------------------------------------------------ messages and accounting
    def warn(self, line: int, message: str) -> None:
        self.course.messages.append(ImportMessage(line, message))

    def unplaced(self, line: int, text: str, why: str) -> None:
        shown = text if len(text) <= 80 else text[:77] + "..."
        self.course.unplaced.append(line)
        self.warn(line, f'could not place "{shown}" ({why})')

    def _skip(self, span: Span, line: int, reason: SkipReason) -> None:
        self.course.skipped.append(SkippedLink(span.url or "", line, reason, span.text.strip()))

    # ------------------------------------------------------------------ sessions and sections
    def start(self, name: str, line: int, when: When | None, *, implicit: bool = False) -> _Session:
        session = _Session(ImportedSession(name, line), when, implicit)
        self.sessions.append(session)
        self.st.session = session
        self.st.line_section = None
        self.st.open_reading = self.st.last_reading = None
        self.st.awaiting_name = not name
        self.st.other = False
        return session

    def section(self, marker: Section | None = None) -> Section:
        if self.st.session is not None and (self.st.line_section is not None or self.st.heading_sections):
            self.st.session.marked = True
        if marker is not None:
            return marker
        if self.st.line_section is not None:
            return self.st.line_section
        return self.st.heading_sections[-1][1] if self.st.heading_sections else "required"

    def _ensure_session(self, line: int) -> _Session:
        if self.st.session is None:
            name = self.st.last_heading or self.course.title or _stem(self.doc.source)
            self.start(name, line, None, implicit=True)
        assert self.st.session is not None
        return self.st.session

    # ------------------------------------------------------------------ readings and links
    def add(self, found: Found, line: int, marker: Section | None) -> ImportedReading:
        session = self._ensure_session(line)
        reading = ImportedReading(
            found.title, line, self.section(marker), [], found.label, found.authors, found.year, found.venue,
            found.note,
        )
        session.s.readings.append(reading)
        for span in found.links:
            self.link(reading, span, line)
        self.st.last_reading = reading
        self.st.awaiting_name = False
        return reading

    def link(self, reading: ImportedReading, span: Span, line: int) -> None:
        raw = span.url or ""
        repaired = _repair_url("".join(raw.split()))
        if repaired is None and _RELATIVE.match(raw.strip()):
            # "/assets/notes/ch1.pdf", "papers/x.pdf": a file of the course site; kept as written (the page's
            # address, when imported from a URL, completes it)
            if not any(link.url == raw.strip() for link in reading.links):
                reading.links.append(ImportedLink(raw.strip(), line, span.text.strip()))
                self.warn(line, f'relative link "{raw.strip()}" kept as written; it needs the site\'s address')
            else:
                self._skip(span, line, SkipReason.DUPLICATE)
            return
        if repaired is None:
            self._skip(span, line, SkipReason.NOT_WEB if raw.strip() else SkipReason.PLACEHOLDER)
            if raw.strip():
                self.unplaced(line, raw, "not a usable http(s) address")
            return
        url, why = repaired
        if re.search(r"\s", raw.strip()):
            why.insert(0, "whitespace inside")
        if why:
            self.warn(line, f'repaired link "{raw}" → "{url}" ({", ".join(why)})')
        if any(link.url == url for link in reading.links):
            self._skip(span, line, SkipReason.DUPLICATE)
            self.warn(line, f'duplicate link "{url}" in "{reading.title}"; kept it once')
            return
        reading.links.append(ImportedLink(url, line, span.text.strip()))

    # ------------------------------------------------------------------ blocks
    def blocks(self, blocks: list[Block], depth: int = 0, under: ImportedReading | None = None) -> None:
        for i, block in enumerate(blocks):
            nxt = blocks[i + 1] if i + 1 < len(blocks) else None
            if isinstance(block, Heading):
                self.heading(block, nxt)
            elif isinstance(block, Item):
                self.item(block, depth, under)
            elif isinstance(block, Para):
                self.para(block, depth, under, nxt)
            elif isinstance(block, Table):
                self.table(block)
            elif isinstance(block, DefList):
                self.deflist(block, depth)

    def heading(self, h: Heading, nxt: Block | None) -> None:
        text = clean_title(h.inline.text)
        self.st.other = False
        self.tools = False
        if _LOGISTICS_HEADING.match(text) and (self.level is None or h.level <= self.level):
            self.st.session = None  # "Instructors", "Grading", "Prerequisites": course logistics, no readings
            self.st.other = True
            self.label_depth = 0
            self._heading_links(h)
            return
        if _TOOLS_HEADING.match(text) and not _is_sessiony(text) and (self.level is None or h.level > self.level):
            self.st.other = self.tools = True  # "Helpful Programming Packages": its links are tools, until the next heading
            self.label_depth = 0
            self._heading_links(h)
            return
        while self.st.heading_sections and self.st.heading_sections[-1][0] >= h.level:
            self.st.heading_sections.pop()
        section = _section_of(text) or _section_heading(text)
        links = h.inline.links
        if section and not _is_sessiony(text):
            self.st.heading_sections.append((h.level, section))
            self.st.line_section = None
            self.st.open_reading = None
            return
        if self.level is not None and h.level == self.level or (self.level is None and _is_sessiony(text)):
            when = find_when(text)
            self.start(_leftover(text, when) or text, h.line, when)
            self.st.awaiting_name = False  # a heading names its session, even "## 2024-02-06"
            for span in links:
                self._skip(span, h.line, skip_reason(span.url or "", span.text) or SkipReason.LOGISTICS)
            return
        if self.level is not None and h.level < self.level:
            if h.level == 1 and not self.sessions and not self.course.title:
                self.course.title = text
            self.st.session = None  # a group heading above the sessions: closes the current one
            self.st.last_heading = text
            self.st.line_section = None
            self._heading_links(h)
            return
        if h.level == 1 and not self.sessions and not self.course.title:
            self.course.title = text
        # A sub-heading: a reading's title when links follow it, else a topic inside the session.
        if links:
            self.line(h.inline, 0, None, allow_title=True)
        elif nxt is not None and _starts_with_bare_link(nxt) and looks_like_title(text) and not _NAMES_READINGS.search(text):
            self.st.open_reading = self.add(Found(text), h.line, None)
        elif (
            self.st.heading_sections and looks_like_title(text) and not _NAMES_READINGS.search(text)
            and (nxt is None or (isinstance(nxt, Heading) and nxt.level >= h.level))
        ):  # "## More readings" / "### Github Awesome-RLHF" / "### Next title": a reading listed without a link
            self.st.open_reading = self.add(Found(text), h.line, None)
        else:
            if self.level is None:
                self.st.last_heading = text  # names the session its content falls into, when there is none
            self.st.open_reading = None
            self.st.line_section = None

    def _heading_links(self, h: Heading) -> None:
        for span in h.inline.links:
            self._skip(span, h.line, skip_reason(span.url or "", span.text) or SkipReason.LOGISTICS)

    def item(self, item: Item, depth: int, under: ImportedReading | None) -> None:
        text = item.inline.text
        section = _section_of(text) if not item.inline.links else None
        if section and item.children:
            saved = self.st.line_section
            self.st.line_section = section
            self.st.open_reading = None
            self.blocks(item.children, depth + 1, None)
            self.st.line_section = saved
            return
        if (
            item.children and not item.inline.links and _is_sessiony(text) and len(text) <= 100
            and any(_has_links(c) for c in item.children)
        ):  # "<li>Lecture 3: Recurrent LMs … readings …</li>": a list of lectures, each a session
            when = find_when(text)
            self.start(_leftover(text, when) if when else clean_title(text), item.line, when)
            self.blocks(item.children, depth + 1, None)
            return
        if item.children and not item.inline.links and len(text.split()) <= 6 and _titled_children(item.children):
            # "**Concepts**" / "Tutorials" over items that carry their own titled links: a group heading
            self.dropped.append(item.line)
            self.st.open_reading = None
            self.blocks(item.children, depth + 1, None)
            return
        self.in_item = True  # a numbered or bulleted line is an entry of its own, no continuation of the one above
        reading = self.line(item.inline, depth, under, allow_title=True, has_children=bool(item.children))
        self.in_item = False
        if item.children:
            self.blocks(item.children, depth + 1, reading)

    def para(self, para: Para, depth: int, under: ImportedReading | None, nxt: Block | None) -> None:
        lines = para.lines
        if para.citation and self._reference_block(lines):
            return
        joined = " ".join(inl.text for inl in lines)
        if len(lines) > 1 and not any(inl.links for inl in lines) and _is_prose(joined):
            self.dropped.extend(inl.line for inl in lines)
            return
        for i, inl in enumerate(lines):
            following = lines[i + 1] if i + 1 < len(lines) else None
            titled = (following is not None and _bare_line(following)) or (
                following is None and nxt is not None and _starts_with_bare_link(nxt)
            )
            allow = self.doc_is_text or titled or depth > 0 or self.st.line_section is not None or bool(
                self.st.heading_sections)
            self.titled_next = bool(titled)
            self.line(inl, depth, under, allow_title=allow)
            self.titled_next = False

    @property
    def doc_is_text(self) -> bool:
        return self.doc.front.get("__format__") == "text"

    # ------------------------------------------------------------------ one line
    def line(
        self,
        inl: Inline,
        depth: int,
        under: ImportedReading | None,
        *,
        allow_title: bool,
        has_children: bool = False,
    ) -> ImportedReading | None:
        text = inl.text
        if not re.search(r"\w", text) and not inl.links:
            return None
        kind = _label_kind(text)
        if inl.line in self.doc.label_lines and not inl.links and kind is None:
            kind = "other"  # "{: .label} Remote Communication": a lecture's badge; its links are its material
        elif kind is None and not inl.links and _section_of(text):
            kind = "neutral"  # "*Required Reading*" ends a "Lecture:" block
        if self.st.other and depth < self.label_depth:
            self.st.other = False
        only_itself = False
        if kind == "other" and self.in_item and not has_children and (inl.links or re.search(r":\s*\S", text)):
            only_itself = True  # "- Slides: https://…": a labelled item marks itself, not the items after it
        elif kind is not None:
            self.st.other = kind == "other"
            self.label_depth = depth
            if kind == "neutral":
                kind = None
        paper = self.tools and any(_SCHOLARLY.search(s.url or "") for s in inl.links)  # a paper among tools
        if (self.st.other and not paper) or only_itself:
            label = inl.outside if len(inl.outside.split()) <= 4 else ""
            for span in inl.links:  # "Lecture:", "Lab:", "Assignment:" and their lists: course material
                reason = skip_reason(span.url or "", span.text or label)
                self._skip(span, inl.line, reason or SkipReason.MATERIAL)
            if not inl.links:
                self.dropped.append(inl.line)
            return None
        if not inl.links:
            return self._text_line(inl, depth, under, allow_title=allow_title, has_children=has_children)
        header = None if self.heading_sessions else _line_header(inl.outside, links=True)
        if header is not None and not any(looks_like_title(s.text) for s in inl.links):
            name, when = header
            self.start(name, inl.line, when)
            for span in inl.links:
                self._skip(span, inl.line, skip_reason(span.url or "", span.text) or SkipReason.LOGISTICS)
            return None
        parsed = parse_line(inl)
        for span, reason in parsed.skipped:
            self._skip(span, inl.line, reason)
        if parsed.readings:
            return self._readings(parsed, inl, depth, under)
        if parsed.loose:
            return self._loose(parsed, inl, under)
        if not parsed.skipped:
            self.unplaced(inl.line, text, "no reading found in it")
        return None

    def _readings(self, parsed: LineParse, inl: Inline, depth: int, under: ImportedReading | None
                  ) -> ImportedReading | None:
        first: ImportedReading | None = None
        for found in parsed.readings:
            target = self.st.open_reading
            if (
                target is not None
                and not found.by_link
                and found.guessed
                and bool(found.label)
                and target.line < inl.line
                and not target.links
            ):  # "Title" then "- [GPT-2](…)": the nickname link is the waiting title's
                for span in found.links:
                    self.link(target, span, inl.line)
                target.label = target.label or found.title
                first = first or target
                continue
            reading = self.add(found, inl.line, found.section)
            first = first or reading
        self.st.open_reading = None
        return first

    def _loose(self, parsed: LineParse, inl: Inline, under: ImportedReading | None) -> ImportedReading | None:
        """Links without a title on their line: the links of the title waiting above, the pdf/code of the
        reading above, or readings of their own, titled by their address."""
        target = self.st.open_reading or under
        bare = [s for s in parsed.loose if not s.text.strip()]
        labelled = [s for s in parsed.loose if s.text.strip()]
        if target is None and self.st.last_reading is not None and self.st.last_reading.links:
            last = self.st.last_reading
            if labelled and not bare:
                target = last  # "[code](…)" on the line under a reading
            elif bare and all(_same_work(s.url or "", last) for s in bare):
                target = last
        if target is not None:
            for span in parsed.loose:
                self.link(target, span, inl.line)
            return target
        made: ImportedReading | None = None
        for span in parsed.loose:
            if _repair_url("".join((span.url or "").split())) is None:
                self._skip(span, inl.line, SkipReason.NOT_WEB if (span.url or "").strip() else SkipReason.PLACEHOLDER)
                self.unplaced(inl.line, span.url or "", "not a usable http(s) address")
                continue
            title = (span.url or "").strip()
            if made is not None and (span.text.strip() or _same_work(title, made)):
                self.link(made, span, inl.line)
                continue
            made = self.add(Found(title, [span], guessed=True), inl.line, parsed.marker)
            self.warn(inl.line, f'link "{title}" has no title before it; added it as a reading titled by its link')
        return made

    def _text_line(self, inl: Inline, depth: int, under: ImportedReading | None, *, allow_title: bool,
                   has_children: bool) -> ImportedReading | None:
        text = inl.text
        no = inl.line
        if _BOILERPLATE.match(text) or _NONE.match(text):
            return None
        if _SEPARATOR.match(text):  # "------ no reading below this line is expected for the midterm ------"
            self.dropped.append(no)
            return None
        section = _section_of(text)
        if section:
            self._name_from_title_above(no, section_marker=True)
            self.st.line_section = section
            self.st.open_reading = None
            return None
        header = _line_header(text, links=False)
        session = self.st.session
        if header is not None and header[1] is None and self.st.awaiting_name and session is not None and header[0]:
            session.s.name, self.st.awaiting_name = header[0], False  # "read on: - 08 Feb 2024" then "Session8"
            return None
        if (
            header is not None and header[1] is not None and session is not None and session.when is None
            and is_date_only(text) and not session.s.readings
        ):
            session.when = header[1]  # "## Week 1" or "read on:" then "Jan 30, 2024" on its own line
            return None
        if header is not None and (not self.heading_sessions or _READ_ON.match(text)):
            above = self.st.last_reading
            started = self.start(header[0], no, header[1])
            self.header_seen = True
            if not header[0] and header[1] is None:  # a bare "read on:": its name is the line above
                self.st.last_reading = above
                self._name_from_title_above(no, section_marker=False, into=started)
                self.st.last_reading = None
            return None
        if self.st.awaiting_name and self.st.session is not None and not _is_prose(text):
            self.st.session.s.name = clean_title(text)
            self.st.awaiting_name = False
            return None
        if self._citation_block_line(text):
            self.dropped.append(no)
            return None
        cited = _citation(inl) if allow_title or has_children else None
        if cited is not None:  # "Title. Authors. Venue 2023." has sentences but is no abstract
            reading = self.add(cited, no, parse_line(inl).marker)
            self.st.open_reading = reading
            return reading
        if re.match(r"(?i)^by\s+\S", text) and len(text.split()) <= 10 and self.st.last_reading is not None:
            last = self.st.last_reading  # "by Onur Mutlu" under a title: its authors
            last.authors = last.authors or text[3:].strip()
            self.dropped.append(no)
            return None
        if (
            text[0] in _QUOTES or _is_prose(text) or _EMAIL.search(text) or _ASIDE.match(text) or _DUE.search(text)
            or _question(text)
        ):
            self.dropped.append(no)
            return None
        parent = under or self.st.last_reading
        if _is_author_line(text) or (depth > 0 and under is not None and _is_note(text)):
            self.dropped.append(no)
            return None
        if parent is not None and parent.links and parent.line < no and _is_note(text) and not self.doc_is_text:
            self.dropped.append(no)
            return None
        if is_date_only(text):
            self.dropped.append(no)
            return None
        if text.rstrip().endswith(":") and self.titled_next and self.doc_is_text and looks_like_title(text):
            # "ISSTA tool paper on TSTL:" over the address of the paper: its title
            reading = self.add(Found(clean_title(text.rstrip(": "))), no, None)
            self.st.open_reading = reading
            return reading
        if text.rstrip().endswith(":") and not has_children:
            self.unplaced(no, text, "a label, not a title")
            return None
        if not allow_title and not has_children:
            self.unplaced(no, text, "a paragraph, not a list item under a session")
            return None
        parsed = parse_line(inl)
        found = parsed.readings[0] if parsed.readings else None
        if found is None or not looks_like_title(found.title):
            self.unplaced(no, text, "not a title")
            return None
        if depth > 0 and under is not None and not under.links and self.st.session is not None:
            readings = self.st.session.s.readings
            if under in readings and under.line < no and self.st.open_reading is not under:
                pass
            elif under in readings:  # "- Scaling laws" with readings under it is a group heading
                readings.remove(under)
                self.warn(under.line, f'"{under.title}" has readings under it; treated it as a group heading')
        reading = self.add(found, no, parsed.marker)
        self.st.open_reading = reading
        return reading

    def _reference_block(self, lines: list[Inline]) -> bool:
        """One reference written over a block of lines: the title (wrapped over lines, "Random-" + "Effect"
        joined), "Author(s): …" or a names line, venue lines, and the address(es) last."""
        title_parts: list[str] = []
        i = 0
        while i < len(lines) and not lines[i].links:
            text = lines[i].text
            wrapped = bool(title_parts) and title_parts[-1].endswith("-")
            if i and not wrapped and (
                _name_line(text) or _author_list(text) or _META_LABEL.match(text) or _venue_line(text)
            ):
                break
            if i and title_parts[-1].endswith((".", "?", "!")):
                break
            title_parts.append(text)
            i += 1
        if not title_parts or not looks_like_title(title_parts[0]) or any(
            _READ_ON.match(t) or _section_of(t) or _line_header(t, links=False) for t in title_parts
        ):  # "read on: - 2024-02-08" / "Required Readings:" over an address are structure, not a wrapped title
            return False
        title = ""
        for part in title_parts:
            title = title[:-1] + part if title.endswith("-") else (f"{title} {part}" if title else part)
        found = Found(clean_title(title))
        for inl in lines[i:]:
            text = inl.outside.strip()
            m = re.match(r"(?i)^author\(?s?\)?:\s*(.+)$", text)
            if m and not found.authors:
                found.authors = " ".join(m.group(1).split())
            elif not found.authors and (_author_list(text) or _name_line(text)):
                found.authors = text.rstrip(" .,")
            elif not found.venue and text and not _META_LABEL.match(text) and not inl.links:
                found.venue = text.rstrip(" ,")
            found.links.extend(inl.links)
        rest = " ".join(x.outside for x in lines[i:] if not _META_LABEL.match(x.text) or "(" in x.text)
        year = re.search(r"\b(19[5-9]\d|20[0-4]\d)\b", rest)
        found.year = int(year.group(1)) if year else None
        reading = self.add(found, lines[0].line, None)
        self.dropped.extend(inl.line for inl in lines[1:] if not inl.links)
        self.st.open_reading = None
        self.st.last_reading = reading
        return True

    def _citation_block_line(self, text: str) -> bool:
        """A line of a citation written over several lines under its title ("Li B, Dewey CN",
        "BMC Bioinformatics. 2011 Aug 4;12:323.", "Volume 96, Issue 456"): kept as the reading's authors or venue."""
        reading = self.st.open_reading
        if reading is None or reading.links or reading is not self.st.last_reading or self.in_item:
            return False
        if not reading.authors and _author_list(text):
            reading.authors = text.rstrip(" .")
            return True
        if reading.authors and not reading.venue and _venue_line(text):
            reading.venue = text.rstrip(" .")
            year = re.search(r"\b(19[5-9]\d|20[0-4]\d)\b", text)
            reading.year = reading.year or (int(year.group(1)) if year else None)
            return True
        if reading.venue and _venue_line(text):
            reading.note = (reading.note + "; " if reading.note else "") + text.rstrip(" .")
            return True
        return False

    def _name_from_title_above(self, no: int, *, section_marker: bool, into: _Session | None = None) -> None:
        """ "Bias" then "read on:" (or, in a list with no session headers, "Basics" then "Required Readings:"):
        the line just above, taken for a linkless reading, is the session's name."""
        last = self.st.last_reading
        before = self.sessions[-2] if into is not None and len(self.sessions) > 1 else self.st.session
        if last is None or last.links or last.line != no - 1 or before is None or last not in before.s.readings:
            return
        if section_marker and (self.header_seen or len(before.s.readings) > 1 and not before.implicit):
            return
        before.s.readings.remove(last)
        if into is not None:
            into.s.name = last.title
            self.st.awaiting_name = False
        else:
            if before.implicit and not before.s.readings:
                self.sessions.remove(before)
            self.start(last.title, last.line, None)
        self.st.last_reading = None

    # ------------------------------------------------------------------ tables and definition lists
    def table(self, t: Table) -> None:
        from bibexport.importer.tables import read_table

        read_table(self, t)

    def deflist(self, d: DefList, depth: int) -> None:
        for entry in d.entries:
            term = clean_title(entry.term.text)
            section = _section_of(term)
            when = find_when(term)
            if entry.term.line in self.doc.label_lines and not section:
                # "{: .label} Remote Communication" with its slides under it: a lecture's material
                saved_other, saved_depth = self.st.other, self.label_depth
                self.st.other, self.label_depth = True, depth
                self.line(entry.term, depth, None, allow_title=False)
                self.blocks(entry.body, depth + 1)
                self.st.other, self.label_depth = saved_other, saved_depth
                continue
            if re.match(r"^[*+-]\s", entry.term.text):  # a list item the parser took for a term
                bullet = entry.term.spans[0]
                entry.term.spans[0] = Span(re.sub(r"^[*+-]\s+", "", bullet.text), bullet.url, bullet.em)
                reading = self.line(entry.term, depth + 1, None, allow_title=True)
                self.blocks(entry.body, depth + 1, reading)
                continue
            if section:
                saved = self.st.line_section
                self.st.line_section = section
                self.blocks(entry.body, depth + 1)
                self.st.line_section = saved
                continue
            if when is not None or _is_sessiony(term) or not self.heading_sessions:
                self.start(_leftover(term, when), entry.term.line, when)
                for span in entry.term.links:
                    self._skip(span, entry.term.line, skip_reason(span.url or "", span.text)
                               or SkipReason.LOGISTICS)
                self.blocks(entry.body, depth)
            else:
                reading = self.line(entry.term, depth, None, allow_title=True)
                self.blocks(entry.body, depth + 1, reading)

    # ------------------------------------------------------------------ the end
    def finish(self) -> ImportedCourse:
        term = term_year(
            [self.course.title, *(str(v) for v in self.doc.front.values() if isinstance(v, (str, int))),
             *(s.s.name for s in self.sessions), *_page_texts(self.doc.blocks)]
        )
        explicit = any(not s.implicit for s in self.sessions)
        if not self.doc_is_text and any(r.links for s in self.sessions for r in s.s.readings):
            for session in self.sessions:  # bullet points of a "Project" or "Goals" section are no readings
                if session.s.readings and not session.marked and not any(
                    r.links or r.year for r in session.s.readings
                ):
                    for reading in session.s.readings:
                        self.dropped.append(reading.line)
                    session.s.readings = []
        whens = [s.when for s in self.sessions if s.when is not None]
        if day_first(whens, term):
            for session in self.sessions:  # "29/10" on the page: its "05/11" is 5 November, not 11 May
                session.when = session.when.day_first() if session.when is not None else None
        elif any(w.numeric == "m!d" for w in whens):
            for session in self.sessions:  # "9/27/2024" on the page: its "06/02/2024" is 2 June
                session.when = session.when.month_first() if session.when is not None and session.when.ambiguous else (
                    session.when)
        years = [s.when.year for s in self.sessions if s.when is not None and s.when.year is not None]
        last_year = None
        for session in self.sessions:
            if session.implicit and explicit and session.s.name in (self.course.title, _stem(self.doc.source)):
                self._outside(session)
                continue
            _ = years
            if session.when is not None:
                last_year = self._date(session, term, last_year)
            if not session.s.name:
                session.s.name = (f"Session {session.when.text}" if session.when else f"Session {len(self.course.sessions) + 1}")
            self._merge_duplicates(session.s)
            if not session.s.readings:
                self.warn(session.s.line, f'session "{session.s.name}" has no readings; left it out')
                continue
            self.course.sessions.append(session.s)
        if self.dropped:
            shown = ", ".join(map(str, self.dropped[:15])) + (", …" if len(self.dropped) > 15 else "")
            self.warn(self.dropped[0], f"left out {len(self.dropped)} line(s) of abstracts, quotes, author lists "
                                       f"or notes (lines {shown})")
        self.course.messages.sort(key=lambda m: m.line)
        return self.course

    def _outside(self, session: _Session) -> None:
        for reading in session.s.readings:
            for link in reading.links:
                self.course.skipped.append(SkippedLink(link.url, link.line, SkipReason.OUTSIDE, link.text))
            self.unplaced(reading.line, reading.title, "before the first session")

    def _date(self, session: _Session, term: tuple[int, str] | None, last_year: int | None) -> int | None:
        when = session.when
        assert when is not None
        if when.year is not None:
            value = when.value()
            if value is None:
                session.s.when = when.text
                why = "reads either way round" if when.ambiguous else "is no date"
                self.warn(session.s.line, f'session "{session.s.name}": the date "{when.text}" {why}; kept as written')
            session.s.date = value
            return when.year
        year = year_for(when.month, term) if term else last_year
        value = when.value(year)
        if value is None:
            session.s.when = when.text
            self.warn(session.s.line, f'session "{session.s.name}": no year for "{when.text}"; kept as written')
            return last_year
        session.s.date = value
        return year

    def _merge_duplicates(self, session: ImportedSession) -> None:
        by_key: dict[str, ImportedReading] = {}
        kept: list[ImportedReading] = []
        for reading in session.readings:
            keys = [_norm_url(link.url) for link in reading.links] or [reading.title.casefold()]
            earlier = next((by_key[k] for k in keys if k in by_key), None)
            if earlier is not None and not _same_title(earlier.title, reading.title):
                earlier = None  # one address, two parts of it ("Sections 1-6", "Sections 7-10"): both kept
            if earlier is None or earlier is reading:
                for k in keys:
                    by_key.setdefault(k, reading)
                kept.append(reading)
                continue
            self.warn(reading.line, f'"{reading.title}" is listed twice in "{session.name}" (also on line '
                                    f"{earlier.line}); kept it once")
            known = {_norm_url(link.url) for link in earlier.links}
            for link in reading.links:
                if _norm_url(link.url) in known:
                    self.course.skipped.append(SkippedLink(link.url, link.line, SkipReason.DUPLICATE, link.text))
                else:
                    earlier.links.append(link)
        session.readings = kept


# ---------------------------------------------------------------------- pure helpers


# Where papers live: a link there is a reading even in a list of tools ("TensorFlow: A system for …" on arXiv)
_SCHOLARLY = re.compile(r"(?i)^(https?://)?([\w-]+\.)*(arxiv\.org|doi\.org|aclanthology\.org|openreview\.net|"
                        r"dl\.acm\.org|ieeexplore\.ieee\.org|proceedings\.(neurips|mlr)\.\w+|papers\.nips\.cc|"
                        r"jmlr\.org|semanticscholar\.org)(/|$)")
# A heading that names what follows as readings ("Example Readings", "Key Papers", "Reading list") is no title
_NAMES_READINGS = re.compile(r"(?i)\b(readings?|papers|references|bibliography|reading list|literature)\W*$")


def _titled_children(blocks: list[Block]) -> bool:
    """Nested items that name their readings with titled links ("[Containers vs VMs](…)"), not with labels
    ("[pdf](…)") of the item above: that item only groups them."""
    items = [b for b in blocks if isinstance(b, Item)]
    return bool(items) and all(b.inline.links for b in items) and any(
        not is_nickname(s.text) and looks_like_title(s.text) for b in items for s in b.inline.links
    )


def infer(doc: Document) -> ImportedCourse:
    """Sessions, sections and readings of a document tree (see the module docstring)."""
    walker = _Walker(doc)
    walker.blocks(doc.blocks)
    return walker.finish()


__all__ = ["infer"]
