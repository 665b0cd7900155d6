"""Which links are no reading: slides, recordings, forms, homework, course logistics, placeholders and what
is no web address at all.  Judged from the address and the words the link is written with; pure.

The words are matched on short link texts only ("Slides", "Lecture video", "HW 2"): a paper titled
"Slides in context …" keeps its link.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bibexport.importer.model import SkipReason

_HOSTS: tuple[tuple[SkipReason, re.Pattern[str]], ...] = (
    (SkipReason.RECORDING, re.compile(
        r"(?i)(^|\.)(youtube\.com|youtu\.be|panopto\.com|panopto\.eu|vimeo\.com|bilibili\.com|"
        r"mediaspace\.|kaltura\.com|echo360\.|zoom\.us|videolectures\.net)$")),
    (SkipReason.FORM, re.compile(
        r"(?i)(^|\.)(forms\.gle|forms\.office\.com|surveymonkey\.com|qualtrics\.com|typeform\.com|"
        r"airtable\.com|doodle\.com|calendly\.com|signupgenius\.com)$")),
    (SkipReason.LOGISTICS, re.compile(
        r"(?i)(^|\.)(piazza\.com|edstem\.org|instructure\.com|gradescope\.com|campuswire\.com|slack\.com|"
        r"discord\.gg|discord\.com|canvas\.[a-z.]+|moodle\.[a-z.]+|blackboard\.com|calendar\.google\.com|"
        r"overleaf\.com|kaggle\.com)$")),
)
_PATHS: tuple[tuple[SkipReason, re.Pattern[str]], ...] = (
    (SkipReason.FORM, re.compile(r"(?i)^docs\.google\.com/forms/")),
    (SkipReason.SLIDES, re.compile(r"(?i)^docs\.google\.com/presentation/|\.(pptx?|key|odp)$|/slides?/|"
                                   r"[/_-]slides?[._-]|/lec(ture)?[_-]?\d+[^/]*\.pdf$|^speakerdeck\.com/")),
    (SkipReason.HOMEWORK, re.compile(r"(?i)/(hw|homework|assignments?|psets?|problem[-_]sets?)\d*(/|\.|$)")),
)
_WORDS: tuple[tuple[SkipReason, re.Pattern[str]], ...] = (
    (SkipReason.PLACEHOLDER, re.compile(r"(?i)^(todo|tbd|tba|coming soon|none|n/?a|-+|\?+)$")),
    (SkipReason.SLIDES, re.compile(r"(?i)\b(slides?|slide deck|deck|ppt|pptx|keynote|lecture notes|notes|"
                                   r"scribe notes?|handout|annotated|whiteboard)\b")),
    (SkipReason.RECORDING, re.compile(r"(?i)\b(video|videos|recording|recorded|youtube|panopto|zoom|"
                                      r"livestream|stream)\b")),
    (SkipReason.FORM, re.compile(r"(?i)\b(form|survey|sign[- ]?up|poll|rsvp)\b")),
    (SkipReason.HOMEWORK, re.compile(r"(?i)\b(homework|hw\s*\d*|assignments?|problem sets?|psets?\s*\d*|"
                                     r"quiz|quizzes|exam|midterm|final project|project proposal|"
                                     r"submission|submit|due|colab exercise|lab\s*\d+|starter code)\b")),
    (SkipReason.LOGISTICS, re.compile(r"(?i)\b(syllabus|office hours?|piazza|canvas|gradescope|ed forum|"
                                      r"course (website|page|info)|logistics|calendar|schedule|policy|"
                                      r"policies|grading|signup sheet)\b")),
)


def skip_reason(url: str, text: str = "", *, short_text: bool | None = None) -> SkipReason | None:
    """Why the link ``url`` (written as ``text``) is no reading, or None when it may be one.

    ``url`` is the address as written (repairs come later); ``text`` its link text.  Words in ``text`` count
    only when it is short (a label such as "Slides" or "HW 1"), or when ``short_text`` says so.
    """
    raw = url.strip()
    if raw in ("", "#") or raw.startswith("#") or re.fullmatch(r"(?i)(todo|tbd|tba|x+|\.+|-+)", raw):
        return SkipReason.PLACEHOLDER
    if re.match(r"(?i)^(mailto|javascript|data|file|tel|ftp|vbscript|about|chrome):", raw):
        return SkipReason.NOT_WEB
    label = " ".join(text.split())
    if re.search(r"(?i)^(todo|tbd|tba)\b", label):
        return SkipReason.PLACEHOLDER
    parts = urlsplit(raw if "//" in raw else "//" + raw)
    host = (parts.hostname or "").lower()
    where = host + parts.path
    for reason, rx in _HOSTS:
        if rx.search(host):
            return reason
    for reason, rx in _PATHS:
        if rx.search(where):
            return reason
    short = short_text if short_text is not None else len(label.split()) <= 4
    if label and short:
        for reason, rx in _WORDS:
            if rx.search(label):
                return reason
    return None
