"""Press texts to draft reports: pure Python, no Django.

``extract_draft`` reads a Russian or English news text and proposes the fields of a report (date,
place, victims, counts, incident type and bias cues) with the text spans behind each and notes
on what is uncertain. ``nominative_name`` puts a Russian name into the nominative case.
"""

from dozor.analysis.text.draft import ExtractionError, extract_draft, text_sha256
from dozor.analysis.text.language import detect_language
from dozor.analysis.text.model import Draft, Evidence, Note, Victim
from dozor.analysis.text.names import nominative_name

__all__ = [
    "Draft",
    "Evidence",
    "ExtractionError",
    "Note",
    "Victim",
    "detect_language",
    "extract_draft",
    "nominative_name",
    "text_sha256",
]
