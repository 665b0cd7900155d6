"""citeproc-py behind one seam: the style loader that brings citeproc-py in line with CSL 1.0.2.

citeproc-py 0.11 departs from CSL 1.0.2 (and from citeproc-js and pandoc) in ways that show in course reading
lists.  The fixes live here and nowhere else, and none changes citeproc-py's own classes: citeproc-py builds
each element of a parsed style from a class looked up by the element's tag, so :func:`load_style` parses the
style (and its locales) with a lookup that maps each tag to a subclass of citeproc-py's class carrying our
overrides (:data:`OVERRIDES`).  A style loaded by plain ``citeproc.CitationStylesStyle`` in the same process is
untouched.  Everything the overrides remember while rendering lives on the loaded style (:class:`RenderState`),
not in this module.

Each override says which citeproc-py bug it fixes.  None is fixed upstream: citeproc-py's ``model.py`` at the
newest release (0.11.1) and at the newest commit we could read (eda5922, Aug 2026, the 0.11.0 changelog head)
is the one these overrides were written against.  The overrides call into private methods of that version, so
``pyproject.toml`` pins ``citeproc-py>=0.11,<0.12``, :data:`INTERNALS` lists every citeproc-py attribute they
rely on with its signature, and tests/test_citeproc_compat.py fails loudly when one of them changes.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from citeproc import model, string
from citeproc.frontend import CitationStylesStyle, CitationStylesXML
from lxml import etree

__all__ = ["INTERNALS", "OVERRIDES", "SUPPORTED", "RenderState", "changed_internals", "load_style", "sort_keys_from"]

#: The citeproc-py versions the overrides are written for (pyproject.toml pins the same range).
SUPPORTED = ">=0.11,<0.12"

#: The citeproc-py attributes the overrides call or replace, with their signatures in citeproc-py 0.11.
INTERNALS: dict[str, str] = {
    "citeproc.string.String.capitalize_first": "(self)",
    "citeproc.string.MixedString.capitalize_first": "(self)",
    "citeproc.model.TextCased.case": "(self, text, language=None)",
    "citeproc.model.TextCased._stop_words": "list",
    "citeproc.model.Name.initialize": "(self, given, mark, context)",
    "citeproc.model.Key.sort_keys": "(self, items, context)",
    "citeproc.model.Group.process": "(self, item, context=None, **kwargs)",
    "citeproc.model.Text._variable": "(self, item, context)",
    "citeproc.model.Text.generated_variables": "tuple",
    "citeproc.model.Names.process": "(self, item, names_context=None, context=None, **kwargs)",
    "citeproc.model.Substitute.render": "(self, item, context=None, **kwargs)",
    "citeproc.model.Substitute.add_to_repressed_list": "(self, child, context)",
    "citeproc.model.CitationStylesElement.render": "(self, *args, **kwargs)",
    "citeproc.model.CitationStylesElement.get_macro": "(self, name)",
    "citeproc.model.CitationStylesElement.get_layout": "(self)",
    "citeproc.model.FormatNumber._format_last_page": "(self, first, last)",
    "citeproc.model.Style.set_locale_list": "(self, output_locale, validate=True)",
    "citeproc.frontend.CitationStylesXML.__init__": "(self, f, validate=True)",
    "citeproc.frontend.CitationStylesStyle.__init__": "(self, style, locale=None, validate=True)",
}


def changed_internals() -> list[str]:
    """The entries of :data:`INTERNALS` that the installed citeproc-py no longer has as listed ([] if none)."""
    import importlib

    problems = []
    for dotted, expected in INTERNALS.items():
        parts = dotted.split(".")
        owner: Any = importlib.import_module(".".join(parts[:2]))
        for name in parts[2:-1]:
            owner = getattr(owner, name, None)
        value = inspect.getattr_static(owner, parts[-1], None) if owner is not None else None
        if value is None:
            problems.append(f"{dotted}: missing")
            continue
        found = type(value).__name__ if expected in ("list", "tuple") else str(inspect.signature(value))
        if found != expected:
            problems.append(f"{dotted}: {found}, expected {expected}")
    return problems


@dataclass
class RenderState:
    """What the overrides track while one entry or list renders; one per loaded style.

    ``frames``: [variables called, variables rendered] of each ``cs:group`` being rendered; ``recording``: the
    variables each ``cs:substitute`` child rendered; ``substituting``: the ``cs:names`` whose substitute is
    rendering; ``sort_keys``: where ``cs:key`` gets sort keys from (the render cache), see
    :func:`sort_keys_from`.
    """

    frames: list[list[int]] = field(default_factory=list)
    recording: list[list[tuple[str, str]]] = field(default_factory=list)
    substituting: list[Any] = field(default_factory=list)
    sort_keys: Callable[[Any, Sequence[Any], Callable[[list[Any]], list[Any]]], list[Any]] | None = None
    macros: dict[str, Any] = field(default_factory=dict)

    def note(self, called: int, rendered: int) -> None:
        """Count variables called and rendered into the innermost open group."""
        if self.frames:
            self.frames[-1][0] += called
            self.frames[-1][1] += rendered


def _state(element: Any) -> RenderState:
    """The :class:`RenderState` of the style ``element`` belongs to (a locale's elements: the style's)."""
    root = element.get_root()
    if isinstance(root, model.Locale):
        root = root.style  # set by Style.set_locale_list; the style root holds the state
    state: RenderState = root.__dict__.setdefault("_bibexport_state", RenderState())
    return state


@contextmanager
def sort_keys_from(style: Any, provider: Callable[[Any, Sequence[Any], Callable[[list[Any]], list[Any]]], list[Any]]
                   ) -> Iterator[None]:
    """While the block runs, each ``cs:key`` of ``style`` asks ``provider(key, items, compute)`` for its sort keys
    (``compute(items)`` is citeproc-py's own computation).  citeproc-py gives sorting no way to pass one in."""
    state = _state(style.root)
    previous, state.sort_keys = state.sort_keys, provider
    try:
        yield
    finally:
        state.sort_keys = previous


# --- the overrides ------------------------------------------------------------------------------------------


_HYPHEN_PART = re.compile(r"(?<=[^\W\d_]-)([a-z]+)\b(?!-?\d)")
_HYPHEN_HEAD = re.compile(r"(?<![^\s(\[\u2018\u201c])([a-z]+)(?=-[^\W\d_])")
_LEADING_PUNCT = "([\u2018\u201c\"'"


class _SpecString(string.String):  # type: ignore[misc]
    """A citeproc-py string whose ``capitalize_first`` follows CSL (used only inside :meth:`_Case.case`).

    Bug: CSL's capitalize-first "capitalizes the first character of the first word, if the word is lowercase";
    citeproc-py capitalized any word, so APA printed "ArXiv:2310.06825".  The first character is the first
    *letter*: APA's editor label "(eds.)" is "(Eds.)" (pandoc too).  Not fixed upstream (0.11.1).
    """

    def capitalize_first(self) -> Any:
        text = str(self)
        words = text.split(None, 1)
        if words and not words[0].islower():
            return self
        lead = len(text) - len(text.lstrip(_LEADING_PUNCT))
        if lead and lead < len(text):
            return type(self)(text[:lead] + text[lead].upper() + text[lead + 1 :])
        return super().capitalize_first()


def _to_spec(text: Any) -> Any:
    if type(text) is string.String:
        return _SpecString(text)
    if isinstance(text, string.MixedString):
        return type(text)(_to_spec(part) for part in text)
    return text


def _from_spec(text: Any) -> Any:
    if isinstance(text, _SpecString):
        return string.String(text)
    if isinstance(text, string.MixedString):
        return type(text)(_from_spec(part) for part in text)
    return text


class _Case:
    """``text-case`` as CSL 1.0.2 has it (elements with ``TextCased``).

    Bugs: (1) capitalize-first changed mixed-case words (see :class:`_SpecString`); (2) title case capitalized
    whitespace-separated words only, so APA's container title came out "Thirty-seventh Conference" where CSL
    processors (pandoc, citeproc-js) and APA 6.17 capitalize each major part of a hyphenated compound
    ("Thirty-Seventh", "State-of-the-Art") and the first part of one that is not all lowercase ("Awesome-RLHF");
    (3) a ``cs:label`` got no language, so title case ("(Eds.)") never applied to it: its language is the
    locale's.  Not fixed upstream (0.11.1).
    """

    def case(self, text: Any, language: Any = None) -> Any:
        if language is None and isinstance(self, model.Label):
            language = "en" if str(self.get_root().get("default-locale", "en-US")).startswith("en") else None
        out = _from_spec(super().case(_to_spec(text), language))  # type: ignore[misc]
        if self.get("text-case") != "title" or language != "en" or not isinstance(out, str):  # type: ignore[attr-defined]
            return out
        stop = model.TextCased._stop_words
        out = _HYPHEN_PART.sub(lambda m: m.group(1) if m.group(1) in stop else m.group(1).capitalize(), out)
        return _HYPHEN_HEAD.sub(lambda m: m.group(1) if m.start() and m.group(1) in stop else m.group(1).capitalize(),
                                out)


def _name_option(name: Any, option: str, context: Any) -> str | None:
    """A ``cs:name`` option as CSL inherits it: the element's own, else ``cs:bibliography``/``cs:citation``'s,
    else the style's."""
    own = name.get(option)
    if own is not None:
        return str(own)
    node = context if context is not None else name
    for ancestor in node.iterancestors():
        if ancestor.get(option) is not None:
            return str(ancestor.get(option))
    return None


class _Initialize:
    """``initialize="false"`` keeps given names whole (``initialize-with`` then only punctuates the initials
    already there: "James T" -> "James T.").

    Bug: citeproc-py ignored the option: Chicago and MLA printed "Chen, M." where pandoc prints "Chen, Mark".
    Not fixed upstream (0.11.1)."""

    def initialize(self, given: Any, mark: Any, context: Any) -> Any:
        if _name_option(self, "initialize", context) != "false":
            return super().initialize(given, mark, context)  # type: ignore[misc]
        dot = mark.rstrip()
        return " ".join(part + dot if len(part) == 1 and part.isupper() else part for part in str(given).split())


class _SortKeys:
    """Sort keys from the render cache while a list is sorted through it (:func:`sort_keys_from`).

    Not a bug fix: citeproc-py has no hook to supply sort keys, and computing them is most of a cached list's
    cost."""

    def sort_keys(self, items: Any, context: Any) -> Any:
        provider = _state(self).sort_keys
        compute = super().sort_keys  # type: ignore[misc]
        if provider is None:
            return compute(items, context)
        return provider(self, items, lambda some: compute(some, context))


def _counted(render: Callable[..., Any], element: Any, args: tuple[Any, ...], kwargs: dict[str, Any], *,
             by_value: bool = False) -> Any:
    """``render(*args, **kwargs)``, counting one variable called (and rendered, if it was) into the open group."""
    state = _state(element)
    try:
        result = render(*args, **kwargs)
    except model.VariableError:
        state.note(1, 0)
        raise
    if by_value and not result and args:
        # CSL counts a *variable* that is not empty, not the text it printed: a year-only date shown with
        # date-parts="month-day" prints nothing but is there (Chicago's "GitHub, released").
        value = getattr(args[0], "reference", {}).get(element.get("variable"))
        state.note(1, 1 if value else 0)
    else:
        state.note(1, 1 if result else 0)
    return result


class _Group:
    """CSL group suppression, decided by the variables a group *actually* calls while rendering.

    Bug: a group is suppressed when it calls at least one variable (directly or through macros) and all of
    those are empty; citeproc-py decided "calls a variable" statically, and said yes for any nested group or
    choose, so IEEE's "Accessed: <date>. [Online]." group printed "[Online]." for papers without an access
    date, where citeproc-js and pandoc print nothing.  We count, per open group, the variables called and
    rendered (text, names, dates, numbers: :class:`_Counted`, :class:`_Text`) and pass the counts up to the
    enclosing group.  Not fixed upstream (0.11.1; its #206 only counts ``citation-number``)."""

    def process(self, item: Any, context: Any = None, **kwargs: Any) -> Any:
        state = _state(self)
        output = []
        delimiter = self.get("delimiter", "")  # type: ignore[attr-defined]  # also delimits a choose's branch
        state.frames.append([0, 0])
        try:
            for child in self.iterchildren():  # type: ignore[attr-defined]
                extra = {"delimiter": delimiter} if isinstance(child, model.Choose) else {}
                try:
                    text = child.render(item, context=context, **extra, **kwargs)
                except model.VariableError:
                    continue
                if text is not None:
                    output.append(text)
        finally:
            called, rendered = state.frames.pop()
        state.note(called, rendered)
        if output and (called == 0 or rendered > 0):
            return self.join(output)  # type: ignore[attr-defined]
        raise model.VariableError


class _Counted:
    """``cs:names`` and ``cs:number``: each rendering counts as a variable called (see :class:`_Group`)."""

    def render(self, *args: Any, **kwargs: Any) -> Any:
        return _counted(super().render, self, args, kwargs)  # type: ignore[misc]


class _CountedDate:
    """``cs:date``: counted by its variable's value, not its text (see :func:`_counted`)."""

    def render(self, *args: Any, **kwargs: Any) -> Any:
        return _counted(super().render, self, args, kwargs, by_value=True)  # type: ignore[misc]


#: The key, in a layout's ``repressed`` map, of the name variables a ``cs:substitute`` rendered.
_NAMES_DONE = "bibexport:names"


class _Text:
    """``cs:text variable=…``: counted for group suppression (:class:`_Group`; year-suffix is generated, not a
    call) and recorded for a substitute (:class:`_Substitute`)."""

    def _variable(self, item: Any, context: Any) -> Any:
        if self.get("variable") in model.Text.generated_variables:  # type: ignore[attr-defined]
            return self._recorded_variable(item, context)
        return _counted(self._recorded_variable, self, (item, context), {})

    def _recorded_variable(self, item: Any, context: Any) -> Any:
        text = super()._variable(item, context)  # type: ignore[misc]
        state = _state(self)
        if text and state.recording:
            state.recording[-1].append((_TEXT_TAG, self.get("variable")))  # type: ignore[attr-defined]
        return text


_TEXT_TAG = f"{{{model.CitationStylesElement.nsmap['cs']}}}text"


class _Names:
    """``cs:names`` under a ``cs:substitute``: see :class:`_Substitute`."""

    def process(self, item: Any, names_context: Any = None, context: Any = None, **kwargs: Any) -> Any:
        state = _state(self)
        if names_context is None and state.substituting and self.name is None and self.label is None:  # type: ignore[attr-defined]
            names_context = state.substituting[-1]
        roles = str(self.get("variable", "")).split()  # type: ignore[attr-defined]
        try:
            node: Any = context if context is not None else self
            layout = node.get_layout()
        except IndexError:  # rendered outside a layout (a sort key): nothing was substituted there
            layout = None
        done = set(getattr(layout, "repressed", {}).get(_NAMES_DONE, ()))
        keep = [r for r in roles if r not in done]
        if not keep:
            raise model.VariableError
        if keep != roles:  # render only the roles not already substituted, then put the attribute back
            self.set("variable", " ".join(keep))  # type: ignore[attr-defined]
        try:
            text = super().process(item, names_context=names_context, context=context, **kwargs)  # type: ignore[misc]
        finally:
            self.set("variable", " ".join(roles))  # type: ignore[attr-defined]
        if text and state.recording:
            state.recording[-1].extend((_NAMES_DONE, r) for r in keep if r in item.reference)
        return text


class _Substitute:
    """Variables rendered through ``cs:substitute`` are suppressed in the rest of the entry, and a ``cs:names``
    without children inside the substitute inherits the original ``cs:names``' name and label.

    Bug: citeproc-py only suppressed a substitute child that is itself ``<text variable=…>`` and never
    suppressed names: APA substitutes a missing author with a macro, so an authorless reading printed its
    title twice, and an edited book printed its editors twice ("Miller, A. B., & Khan, O. (Eds.). (2020).
    Readings in alignment (A. B. Miller & O. Khan, Eds.)").  Chicago puts ``<names variable="editor"/>`` inside
    a ``cs:choose`` of the substitute, where citeproc-py dropped the inherited ``cs:name`` ("A. B. Miller,
    O. Khan" for "Miller, Ann B., and Omar Khan, eds.").  We record which text and name variables each
    substitute child rendered and suppress those, and hand the original ``cs:names`` to every child
    ``cs:names`` below it (:class:`_Names`).  Not fixed upstream (0.11.1)."""

    def render(self, item: Any, context: Any = None, **kwargs: Any) -> Any:
        state = _state(self)
        text = None
        owner = self.xpath_search("./parent::cs:names[1]")[0]  # type: ignore[attr-defined]
        state.substituting.append(owner)
        try:
            for child in self.getchildren():  # type: ignore[attr-defined]
                state.recording.append([])
                try:
                    if isinstance(child, model.Names) and child.name is None:
                        text = child.render(item, names_context=owner, context=context, **kwargs)
                    else:
                        text = child.render(item, context=context, **kwargs)
                except model.VariableError:
                    continue
                finally:
                    rendered = state.recording.pop()
                if text:
                    self.add_to_repressed_list(child, context)  # type: ignore[attr-defined]
                    repressed = context.get_layout().repressed
                    for tag, variable in rendered:
                        repressed.setdefault(tag, []).append(variable)
                    break
        finally:
            state.substituting.pop()
        return text


class _PageRanges:
    """Page ranges whose last page has more digits than the first are printed in full.

    Bug: citeproc-py abbreviated "1-20" to "1–0" in MLA (minimal-two): it took the last ``len(first) - 2``
    digits, a negative count.  CSL abbreviates only a last page with as many digits as the first.  Not fixed
    upstream (0.11.1)."""

    def _format_last_page(self, first: str, last: str) -> str:
        if len(last) != len(first):
            return last
        return str(super()._format_last_page(first, last))  # type: ignore[misc]


class _Macros:
    """Macros looked up once per style (speed, not a bug: citeproc-py ran an XPath query for every use, half of
    APA's time)."""

    def get_macro(self, name: str) -> Any:
        macros = _state(self).macros
        if name not in macros:
            macros[name] = self.get_root().xpath_search(f"cs:macro[@name='{name}'][1]")[0]  # type: ignore[attr-defined]
        return macros[name]


class _Locales:
    """The system locales parsed with the same overrides as the style (their dates, date parts and terms render
    too); citeproc-py parses them with its own classes inside ``set_locale_list``."""

    locales: list[Any]

    def set_locale_list(self, output_locale: Any, validate: bool = True) -> None:
        super().set_locale_list(output_locale, validate=validate)  # type: ignore[misc]
        locales = []
        for locale in self.locales:
            if locale.getroottree().getroot() is not self:  # a locale file, not a cs:locale of the style
                locale = etree.parse(locale.getroottree().docinfo.URL, _parser()).getroot()
                locale.style = self
            locales.append(locale)
        self.locales = locales


#: citeproc-py's element class → the overrides its subclass gets (in this order, before citeproc-py's class).
OVERRIDES: tuple[tuple[type, type], ...] = (
    (model.TextCased, _Case),
    (model.Name, _Initialize),
    (model.Key, _SortKeys),
    (model.Group, _Group),
    (model.Names, _Names),
    (model.Names, _Counted),
    (model.Number, _Counted),
    (model.Date, _CountedDate),
    (model.Text, _Text),
    (model.Substitute, _Substitute),
    (model.FormatNumber, _PageRanges),
    (model.Style, _Locales),
    (model.CitationStylesElement, _Macros),
)


@functools.cache  # the classes are immutable and shared by every loaded style
def _classes() -> dict[str | None, type]:
    """Tag name → element class, as citeproc-py's lookup has it, each class subclassed with its overrides."""
    out: dict[str | None, type] = {None: model.CitationStylesElement}
    for cls in model.CitationStylesElement.__subclasses__():
        mixins = tuple(dict.fromkeys(m for base, m in OVERRIDES if issubclass(cls, base)))
        out[cls.__name__.replace("_", "-").lower()] = type(cls.__name__, (*mixins, cls), {}) if mixins else cls
    return out


def _parser() -> etree.XMLParser:
    """An XML parser like citeproc-py's, whose elements are the overridden classes."""
    lookup = etree.ElementNamespaceClassLookup()
    lookup.get_namespace("http://purl.org/net/xbiblio/csl").update(_classes())
    parser = etree.XMLParser(remove_comments=True, encoding="UTF-8", no_network=True)
    parser.set_element_class_lookup(lookup)
    return parser


class _OverriddenXML(CitationStylesXML):  # type: ignore[misc]
    """citeproc-py's XML loader with :func:`_parser` (comes after ``CitationStylesStyle`` in the MRO below, so
    that class's ``super().__init__`` lands here)."""

    def __init__(self, f: Any, validate: bool = True) -> None:
        del validate  # bibexport loads styles without RelaxNG validation (slow, and warns on valid styles)
        self.parser = _parser()
        self.xml = etree.parse(f, self.parser)
        self.root = self.xml.getroot()


class _Style(CitationStylesStyle, _OverriddenXML):  # type: ignore[misc]
    """A ``CitationStylesStyle`` whose elements carry the overrides."""


def load_style(path: Path) -> Any:
    """The CSL style at ``path``, parsed for rendering with the overrides (no schema validation).

    Raises what citeproc-py and lxml raise for an unreadable style (OSError, ValueError, lxml errors)."""
    return _Style(str(path), validate=False)
