"""Unicode text → BibTeX-safe LaTeX: character escaping and title case protection.

Both BibTeX (8-bit, brace-counting) and biber must read what we write, so the rules are:

**Characters** (:func:`encode_text`)
  * Text is NFC-normalised; runs of white space (including newlines and no-break spaces) become one space;
    control, unassigned, surrogate, private-use and *format* characters (Unicode category Cf: U+200B, U+200E,
    U+202E, U+2060, the soft hyphen, the BOM) and U+FFFD are dropped: they are invisible or carry nothing, and
    pdflatex stops on them ("Unicode character … not set up").
  * ``\\ { } % & # _ $ ~ ^ < > |`` are escaped.  ``{`` and ``}`` become ``{\\textbraceleft}`` and
    ``{\\textbraceright}`` — *not* ``\\{`` — because BibTeX counts braces even after a backslash, so an
    unbalanced ``{`` in a title would otherwise break the whole .bib.  ``< > |`` use their ``\\text…``
    commands because OT1 fonts print other glyphs for them.
  * Non-ASCII characters that latexcodec knows become a BibTeX *special character*: the LaTeX command in
    braces, ``é`` → ``{\\'e}``, ``ł`` → ``{\\l}``, ``ß`` → ``{\\ss}``.  The braces make BibTeX sort,
    abbreviate and case-change them as letters, and keep the file ASCII for 8-bit BibTeX.
  * latexcodec's spelling is used only when every command in it exists in plain LaTeX (an allow-list: its
    table also has ``\\Alpha``, ``\\yen``, ``\\mathbb`` or text-mode ``\\neg``, which fail).  Modifier
    letters (ʻokina, ʹ) stay letters instead of becoming quotes, and ``ï`` is ``{\\"{i}}``, not
    ``{\\"\\i}`` (biber turns the latter into ı + U+0308).
  * A few symbols real lists carry that latexcodec cannot spell get a plain-LaTeX one (``∙`` → ``$\\bullet$``,
    ``★`` → ``$\\star$``, :data:`_SYMBOLS`).
  * *Letters* (and marks) with no safe spelling (CJK, rare Latin letters) stay UTF-8: biber reads them natively,
    BibTeX passes them through, and typesetting them is the document's business (CJK package, or
    XeLaTeX/LuaLaTeX).  Any *other* character with no spelling (emoji, symbols, CJK punctuation) is written in
    :data:`GUARD`: XeLaTeX and LuaLaTeX print it, pdflatex prints it when the document declared it for inputenc
    and ``?`` otherwise — it never stops pdflatex.  This beats dropping it (XeLaTeX users keep ``🦜``) and
    beats raw UTF-8 (pdflatex's default set-up stops on it).  Names and natbib's ``key`` leave such symbols out
    (natbib expands labels inside ``\\csname``; biber builds initials from a name's first character).
  * Round trip (tested with hypothesis): decoding the output gives :func:`normalize_text` of the input, as
    typeset — up to compatibility forms (``ﬁ`` is written ``fi``) and TeX's ligatures (``--`` is a dash).

**Math** (titles only): arXiv titles carry TeX math such as ``$\\mathcal{O}(n)$``.  A ``$…$`` span is kept
verbatim, wrapped in braces so no style changes its case, only when it is unambiguous, *well-formed* TeX math
built from an allow-list (:class:`_MathParser`): it contains a command, ``^`` or ``_``; its characters are ASCII
letters, digits and ``+-=()[]<>,.;:!?'|/*{}^_`` only (no active ``~`` or non-ASCII byte, no ``# % & @``); its
commands are plain-LaTeX math commands, each with its arguments; braces balance for BibTeX (which counts
``\\{`` too) and for TeX; ``^``/``_`` have an argument and occur once per nucleus; ``\\left``/``\\right`` pair up.
No ``^^`` is ever kept (TeX's ``^^5c`` is a backslash), so no spelling of ``\\input``, ``\\csname`` or
``\\catcode`` gets through.  Any other ``$`` is a dollar sign, and the span's text is escaped like any text.

**Case protection** (:func:`protect_title`).  Sentence-case styles (BibTeX's ``change.case$``, biblatex's
``\\MakeSentenceCase``) lower-case every unbraced letter after the first (BibTeX also keeps the first letter
after ``": "``).  We brace a word — or a part of a hyphenated/slashed word — when its case carries meaning:

  1. it has an upper-case letter after its first character (``GPT``, ``LLaMA``, ``OLMo``, ``8x7B``,
     ``AI``), or mixes letters and digits with a capital (``T5``), or is the pronoun ``I``;
  2. it is capitalised and directly followed by a token starting with a digit — model names with a size or
     version (``{Mistral} {7B}``, ``{Llama} 2``, ``{Phi}-2``);
  3. the title is in *sentence case* (most significant words are lower case) and the word is capitalised
     although it does not start the title or a sentence/subtitle: then the capital marks a proper noun
     (``… with {Python}``).  In a Title-Case title a capital says little, so nothing more is braced —
     except the words a caller lists in ``keep_case`` (a course's own proper nouns: "Claude", "Pile"), and:
  4. (BibTeX only) the *name* of the work in a Title-Case title: the words before the first ``": "`` (or the
     whole title when it has no colon), when there are at most four of them and the first is not a verb
     form in *-ing*.  arXiv and publishers write names in Title Case and descriptions after the colon:
     "The Pile: An 800GB Dataset of …", "The Flan Collection: Designing …", "Direct Preference
     Optimization: Your Language Model …", "Mixtral of Experts", "LMSys Chatbot Arena Leaderboard".  The
     name's capitals are the authors' (``The {Pile}``, ``The {Flan} {Collection}``); the description's are
     only Title Case, which a sentence-case style may lower.  A head that describes rather than names
     ("Evaluating Large Language Models: A Survey", "Aligning …", "Leveraging …") starts with an -ing verb;
     a long one ("Holistic Evaluation of Text-To-Image Models") is a description too.  So plainnat prints
     "The Pile: An 800GB dataset of diverse text …" as the authors name their dataset, without bracing
     every word.  CSL-JSON titles are left as they were: CSL styles do not lower-case titles.

This mirrors Better BibTeX (brace what a case change would damage, and trust sentence-case capitals) while
staying safe for arXiv's Title-Case titles, which Better BibTeX would over-protect.
"""

from __future__ import annotations

import codecs
import functools
import re
import unicodedata
from collections.abc import Callable, Collection

import latexcodec  # noqa: F401  (registers the "latex" codec)

#: ASCII characters that must be escaped in BibTeX field text; braces are balanced on purpose (see above).
ASCII_ESCAPES = {
    "\\": "{\\textbackslash}",
    "{": "{\\textbraceleft}",
    "}": "{\\textbraceright}",
    "%": "\\%",
    "&": "\\&",
    "#": "\\#",
    "_": "\\_",
    "$": "\\$",
    "~": "{\\textasciitilde}",
    "^": "{\\textasciicircum}",
    "<": "{\\textless}",
    ">": "{\\textgreater}",
    "|": "{\\textbar}",
}


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_SPACE = re.compile(r"\s+")
_DOTLESS = re.compile(r"\\([ij])(?![A-Za-z])")
_COMMAND = re.compile(r"\\([A-Za-z]+|[^A-Za-z])")
#: Commands of latexcodec's table that plain LaTeX (text mode) defines: accents, letters, a few symbols.
_SAFE_TEXT = _words(
    r"""` ' ^ ~ " = . u v H c d b k r t - AA aa AE ae O o OE oe L l ss i j DH dh TH th DJ dj NG ng
    pounds S P copyright textregistered dag ddag ldots guillemotleft guillemotright"""
)
#: Math commands plain LaTeX defines (latexcodec also emits \\Alpha, \\mathbb, \\yen…, which are undefined).
_SAFE_MATH = _words(
    r"""alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho sigma tau
    upsilon phi chi psi omega varphi Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega pm
    cdot times div bullet ell leftarrow rightarrow Leftarrow Rightarrow forall partial exists
    emptyset nabla in notin ni prod coprod sum surd infty wedge vee cap cup int sim approx neq leq
    geq subset supset not subseteq supseteq ast circ"""
)
_MATH = re.compile(r"\$[^$\s](?:[^$]*[^$\s])?\$")
_MATH_SIGNAL = re.compile(r"\\[A-Za-z]|[\^_]")
_SENTENCE_END = (":", ".", "?", "!")

#: Function words ignored when deciding whether a title is in sentence case or Title Case.
_STOPWORDS = _words(
    r"""a an the and or but nor of for in on at to by from with without into onto over under via vs is
    are be was were as its it this that these those your our their can do does how why what when we
    you not"""
)


#: Unicode categories that never reach the .bib: controls, surrogates, unassigned, private use, and format
#: characters (U+200B zero width space, U+200E/U+202E direction marks, U+2060, soft hyphen, BOM): invisible,
#: and pdflatex stops on them ("Unicode character … not set up").  U+FFFD (a decoding failure) goes too.
_DROPPED = frozenset(("Cc", "Cs", "Cn", "Co", "Cf"))
#: Symbols real lists carry that latexcodec has no spelling for, spelled with plain-LaTeX math.
_SYMBOLS = {"\u2219": "$\\bullet$", "\u22c5": "$\\cdot$", "\u2605": "$\\star$", "\u22c6": "$\\star$",
            "\u2212": "$-$", "\u2010": "-", "\u2011": "-", "\u2192": "$\\rightarrow$",
            "\u2190": "$\\leftarrow$"}
#: A character with no spelling that is not a letter (a symbol, an emoji, CJK punctuation): printed by XeLaTeX
#: and LuaLaTeX (``\\Umathcode`` exists), by pdflatex when the document declared it for inputenc (the ``u8:``
#: macro exists), and else as ``?`` — never the "not set up" error that stops pdflatex.  TeX skips the branch it
#: does not take without expanding it, so the raw bytes are harmless there.
GUARD = "{{\\ifdefined\\Umathcode {0}\\else\\ifcsname u8:\\detokenize{{{0}}}\\endcsname {0}\\else ?\\fi\\fi}}"


def normalize_text(text: str) -> str:
    """The text that :func:`encode_text` actually encodes: NFC, white space collapsed, controls, format and
    private-use characters and U+FFFD dropped."""
    if not (text.isascii() and text.isprintable()):  # printable ASCII is already NFC and has no controls
        text = unicodedata.normalize("NFC", text)
        text = "".join(ch for ch in text if ch.isspace() or (unicodedata.category(ch) not in _DROPPED
                                                               and ch != "\ufffd"))
    return _SPACE.sub(" ", text).strip()


#: ASCII specials as a str.translate table: most text is ASCII, and one C call beats a call per character.
_ASCII_TABLE = str.maketrans(ASCII_ESCAPES)


@functools.lru_cache(maxsize=4096)  # pure; latexcodec is slow and names repeat the same few letters
def _encode_char(ch: str) -> str:
    if ch in ASCII_ESCAPES:
        return ASCII_ESCAPES[ch]
    if ch.isascii() or unicodedata.category(ch) == "Lm":
        return ch  # modifier letters (ʻokina, ʹ) are letters; latexcodec would turn them into quotes
    if ch in _SYMBOLS:
        return "{" + _SYMBOLS[ch] + "}"
    try:
        latex = codecs.encode(ch, "latex").decode("ascii")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return _unspelled(ch)  # no LaTeX spelling (CJK, emoji, …)
    if latex == ch or not latex or latex.endswith("{}") or "?" in latex:  # U+FFFD is "????" there
        return _unspelled(ch)  # a spacing accent on nothing ("¯" → \\={}): UTF-8 is clearer
    if latex.isalnum():  # ligatures such as "ﬁ" → "fi" need no braces
        return latex
    if latex not in ("\\i", "\\j"):
        # latexcodec writes ï as \"\i (accent on dotless i); biber decodes that to ı + U+0308, which
        # pdflatex cannot typeset.  \"{i} is the modern spelling and decodes to ï.
        latex = _DOTLESS.sub(r"{\1}", latex)
    if not _is_safe(latex):
        return _unspelled(ch)  # latexcodec's spelling needs a package or is math-only in text
    return "{" + latex.strip() + "}"


def _unspelled(ch: str) -> str:
    """A character without a plain-LaTeX spelling: letters and marks (CJK names, other scripts) stay UTF-8 —
    setting up their script is the document's business — and anything else is :data:`GUARD`-ed."""
    return ch if unicodedata.category(ch)[0] in "LM" else GUARD.format(ch)


def is_guarded(ch: str) -> bool:
    """True when ``ch`` is written through :data:`GUARD` (biber cannot take it as a name's initial)."""
    return len(ch) == 1 and _encode_char(ch) == GUARD.format(ch)


def _is_safe(latex: str) -> bool:
    """True when every command in ``latex`` exists in a plain LaTeX document (no packages)."""
    math = latex.startswith("$") and latex.endswith("$")
    allowed = _SAFE_MATH if math else _SAFE_TEXT
    body = latex[1:-1] if math else latex
    return "$" not in body and all(cmd in allowed for cmd in _COMMAND.findall(body))


def _encode_normalized(text: str) -> str:
    if text.isascii():
        return text.translate(_ASCII_TABLE)
    return "".join(_encode_char(ch) for ch in text)


#: TeX's text fonts typeset "?`" as "¿" and "!`" as "¡": other characters than those written, unlike the dash and
#: quote ligatures, which typeset what the text means.  Where the *text* has them, an empty group breaks the
#: ligature; the spelling latexcodec gives "¿" and "¡" themselves ("?`", "!`") is that ligature and stays.
_SPANISH_LIGATURE = re.compile(r"(?<=[?!])(?=`)")


def encode_text(text: str) -> str:
    """Escape Unicode ``text`` for a BibTeX field: ASCII where LaTeX has a spelling, balanced braces always."""
    normalized = normalize_text(text)
    if "`" in normalized and _SPANISH_LIGATURE.search(normalized):
        return "{}".join(_encode_normalized(part) for part in _SPANISH_LIGATURE.split(normalized))
    return _encode_normalized(normalized)


#: Commands a ``$…$`` span from a remote title may keep: plain-LaTeX math only.  Anything else (``\\input``,
#: ``\\def``, ``\\csname``, ``\\catcode``, an undefined macro) makes the span text, escaped: a title must never
#: run TeX.  The value is how many arguments the command takes (a span is math only if each one has them).
_MATH_ARITY: dict[str, int] = {cmd: 0 for cmd in _SAFE_MATH | _words(
    r"""log exp min max sup inf lim arg det dim ker Pr sin cos tan to mapsto ldots cdots dots le ge ne ll gg
    prime mid langle rangle lbrace rbrace star dagger propto equiv top bot oplus otimes varepsilon vartheta
    varrho varsigma quad qquad colon left right"""
)} | {cmd: 1 for cmd in _words(
    r"""sqrt mathcal mathrm mathbf mathit mathsf mathtt hat tilde bar vec dot widehat widetilde overline mathbin
    not"""
)} | {"frac": 2} | {sym: 0 for sym in ",;!:| {}"}
#: The only characters a kept span may hold besides commands: no active character (``~``, and under inputenc
#: every non-ASCII byte), no ``# % & " @``, nothing TeX could read as a parameter, comment or catcode trick.
_MATH_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 +-=()[]<>,.;:!?'|/*{}^_")
#: What may follow ``\\left`` and ``\\right``.
_DELIMITERS = frozenset(["(", ")", "[", "]", "|", "/", ".", "<", ">", "\\{", "\\}", "\\|", "\\langle",
                         "\\rangle", "\\lbrace", "\\rbrace"])
_MATH_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|.", re.DOTALL)
_MAX_GROUP_DEPTH = 20  # deeper nesting is no title's math; it also bounds the checker's recursion


class _MathParser:
    """Recursive-descent check that a span is well-formed TeX math built only from the allow-list: braces
    balance, every command has its arguments, ``^``/``_`` each have an argument and occur at most once per
    nucleus, ``\\left``/``\\right`` pair up with delimiters.  Anything TeX would stop on is rejected."""

    def __init__(self, body: str) -> None:
        self.tokens = _MATH_TOKEN.findall(body)
        self.pos = 0

    def _peek(self) -> str:
        while self.pos < len(self.tokens) and self.tokens[self.pos] == " ":
            self.pos += 1  # TeX skips spaces in math mode
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ""

    def _arg(self, depth: int) -> bool:
        """One argument: a group, a character, or a command without arguments."""
        tok = self._peek()
        self.pos += 1
        if tok == "{":
            return self.list("}", depth + 1)
        if tok.startswith("\\"):
            return _MATH_ARITY.get(tok[1:]) == 0 and tok not in ("\\left", "\\right", "\\{", "\\}")
        return tok != "" and tok not in "^_{}'"

    def _command(self, tok: str, depth: int) -> bool:
        name = tok[1:]
        self.pos += 1
        if name in ("left", "right"):
            return self._peek() in _DELIMITERS and self._skip()
        if name == "sqrt" and self._peek() == "[":
            self.pos += 1
            if not self.list("]", depth + 1):
                return False
        return all(self._arg(depth) for _ in range(_MATH_ARITY[name]))

    def _skip(self) -> bool:
        self.pos += 1
        return True

    def list(self, end: str, depth: int) -> bool:
        """Parse a math list up to ``end`` (``"}"``, ``"]"``, or ``""`` for the end of the span)."""
        if depth > _MAX_GROUP_DEPTH:
            return False
        sup = sub = ""  # what set the current nucleus's superscript ("^" or "'") / subscript
        lefts = 0
        while True:
            tok = self._peek()
            if tok == end:
                self.pos += 1
                return lefts == 0
            if tok == "" or tok == "}":
                return False  # end of span inside a group, or an unmatched "}"
            prev = self.tokens[self.pos - 1] if self.pos else ""
            if tok == "^":
                if sup == "^" or (sup == "'" and prev != "'"):
                    return False  # double superscript (a prime absorbs only a "^" right after it)
                self.pos += 1
                sup = "^"
                if not self._arg(depth):
                    return False
            elif tok == "_":
                if sub:
                    return False
                self.pos += 1
                sub = "_"
                if not self._arg(depth):
                    return False
            elif tok == "'":
                if sup == "^" or (sup == "'" and prev != "'"):
                    return False
                self.pos += 1
                sup = "'"
            else:
                sup = sub = ""  # a new nucleus
                if tok == "{":
                    self.pos += 1
                    if not self.list("}", depth + 1):
                        return False
                elif tok.startswith("\\"):
                    if tok[1:] not in _MATH_ARITY:
                        return False
                    lefts += tok == "\\left"
                    lefts -= tok == "\\right"
                    if lefts < 0 or not self._command(tok, depth):
                        return False
                elif tok in _MATH_CHARS:
                    self.pos += 1
                else:
                    return False


def _bibtex_balanced(text: str) -> bool:
    """BibTeX's view: it counts every brace, even ``\\{``."""
    depth = 0
    for ch in text:
        depth += 1 if ch == "{" else -1 if ch == "}" else 0
        if depth < 0:
            return False
    return depth == 0


def _is_math(span: str) -> bool:
    """True when ``span`` (``$…$``) is well-formed math of allowed commands only (see :class:`_MathParser`)."""
    body = span[1:-1]
    if not _MATH_SIGNAL.search(body) or "^^" in body or not _bibtex_balanced(body):
        return False  # "^^" is TeX's hex spelling of any character ("^^5c" is a backslash): never kept
    if any(ch not in _MATH_CHARS and ch != "\\" for ch in body):
        return False
    return _MathParser(body).list("", 0)


def split_math(text: str) -> list[tuple[str, bool]]:
    """Split normalised ``text`` into ``(piece, is_math)`` pieces; see the module docstring for the rule."""
    pieces: list[tuple[str, bool]] = []
    pos = 0
    for m in _MATH.finditer(text):
        if not _is_math(m.group()):
            continue
        if m.start() > pos:
            pieces.append((text[pos : m.start()], False))
        pieces.append((m.group(), True))
        pos = m.end()
    if pos < len(text):
        pieces.append((text[pos:], False))
    return pieces


def _keeps_case_by_itself(part: str) -> bool:
    """Rule 1: the part's own letters say its case matters."""
    if part == "I":
        return True
    if any(c.isupper() for c in part[1:]):
        return True
    return any(c.isdigit() for c in part) and any(c.isupper() for c in part)


def _is_capitalized(part: str) -> bool:
    return bool(part) and part[0].isupper()


def _names_a_version(part: str, following: str) -> bool:
    """Rule 2: "Mistral 7B", "Llama 2", "Phi-2" — but not "An 800GB dataset"."""
    return following[:1].isdigit() and part.lower() not in _STOPWORDS


_WORD_CORE = re.compile(r"^(?P<lead>\W*)(?P<core>.*?)(?P<trail>[\W]*)$", re.DOTALL)
_PART_SEP = re.compile(r"([-/\u2010\u2011\u2013\u2014])")


def _is_sentence_case(words: list[str]) -> bool:
    """True when most significant words (not first, not after a sentence end) are lower case."""
    lower = upper = 0
    for i, word in enumerate(words):
        if i == 0 or words[i - 1].endswith(_SENTENCE_END):
            continue
        core = _WORD_CORE.match(word)
        text = core.group("core") if core else word
        if not text or not text[0].isalpha() or text.lower() in _STOPWORDS or _keeps_case_by_itself(text):
            continue
        if text[0].islower():
            lower += 1
        else:
            upper += 1
    return lower > upper


def _brace(text: str) -> str:
    return "{" + text + "}"


def _protect_word(
    word: str, next_word: str, proper_noun_ok: bool, glued: bool = False, keep_case: Collection[str] = (),
    encode: Callable[[str], str] = _encode_normalized, wrap: Callable[[str], str] = _brace,
) -> str:
    """Encode one space-free word, wrapping (bracing) the parts whose case must survive."""
    m = _WORD_CORE.match(word)
    assert m is not None  # the pattern matches any string
    lead, core, trail = m.group("lead"), m.group("core"), m.group("trail")
    parts = _PART_SEP.split(core)  # [part, sep, part, sep, part...]
    out = [encode(lead)]
    for i in range(0, len(parts), 2):
        part = parts[i]
        following = parts[i + 2] if i + 2 < len(parts) else (next_word if not trail else "")
        protect = (
            part in keep_case
            or _keeps_case_by_itself(part)
            or (glued and any(c.isupper() for c in part))
            or (_is_capitalized(part) and (proper_noun_ok or _names_a_version(part, following)))
        )
        encoded = encode(part)
        out.append(wrap(encoded) if protect and part else encoded)
        if i + 1 < len(parts):
            out.append(encode(parts[i + 1]))
    out.append(encode(trail))
    return "".join(out)


def protect_title(title: str, keep_case: Collection[str] = ()) -> str:
    """Encode ``title`` for BibTeX with case protection (rules in the module docstring).

    ``keep_case`` lists words the rules cannot recognise as proper nouns in a Title-Case title ("Claude",
    "Pile"); they are braced wherever they occur as a word or part of a hyphenated word."""
    return _protect(title, keep_case, _encode_normalized, _brace, math=True, name_head=True)


def nocase_title(title: str, keep_case: Collection[str] = ()) -> str:
    """See :func:`_nocase_title` (memoised: a build marks each title for the course file and its session's)."""
    return _nocase_title(title, frozenset(keep_case))


@functools.lru_cache(maxsize=65536)
def _nocase_title(title: str, keep_case: frozenset[str]) -> str:
    """``title`` for CSL-JSON, with the words BibTeX would brace wrapped in ``<span class="nocase">`` (the
    CSL-JSON rich-text markup that citeproc-js, pandoc and Zotero honour), so "Mistral 7B" never becomes
    "Mistral 7b" in a title-case style.  A title that already has ``<``, ``>`` or ``&`` is left as it is: how
    each consumer reads markup characters in plain text differs, and the words matter more than their case."""
    if any(c in title for c in "<>&"):
        return title

    def wrap(text: str) -> str:
        return f'<span class="nocase">{text}</span>'

    marked = _protect(title, keep_case, lambda t: t, wrap, math=False)
    return marked if "<span" in marked else title  # nothing to protect: the text exactly as it came


#: Rule 4: a Title-Case title's name (before the first colon, or the whole title) has at most this many words.
_NAME_MAX_WORDS = 4
_GERUND = re.compile(r"^[A-Za-z]{2,}ing$")


def _name_words(words: list[str]) -> int:
    """Rule 4: how many leading words of a Title-Case title name the work (0: none)."""
    head = next((i + 1 for i, w in enumerate(words) if w.endswith(":")), len(words))
    if not words or head > _NAME_MAX_WORDS:
        return 0
    first = _WORD_CORE.match(words[0])
    return 0 if first is not None and _GERUND.match(first.group("core")) else head


def _protect(title: str, keep_case: Collection[str], encode: Callable[[str], str], wrap: Callable[[str], str],
             *, math: bool, name_head: bool = False) -> str:
    text = normalize_text(title)
    pieces = split_math(text) if math else [(text, False)]
    words = [w for piece, is_math in pieces if not is_math for w in piece.split(" ") if w]
    sentence_case = _is_sentence_case(words)
    named = _name_words(words) if name_head and not sentence_case else 0
    out: list[str] = []
    word_index = 0
    for k, (piece, is_math) in enumerate(pieces):
        if is_math:
            out.append("{" + piece + "}")
            continue
        tokens = piece.split(" ")
        for j, token in enumerate(tokens):
            if j:
                out.append(" ")
            if not token:
                continue
            # A word glued to a math span ("$\\mu$P") is a symbol name: keep every capital in it.
            glued = (j == 0 and k > 0) or (j == len(tokens) - 1 and k < len(pieces) - 1)
            nxt = next((t for t in tokens[j + 1 :] if t), "")
            starts_sentence = word_index == 0 or words[word_index - 1].endswith(_SENTENCE_END)
            proper = (sentence_case or word_index < named) and not starts_sentence
            out.append(_protect_word(token, nxt, proper, glued, keep_case, encode, wrap))
            word_index += 1
    return "".join(out)
