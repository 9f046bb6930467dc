"""Draft a report from one press text: date, place, victims, counts, type and bias cues."""

from __future__ import annotations

import datetime
import hashlib

from dozor.analysis.text import model
from dozor.analysis.text.counts import CountFinding, find_counts
from dozor.analysis.text.cues import find_cues, incident_type_of
from dozor.analysis.text.dates import event_date, find_dates
from dozor.analysis.text.language import SUPPORTED, detect_language
from dozor.analysis.text.model import Draft, Evidence, Note, Person, Victim
from dozor.analysis.text.names import PersonMention, find_people, name_spans
from dozor.analysis.text.places import PlaceFinding, address_spans, find_places, region_of

TITLE_MAX_LENGTH = 300


class ExtractionError(ValueError):
    """The text cannot be drafted (empty, or in a language Dozor does not read)."""


MSG_EMPTY_TEXT = "The text is empty."
MSG_LANGUAGE = "Language “{language}” is not supported; expected one of: {expected}."


def text_sha256(text: str) -> str:
    """The SHA-256 of the text as UTF-8, after normalising line ends (a file saved on Windows is
    the same text)."""
    return hashlib.sha256(text.replace("\r\n", "\n").strip().encode("utf-8")).hexdigest()


def _title(text: str) -> str:
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first[:TITLE_MAX_LENGTH]


def extract_draft(
    text: str, *, published: datetime.date, language: str | None = None, url: str = ""
) -> Draft:
    """Read one press text and draft a report from it. Nothing here is final: a person reviews
    every field, helped by the evidence spans and notes."""
    if not text.strip():
        raise ExtractionError(MSG_EMPTY_TEXT)
    notes: list[Note] = []
    if language is None:
        language = detect_language(text)
        notes.append(Note(model.NOTE_LANGUAGE_GUESSED, {"language": language}))
    if language not in SUPPORTED:
        raise ExtractionError(MSG_LANGUAGE.format(language=language, expected=", ".join(SUPPORTED)))
    draft = Draft(
        language=language,
        published=published,
        url=url,
        sha256=text_sha256(text),
        title=_title(text),
        notes=notes,
    )
    people = find_people(text, language=language)
    _date(draft, text)
    _place(draft, text, people)
    _victims(draft, people)
    _counts(draft, text)
    _cues(draft, text)
    return draft


def _date(draft: Draft, text: str) -> None:
    findings = find_dates(text, published=draft.published, language=draft.language)
    first = event_date(findings)
    if first is None:
        draft.notes.append(Note(model.NOTE_NO_DATE, {"published": draft.published.isoformat()}))
        return
    draft.date_start, draft.date_end, draft.date_precision = (
        first.date_start,
        first.date_end,
        first.precision,
    )
    draft.evidence.append(Evidence("date", first.start, first.end, first.text))
    draft.notes.extend(first.notes)
    others = sorted({f.date_start.isoformat() for f in findings} - {first.date_start.isoformat()})
    if others:
        draft.notes.append(Note(model.NOTE_SEVERAL_DATES, {"dates": ", ".join(others)}))


def _place_rank(finding: PlaceFinding) -> int:
    """Lower is better: a locality the text places something in, a region so placed, a
    locality named otherwise, a region, an adjective last."""
    if finding.adjectival:
        return 4
    if finding.locative:
        return 0 if finding.place.kind == "locality" else 1
    return 2 if finding.place.kind == "locality" else 3


def _place(draft: Draft, text: str, people: list[PersonMention]) -> None:
    addresses = address_spans(text)
    all_found = find_places(
        text, language=draft.language, excluded=[*name_spans(people), *addresses]
    )
    origins = [f for f in all_found if f.origin]
    for origin in origins:
        if origin.origin not in draft.origins:
            draft.origins.append(origin.origin)
        draft.evidence.append(Evidence("origins", origin.start, origin.end, origin.text))
    if origins:
        draft.notes.append(
            Note(model.NOTE_ORIGIN, {"origins": "; ".join(f.origin for f in origins)})
        )
    findings = [f for f in all_found if not f.origin]
    if not findings:
        draft.notes.append(Note(model.NOTE_NO_PLACE))
        draft.confidence["region"] = ("low", "none")
        return
    chosen = min(findings, key=_place_rank)  # the first of the best rank: min keeps order
    draft.region = region_of(chosen)
    draft.evidence.append(Evidence("region", chosen.start, chosen.end, chosen.text))
    how = "adjective" if chosen.adjectival else "locative" if chosen.locative else "named"
    level = {"locative": "high", "named": "medium", "adjective": "low"}[how]
    draft.confidence["region"] = (level, how)
    if chosen.place.kind == "region":
        draft.location_precision = "region"
        draft.notes.append(Note(model.NOTE_REGION_ONLY, {"region": draft.region}))
    elif chosen.near:
        draft.location_precision = "region"
        draft.notes.append(Note(model.NOTE_NEAR_PLACE, {"place": chosen.place.name}))
    else:
        draft.locality = chosen.place.name
        draft.location_precision = "locality"
        draft.confidence["locality"] = (level, how)
        draft.evidence.append(Evidence("locality", chosen.start, chosen.end, chosen.text))
        draft.evidence.extend(
            Evidence("locality", start, end, text[start:end]) for start, end in addresses
        )
    regions = sorted({region_of(f) for f in findings} - {draft.region, chosen.place.region})
    if regions:
        draft.notes.append(Note(model.NOTE_SEVERAL_PLACES, {"regions": ", ".join(regions)}))


def _victims(draft: Draft, people: list[PersonMention]) -> None:
    for person in people:
        draft.people.append(
            Person(person.name, person.sex, person.role, person.text, person.cue, person.read_from)
        )
        if person.role == "victim":
            draft.victims.append(Victim(person.name, person.sex, person.text))
            draft.evidence.append(Evidence("victims", person.start, person.end, person.text))
        elif person.role == "perpetrator":
            draft.perpetrators.append(Victim(person.name, person.sex, person.text))
            draft.evidence.append(Evidence("perpetrators", person.start, person.end, person.text))
        if person.role != "victim" and person.cue_end > person.cue_start:
            draft.evidence.append(Evidence("roles", person.cue_start, person.cue_end, person.cue))
    skipped = [f"{p.name} ({p.role})" for p in people if p.role != "victim"]
    if skipped:
        draft.notes.append(Note(model.NOTE_PEOPLE_SKIPPED, {"people": "; ".join(skipped)}))
    if not draft.victims:
        draft.notes.append(Note(model.NOTE_NO_VICTIM_NAMES))


def _count(findings: list[CountFinding], victims: int) -> tuple[int, list[CountFinding], bool]:
    """The number, the findings it rests on, and whether it was taken from the named victims."""
    stated = [f for f in findings if f.count]
    if stated:
        best = max(f.count or 0 for f in stated)
        return best, [f for f in stated if f.count == best], False
    if any(f.count == 0 for f in findings):
        return 0, [f for f in findings if f.count == 0], False
    plural = [f for f in findings if f.count is None]
    if plural:
        return max(victims, 2), plural, True
    return 0, [], False


def _counts(draft: Draft, text: str) -> None:
    findings = find_counts(text, language=draft.language)
    for what in ("killed", "injured"):
        count, used, guessed = _count([f for f in findings if f.what == what], len(draft.victims))
        setattr(draft, what, count)
        draft.evidence.extend(Evidence(what, f.start, f.end, f.text) for f in used)
        if guessed:
            draft.notes.append(
                Note(model.NOTE_COUNT_FROM_VICTIMS, {"field": what, "count": str(count)})
            )


def _cues(draft: Draft, text: str) -> None:
    matches = find_cues(text, language=draft.language)
    draft.incident_type = incident_type_of(matches)
    if draft.killed and draft.incident_type != "homicide":
        draft.incident_type = "homicide"
    if not draft.incident_type:
        draft.notes.append(Note(model.NOTE_NO_TYPE))
    for cue in matches:
        if cue.group == "incident_type" and cue.code == draft.incident_type:
            draft.evidence.append(Evidence("incident_type", cue.start, cue.end, cue.text))
        elif cue.group == "bias_motivation":
            if cue.code not in draft.bias_motivations:
                draft.bias_motivations.append(cue.code)
            draft.evidence.append(Evidence("bias_motivations", cue.start, cue.end, cue.text))
        elif cue.group == "bias_indicator":
            if cue.code not in draft.bias_indicators:
                draft.bias_indicators.append(cue.code)
            draft.evidence.append(Evidence("bias_indicators", cue.start, cue.end, cue.text))
        elif cue.group == "defender_targeted":
            draft.defender_targeted = True
            draft.evidence.append(Evidence("defender_targeted", cue.start, cue.end, cue.text))
    if not draft.bias_motivations:
        draft.notes.append(Note(model.NOTE_NO_BIAS))
