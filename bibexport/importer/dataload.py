"""Loading YAML and JSON data files safely into a plain tree of values that knows each value's line.

YAML is composed (never constructed) with ``yaml.SafeLoader``: no object of any tag is ever built, and python
tags are refused outright.  Nesting depth, the number of aliases and the size of the tree once aliases and merge
keys are expanded are limited, so an alias bomb or a 10 000-deep list ends in an :class:`InputError` naming the
file and line instead of eating memory or the stack.  JSON is depth-checked before ``json.loads`` and then
composed through the same loader for its line numbers.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import yaml

from bibexport.errors import InputError, Problem

#: Deepest nesting accepted: real schedules nest four or five levels (course → weeks → days → readings).
MAX_DEPTH = 50
#: Most nodes walked once aliases are expanded: ample for a year of lectures, refuses "billion laughs".
MAX_NODES = 200_000
#: Most aliases in one file (each is cheap to compose but may stand for a large subtree).
MAX_ALIASES = 5_000


# --------------------------------------------------------------------------------------------------------------
# The tree: every value with the line it starts on (1-based).


@dataclass
class _Node:
    value: str | list[_Node] | dict[str, _Node]
    line: int


def _problem(source: str, line: int, message: str, hint: str = "") -> InputError:
    return InputError([Problem(source, line, message, hint)])


class _Limit(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


class _LimitedLoader(yaml.SafeLoader):
    """SafeLoader composing nodes only, with a depth and an alias limit (composition is recursive)."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        line = event.start_mark.line + 1 if event.start_mark is not None else 0
        if isinstance(event, yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _Limit(line, f"more than {MAX_ALIASES} aliases (*name)")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Limit(line, f"nested deeper than {MAX_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_PYTHON_TAG = "tag:yaml.org,2002:python/"
_MERGE = "tag:yaml.org,2002:merge"


class _Converter:
    """yaml nodes → :class:`_Node`, expanding aliases and merge keys while counting what is expanded."""

    def __init__(self) -> None:
        self.count = 0

    def convert(self, node: yaml.Node, depth: int = 0) -> _Node:
        self.count += 1
        line = node.start_mark.line + 1
        if self.count > MAX_NODES:
            raise _Limit(line, f"more than {MAX_NODES} values once aliases are expanded (an alias bomb?)")
        if depth > MAX_DEPTH:
            raise _Limit(line, f"nested deeper than {MAX_DEPTH} levels")
        if node.tag.startswith(_PYTHON_TAG) or node.tag.startswith("!!python"):
            raise _Limit(line, f"the tag {node.tag.replace('tag:yaml.org,2002:', '!!')} is not allowed "
                               "(data files hold plain values only)")
        if isinstance(node, yaml.ScalarNode):
            return _Node(str(node.value), line)
        if isinstance(node, yaml.SequenceNode):
            return _Node([self.convert(child, depth + 1) for child in node.value], line)
        assert isinstance(node, yaml.MappingNode)
        out: dict[str, _Node] = {}
        merged: dict[str, _Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE or (isinstance(key_node, yaml.ScalarNode) and key_node.value == "<<"):
                for source in value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]:
                    part = self.convert(source, depth + 1)
                    if isinstance(part.value, dict):
                        for k, v in part.value.items():
                            merged.setdefault(k, v)
                continue
            key = self.convert(key_node, depth + 1)
            out[key.value if isinstance(key.value, str) else str(key_node.value)] = self.convert(
                value_node, depth + 1
            )
        for k, v in merged.items():  # explicit keys win over merged ones, as YAML's merge key says
            out.setdefault(k, v)
        return _Node(out, line)


def _compose(text: str, source: str) -> _Node | None:
    try:
        loader = _LimitedLoader(text)  # the reader checks every character here already
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise _problem(source, line, f"not a text file: character #x{exc.character:04x} at column "
                       f"{exc.position - text.rfind(chr(10), 0, exc.position)}") from None
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        return _Converter().convert(root)
    except _Limit as exc:
        raise _problem(source, exc.line, f"refused: {exc.message}", "is this really a reading list?") from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise _problem(source, line, f"not a text file: character #x{exc.character:04x}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        what = exc.problem or str(exc)
        if exc.context and exc.problem:
            what = f"{exc.problem} ({exc.context})"
        hint = ("a page with front matter? import it as Markdown (--format markdown)"
                if "another document" in what else "")
        raise _problem(source, line, f"invalid YAML: {what}", hint) from None
    except yaml.YAMLError as exc:
        raise _problem(source, 0, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise _problem(source, 0, f"refused: nested deeper than {MAX_DEPTH} levels") from None
    finally:
        loader.dispose()


#: A tab after other characters on a line ("date:<TAB>2/15", "1/16<TAB>"): Jekyll reads it as a space, PyYAML
#: refuses it.  Tabs that indent a line stay (they are invalid YAML everywhere).
_INNER_TAB = re.compile(r"(?<=\S)([ ]*)\t")


def _load_yaml(text: str, source: str, notes: list[tuple[int, str]] | None = None) -> _Node | None:
    """The tree of a YAML text; tabs used as spaces inside lines are read as spaces (with a note)."""
    try:
        return _compose(text, source)
    except InputError as exc:
        if "\\t" not in str(exc) and "\t" not in str(exc):
            raise
        relaxed = _INNER_TAB.sub(lambda m: m.group(1) + " ", text)
        if relaxed == text:
            raise
        try:
            node = _compose(relaxed, source)
        except InputError:
            raise exc from None
        if notes is not None:
            first = next(i for i, line in enumerate(text.splitlines(), 1) if _INNER_TAB.search(line))
            notes.append((first, "tabs inside lines were read as spaces (YAML allows only spaces there)"))
        return node


def _json_depth(text: str) -> tuple[int, int]:
    """The deepest bracket nesting outside strings, and the line where it is first reached."""
    depth = best = 0
    line = best_line = 1
    in_string = escaped = False
    for ch in text:
        if ch == "\n":
            line += 1
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > best:
                best, best_line = depth, line
        elif ch in "]}":
            depth -= 1
    return best, best_line


def _from_json(value: Any) -> _Node:
    if isinstance(value, list):
        return _Node([_from_json(v) for v in value], 0)
    if isinstance(value, dict):
        return _Node({str(k): _from_json(v) for k, v in value.items()}, 0)
    if value is None:
        return _Node("", 0)
    if isinstance(value, bool):
        return _Node("true" if value else "false", 0)
    return _Node(str(value), 0)


def _relax_json(text: str) -> str:
    """JSON as Jekyll reads it: ``//`` and ``/* */`` comments, trailing commas and tabs become spaces (outside
    strings), so every line keeps its number."""
    out: list[str] = []
    i, n = 0, len(text)
    in_string = False
    while i < n:
        ch = text[i]
        if in_string:
            out.append(ch)
            if ch == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
            out.append(ch)
        elif text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            out.append(" " * (end - i))
            i = end
            continue
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(re.sub(r"[^\n]", " ", text[i:end]))
            i = end
            continue
        elif ch == ",":
            m = re.match(r",(\s|//[^\n]*|/\*.*?\*/)*[}\]]", text[i:], re.DOTALL)
            out.append(" " if m else ",")
        else:
            out.append(" " if ch == "\t" else ch)
        i += 1
    return "".join(out)


def _load_json(text: str, source: str, notes: list[tuple[int, str]] | None = None) -> _Node | None:
    """The tree of a JSON text.  Not strictly JSON (comments, trailing commas, bare dates, as Jekyll accepts):
    read leniently with a note; unreadable: the JSON error with its line."""
    depth, line = _json_depth(text)
    if depth > MAX_DEPTH:
        raise _problem(source, line, f"refused: nested deeper than {MAX_DEPTH} levels")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        error = _problem(source, exc.lineno, f"invalid JSON: {exc.msg} (column {exc.colno})")
        try:
            node = _compose(_relax_json(text), source)  # YAML's flow style reads bare dates as strings
        except InputError:
            raise error from None
        if notes is not None:
            notes.append((exc.lineno, (f"not strict JSON ({exc.msg}); read leniently (comments, trailing commas "
                                      "and unquoted values allowed)")))
        return node
    except RecursionError:
        raise _problem(source, 0, f"refused: nested deeper than {MAX_DEPTH} levels") from None
    # JSON is (nearly) YAML: composed again through the safe loader for line numbers where it can be.
    try:
        return _compose(text.replace("\t", " "), source)
    except InputError:
        return _from_json(value)
