"""Draft a report from one press text: date, place, victims, counts, type and bias cues."""

from __future__ import annotations

import datetime
import hashlib
import re

from dozor.analysis.text import model
from dozor.analysis.text.counts import CountFinding, find_counts
from dozor.analysis.text.cues import CueMatch, find_cues, incident_type_of
from dozor.analysis.text.dates import DateFinding, event_date, find_dates
from dozor.analysis.text.language import SUPPORTED, detect_language
from dozor.analysis.text.model import Draft, Evidence, Note, Person, Victim
from dozor.analysis.text.morphology import fold
from dozor.analysis.text.names import PersonMention, find_people, name_spans
from dozor.analysis.text.places import PlaceFinding, address_spans, find_places, region_of
from dozor.vocab.geography import russian_regions

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
        draft.confidence["date"] = ("low", "none")
        return
    draft.confidence["date"] = _date_confidence(first)
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


RELATIVE_DATES = ("weekday", "night_weekday", "last_week", "weekend", "night_today", "last_night")


def _date_confidence(finding: DateFinding) -> tuple[str, str]:
    """How far the date can be trusted: a day the text writes out, with its year, is sure; a day
    reckoned back from the publication date or a year assumed less so; a month or year alone is
    all the text says, and a year alone says little."""
    if finding.kind == "year_in":
        return "low", "year only"
    if finding.precision == "month":
        return "medium", "month only"
    if finding.kind == "named_day":
        return "medium", "named day"
    if finding.kind in RELATIVE_DATES or finding.kind in ("yesterday", "today"):
        return "medium", "relative to publication"
    if any(note.code == model.NOTE_YEAR_ASSUMED for note in finding.notes):
        return "medium", "year assumed"
    return "high", "written out"


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
    origins = [f for f in all_found if f.person_origin]
    for origin in origins:
        if origin.origin not in draft.origins:
            draft.origins.append(origin.origin)
    if origins:
        # The first origin the text states is the (first) victim's: the headline or the
        # sentence that introduces the victim says it ("избили уроженца Дагестана").
        first = origins[0]
        draft.victim_origin = region_of(first)
        start = first.end - len(first.origin)  # the phrase ends with the place's name
        draft.evidence.append(Evidence("victim_origin", start, first.end, first.origin))
        draft.confidence["victim_origin"] = ("medium", "origin word")
        draft.notes.append(
            Note(model.NOTE_ORIGIN, {"origins": "; ".join(f.origin for f in origins)})
        )
    findings = [f for f in all_found if not f.origin and f.place.kind != "country"]
    if not findings:
        draft.notes.append(Note(model.NOTE_NO_PLACE))
        draft.confidence["region"] = ("low", "none")
        return
    chosen = min(findings, key=_place_rank)  # the first of the best rank: min keeps order
    # "В Москве ... в Новых Ватутинках": the capital in a headline, the settlement in the story.
    # A place inside the chosen one's region, as well placed by the text, is the more precise.
    capitals = {region.capitals["ru"] for region in russian_regions().values()}
    if chosen.place.name in capitals:
        chosen = next(
            (
                f
                for f in findings
                if _place_rank(f) == _place_rank(chosen)
                and f.place.kind == "locality"
                and f.place.region == chosen.place.region
                and f.place.name not in capitals
            ),
            chosen,
        )
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
    for field_name, role in (("victims", "victim"), ("perpetrators", "perpetrator")):
        read = {p.read_from for p in people if p.role == role}
        if not read:
            continue
        # A role read from the sentence's structure is surer than one from a word before the
        # name; a victim that nothing marks as someone else is a guess.
        level = "low" if "default" in read else "medium" if "role word" in read else "high"
        draft.confidence[field_name] = (level, ", ".join(sorted(read)))
    skipped = [f"{p.name} ({p.role})" for p in people if p.role != "victim"]
    if skipped:
        draft.notes.append(Note(model.NOTE_PEOPLE_SKIPPED, {"people": "; ".join(skipped)}))
    if not draft.victims:
        draft.notes.append(Note(model.NOTE_NO_VICTIM_NAMES))


def _count(findings: list[CountFinding], victims: int) -> tuple[int, list[CountFinding], str]:
    """The number, the findings it rests on, and how it was found: numeral, verb, victims (the
    named victims, for a plural verb without a number), none (the text says nobody), or ""."""
    stated = [f for f in findings if f.count]
    if stated:
        best = max(f.count or 0 for f in stated)
        used = [f for f in stated if f.count == best]
        return best, used, "numeral" if any(f.how == "numeral" for f in used) else "verb"
    if any(f.count == 0 for f in findings):
        return 0, [f for f in findings if f.count == 0], "none"
    plural = [f for f in findings if f.count is None]
    if plural:
        return max(victims, 2), plural, "victims"
    return 0, [], ""


COUNT_CONFIDENCE = {
    "numeral": "high",
    "none": "high",
    "verb": "medium",
    "victims": "low",
    "named victims": "medium",
}


def _same_sentence(text: str, one: CountFinding, other: CountFinding) -> bool:
    start, end = sorted((one.start, other.start))
    return not any(mark in text[start:end] for mark in (". ", "\n", "! ", "? "))


# The words that show a named victim's harm, by the beginnings of their forms: "убийство X",
# "тело X", "застрелили X" (killed); "избили X", "ударил X", "пострадавшая X", "attacked X"
# (hurt). A victim read otherwise (the object of "напали на") may have come to no harm.
KILLED_CUES = (
    "убийств",
    "убил",
    "убит",
    "убьют",
    "застрел",
    "зарезал",
    "забил",
    "тело",
    "труп",
    "погибш",
    "murder",
    "killed",
    "shot dead",
)
HURT_CUES = (
    "изби",
    "избив",
    "удари",
    "ранил",
    "ранен",
    "порезал",
    "пырнул",
    "толкнул",
    "пострадавш",
    "потерпевш",
    "напал",
    "beat",
    "stab",
    "punch",
    "kick",
    "attack",
    "assault",
    "injur",
    "wound",
)


def _victims_harmed(draft: Draft, cues: tuple[str, ...]) -> int:
    victims = {v.name for v in draft.victims}
    return sum(1 for p in draft.people if p.name in victims and fold(p.cue).startswith(cues))


def _counts(draft: Draft, text: str) -> None:
    findings = find_counts(text, language=draft.language)
    killed_found = [f for f in findings if f.what == "killed"]
    killed, used, how = _count(killed_found, len(draft.victims))
    attempt = ATTEMPT[draft.language].search(text)
    if not how and not attempt and _victims_harmed(draft, KILLED_CUES):
        # No count or verb of death, but a named victim's killing: "убийство Алишера Каримова".
        killed, used, how = _victims_harmed(draft, KILLED_CUES), [], "named victims"
    draft.killed = killed
    _count_evidence(draft, "killed", killed, used, how)
    # Those who died are not also counted as injured: a verb's "one injured" beside a death in
    # the same sentence is the same person, and of three attacked of whom one died two remain.
    injured_found = [
        f
        for f in findings
        if f.what == "injured"
        and not (
            killed
            and f.how == "verb"
            and any(_same_sentence(text, f, k) for k in killed_found if k.count)
        )
    ]
    direct = [f for f in injured_found if not f.done_to]
    injured, used, how = _count(direct, len(draft.victims))
    attacked, attacked_used, attacked_how = _count(
        [f for f in injured_found if f.done_to], len(draft.victims)
    )
    if attacked - killed > injured and attacked_how != "victims":
        injured, used, how = attacked - killed, attacked_used, attacked_how
    if not how and not killed and _victims_harmed(draft, HURT_CUES):
        # No count or verb of injury, but named victims beaten or stabbed ("избили Геннадия
        # Лаптева"): each was hurt.
        injured, used, how = _victims_harmed(draft, HURT_CUES), [], "named victims"
    draft.injured = injured
    _count_evidence(draft, "injured", injured, used, how)


def _count_evidence(
    draft: Draft, what: str, count: int, used: list[CountFinding], how: str
) -> None:
    draft.evidence.extend(Evidence(what, f.start, f.end, f.text) for f in used)
    draft.confidence[what] = (COUNT_CONFIDENCE.get(how, "medium"), how or "nothing said")
    if how == "victims":
        draft.notes.append(
            Note(model.NOTE_COUNT_FROM_VICTIMS, {"field": what, "count": str(count)})
        )


# An attempt to kill that nobody died of is an assault with the attempt marked, not a homicide.
ATTEMPT = {
    "ru": re.compile(
        r"(?:покушени\w*|покушал\w*|пытал\w*|попыт\w*)\s+(?:на\s+)?(?:\w+\s+)?"
        r"(?:убийств\w*|убить|убийство|зарезать|застрелить)",
        re.I,
    ),
    "en": re.compile(r"attempted\s+murder|attempt(?:ed)?\s+to\s+(?:kill|murder)", re.I),
}


def _attempts_read(draft: Draft, text: str, matches: list[CueMatch]) -> list[CueMatch]:
    """Mark the draft attempted where the text says so, and give back the cues without the
    homicide cues inside "покушение на убийство": they say what was attempted, not done."""
    attempts = list(ATTEMPT[draft.language].finditer(text))
    if not attempts or draft.killed:
        return matches
    inside = [(a.start(), a.end()) for a in attempts]
    draft.attempted = True
    draft.notes.append(Note(model.NOTE_ATTEMPTED, {"phrase": attempts[0].group(0)}))
    draft.evidence.extend(Evidence("attempted", a.start(), a.end(), a.group(0)) for a in attempts)
    return [
        cue
        for cue in matches
        if not (cue.code == "homicide" and any(s <= cue.start < e for s, e in inside))
    ]


def _incident_type_set(draft: Draft, matches: list[CueMatch]) -> None:
    draft.incident_type = incident_type_of(matches)
    if draft.attempted and draft.incident_type in ("", "homicide"):
        draft.incident_type = "physical_assault"
    if draft.killed and draft.incident_type != "homicide":
        draft.incident_type = "homicide"
    if not draft.incident_type:
        draft.notes.append(Note(model.NOTE_NO_TYPE))
        draft.confidence["incident_type"] = ("low", "none")
    elif draft.attempted:
        draft.confidence["incident_type"] = ("medium", "attempt")
    else:
        draft.confidence["incident_type"] = ("medium", "cue word")


def _cue_fields_set(draft: Draft, matches: list[CueMatch]) -> None:
    """The type's own cues as its evidence; motivations, indicators and the defender flag from
    theirs."""
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


def _cues(draft: Draft, text: str) -> None:
    matches = _attempts_read(draft, text, find_cues(text, language=draft.language))
    _incident_type_set(draft, matches)
    _cue_fields_set(draft, matches)
    if not draft.bias_motivations:
        draft.notes.append(Note(model.NOTE_NO_BIAS))
