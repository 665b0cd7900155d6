"""OpenReview venue ids → proper venue names, and what a venueid says about a submission's status.

OpenReview's ``venueid`` is a group path: ``NeurIPS.cc/2023/Conference`` (accepted),
``ICLR.cc/2024/Conference/Rejected_Submission``, ``TMLR`` (accepted), ``TMLR/Under_Review``...
(API_FORMATS.md §2.5).  The registry below maps the group prefix to the name a bibliography should print;
adding a venue is adding a line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Venue:
    """A venue as a bibliography names it."""

    name: str  # proper name: booktitle (conferences) or journal title
    short: str  # "NeurIPS", used for venue_short ("NeurIPS 2023")
    type: str = "paper-conference"  # CSL type of an accepted paper
    issn: str = ""


#: venueid prefix → venue.  Longest matching prefix (by path segments) wins.
VENUES: dict[str, Venue] = {
    "NeurIPS.cc": Venue("Advances in Neural Information Processing Systems", "NeurIPS"),
    "ICLR.cc": Venue("International Conference on Learning Representations", "ICLR"),
    "ICML.cc": Venue("International Conference on Machine Learning", "ICML"),
    "TMLR": Venue("Transactions on Machine Learning Research", "TMLR", "article-journal", "2835-8856"),
    "colmweb.org/COLM": Venue("Conference on Language Modeling", "COLM"),
    "EMNLP": Venue("Conference on Empirical Methods in Natural Language Processing", "EMNLP"),
    "auai.org/UAI": Venue("Conference on Uncertainty in Artificial Intelligence", "UAI"),
    "robot-learning.org/CoRL": Venue("Conference on Robot Learning", "CoRL"),
    "MIDL.io": Venue("Medical Imaging with Deep Learning", "MIDL"),
}

#: Last venueid segment → status of a submission that was not (or not yet) accepted.
STATUS_SEGMENTS: dict[str, str] = {
    "Rejected_Submission": "rejected",
    "Rejected": "rejected",
    "Desk_Rejected_Submission": "rejected",
    "Desk_Rejected": "rejected",
    "Withdrawn_Submission": "withdrawn",
    "Withdrawn": "withdrawn",
    "Under_Review": "submitted",
    "Decision_Pending": "submitted",
    "Submission": "submitted",
    "Submitted": "submitted",
}

#: Patterns of the human-readable ``venue`` string that mean "not accepted" (case-insensitive).
STATUS_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^submitted to\b", re.IGNORECASE), "submitted"),
    (re.compile(r"\bsubmitted$", re.IGNORECASE), "submitted"),  # v1: "NeurIPS 2022 Submitted"
    (re.compile(r"\bunder review\b", re.IGNORECASE), "submitted"),
    (re.compile(r"\bdesk[ _-]?rejected\b", re.IGNORECASE), "rejected"),
    (re.compile(r"\brejected?\b", re.IGNORECASE), "rejected"),
    (re.compile(r"\bwithdrawn\b", re.IGNORECASE), "withdrawn"),
)


def lookup(venueid: str) -> Venue | None:
    """The registered venue for a venueid (longest prefix by path segments), or None."""
    parts = venueid.split("/")
    for n in range(len(parts), 0, -1):
        venue = VENUES.get("/".join(parts[:n]))
        if venue is not None:
            return venue
    return None


def venueid_year(venueid: str) -> int | None:
    """The year in a conference venueid path (``NeurIPS.cc/2023/Conference`` → 2023)."""
    for part in venueid.split("/"):
        if re.fullmatch(r"(19|20)\d\d", part):
            return int(part)
    return None


def status_of(venueid: str, venue: str) -> str:
    """"accepted", "submitted", "rejected", "withdrawn", or "" when OpenReview says nothing about it."""
    last = venueid.rstrip("/").rsplit("/", 1)[-1] if venueid else ""
    if last in STATUS_SEGMENTS:
        return STATUS_SEGMENTS[last]
    for pattern, status in STATUS_PHRASES:
        if pattern.search(venue.strip()):
            return status
    if venueid.startswith("dblp.org/journals/CORR"):
        return ""  # a DBLP import of an arXiv preprint: no peer-reviewed venue
    if venueid or venue:
        return "accepted"
    return ""
