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
    (SkipReason.FORM, re.compile(r"(?i)^docs\.google\.com/forms/|/(sign-?up|register|registration|login|signin)\b")),
    (SkipReason.SLIDES, re.compile(r"(?i)^docs\.google\.com/presentation/|\.(pptx?|key|odp)$|/slides?/|"
                                   r"[/_-]slides?[._-]|/lec(ture)?[_-]?\d+[^/]*\.pdf$|^speakerdeck\.com/")),
    (SkipReason.HOMEWORK, re.compile(r"(?i)/(hw|homework|assignments?|psets?|problem[-_]sets?)\d*(/|\.|$)")),
    # a notebook is code to run, not something to read and cite
    (SkipReason.MATERIAL, re.compile(r"(?i)\.ipynb$|^/notebooks?/")),
    # a relative link into the course repository's own code or data ("./code/README.md#setup", "data/")
    (SkipReason.MATERIAL, re.compile(r"(?i)^/(code|src|scripts?|data|datasets?)(/|$)")),
)
# A label is of a kind when every word of it is that kind's word or a neutral modifier ("Lecture 3 slides (pdf)",
# "HW 2 due", "Feedback form"): a title such as "A Survey on LLM-as-judge" or "Video Diffusion Models" is not.
_KINDS: tuple[tuple[SkipReason, frozenset[str]], ...] = (
    (SkipReason.PLACEHOLDER, frozenset(["todo", "tbd", "tba", "coming", "soon", "none", "na"])),
    (SkipReason.SLIDES, frozenset(["slides", "slide", "deck", "ppt", "pptx", "keynote", "notes", "note", "handout", "handouts", "whiteboard", "annotated", "scribe", "lecture", "lec"])),
    (SkipReason.RECORDING, frozenset(["video", "videos", "recording", "recordings", "recorded", "youtube", "panopto", "zoom", "livestream", "stream", "watch"])),
    (SkipReason.FORM, frozenset(["form", "forms", "survey", "signup", "sign", "up", "poll", "rsvp", "feedback", "registration", "register"])),
    (SkipReason.HOMEWORK, frozenset(["homework", "hw", "assignment", "assignments", "problem", "set", "sets", "pset", "psets", "quiz", "quizzes", "exam", "exams", "midterm", "final", "project", "proposal", "submission", "submit", "due", "lab", "labs", "starter", "exercise", "exercises", "worksheet", "solutions", "solution"])),
    (SkipReason.LOGISTICS, frozenset(["syllabus", "office", "hours", "piazza", "canvas", "gradescope", "ed", "forum", "calendar", "schedule", "policy", "policies", "grading", "logistics", "website", "info", "information", "announcement", "announcements", "discussion", "slack"])),
)
_NEUTRAL = frozenset(["the", "a", "an", "and", "or", "of", "for", "in", "on", "to", "my", "our", "here", "link", "links", "pdf", "html", "online", "live", "official", "course", "class", "week", "session", "day", "part", "see", "optional", "required", "full", "draft", "google", "intro", "introduction", "available", "via", "page", "posted"])


_TALK = re.compile(r"(?i)^(presented by|talk by|(previous|last|past|earlier)\b.{0,30}\b(lecture|class|session|"
                   r"recording|video|talk))\b")


def _kind(label: str) -> SkipReason | None:
    if _TALK.match(label.strip()):
        return SkipReason.RECORDING  # "Previous class lecture on Sept 9", "Presented by …": a talk's recording
    words = re.findall(r"[a-z]+", label.lower())
    if not words or len(words) > 6:
        return None
    for reason, vocabulary in _KINDS:
        if any(w in vocabulary for w in words) and all(w in vocabulary or w in _NEUTRAL for w in words):
            return reason
    return None


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
    try:
        if "//" not in raw and (raw.startswith(("./", "../")) or "." not in raw.split("/", 1)[0]):
            host, path = "", "/" + re.split(r"[?#]", raw)[0].lstrip("./")  # "slides/x.pdf": the page's own site
        else:
            parts = urlsplit(raw if "//" in raw else "//" + raw)
            host, path = (parts.hostname or "").lower(), parts.path
    except ValueError:  # "http://[" : no address urllib can split; judged by its words alone
        host, path = "", ""
    where = host + path
    for reason, rx in _HOSTS:
        if rx.search(host):
            return reason
    # a titled link elsewhere ("Artificial Intelligence: a modern approach" under someone's /slides/) is a reading;
    # under the course site's own /slides/ (a relative link) it is the course's slides
    titled = len(re.findall(r"[^\W\d_]{2,}", label)) >= 4 and "//" in raw
    for reason, rx in _PATHS:
        if rx.search(where) and (reason is SkipReason.FORM or not titled):
            return reason
    return _kind(label) if label and short_text is not False else None
