"""bibexport: turn a course reading list into bibliographies (BibTeX, CSL-JSON, formatted lists)."""

__version__ = "0.1.0"
PROJECT_URL = "https://github.com/bibexport/bibexport"
