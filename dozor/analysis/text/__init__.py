"""Press texts to draft reports: pure Python, no Django.

``extract_draft`` reads a Russian or English news text and proposes the fields of a report (date,
place, victims and perpetrators, counts, incident type and bias cues) with the text spans behind
each, how sure each field is, the people named with their roles, and notes on what is
uncertain. ``nominative_name`` puts a Russian name into the nominative case.
"""

from dozor.analysis.text.draft import ExtractionError, extract_draft, text_sha256
from dozor.analysis.text.language import detect_language
from dozor.analysis.text.model import Draft, Evidence, Note, Person, Victim
from dozor.analysis.text.names import nominative_name
from dozor.analysis.text.redaction import name_forms, name_like, redact_names
from dozor.analysis.text.sources import ItemFailure, read_path

__all__ = [
    "Draft",
    "Evidence",
    "ExtractionError",
    "ItemFailure",
    "Note",
    "Person",
    "Victim",
    "detect_language",
    "extract_draft",
    "name_forms",
    "name_like",
    "nominative_name",
    "read_path",
    "redact_names",
    "text_sha256",
]
