"""Rows in the structure of the civil-society submission to ODIHR's annual hate-crime report.

One row per incident: country, location, date, bias motivation(s), incident type, a description
with the bias indicators, victims, perpetrators and the authorities' response. Every cell is built
from coded fields, never from free text: titles, summaries, coders' notes, localities typed by
hand, people's names, pseudonyms and group affiliations can all hold a name, so none of them is
copied. A locality appears only when it is a place in the gazetteer, under its canonical name.
An organisation's own bias indicator is written as the standard term it rolls up to, and its
own hate-motive articles count in the authorities' response as the standard ones do.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from dozor.analysis.responses import ResponseStatus
from dozor.records.local_terms import StandardCodes, hate_articles_by_organisation
from dozor.records.models import Incident
from dozor.responses.hate import LocalHateArticles
from dozor.responses.selectors import incident_status
from dozor.responses.status_text import status_line
from dozor.vocab import geography
from dozor.vocab.gazetteer import gazetteer_rows
from dozor.vocab.registry import VocabularyError, vocabulary

# (key, header): the column order of the CSV and XLSX files; docs/odihr.md describes each.
COLUMNS = (
    ("reference", gettext_lazy("Reference")),
    ("country", gettext_lazy("Country")),
    ("location", gettext_lazy("Location")),
    ("date", gettext_lazy("Date")),
    ("bias_motivation", gettext_lazy("Bias motivation")),
    ("incident_type", gettext_lazy("Type of incident")),
    ("incident_subtype", gettext_lazy("Specific type")),
    ("description", gettext_lazy("Description")),
    ("bias_indicators", gettext_lazy("Bias indicators")),
    ("victims", gettext_lazy("Victims")),
    ("killed", gettext_lazy("Killed")),
    ("injured", gettext_lazy("Injured")),
    ("perpetrators", gettext_lazy("Perpetrators")),
    ("authorities_response", gettext_lazy("Response of the authorities")),
)
SEPARATOR = "; "


@dataclass(frozen=True)
class OdihrRow:
    reference: str
    country: str
    location: str
    date: str
    bias_motivation: str
    incident_type: str
    incident_subtype: str
    description: str
    bias_indicators: str
    victims: str
    killed: int
    injured: int
    perpetrators: str
    authorities_response: str

    def cells(self) -> list[str | int]:
        return [getattr(self, key) for key, _header in COLUMNS]


def headers(language: str) -> list[str]:
    with translation.override(language):
        return [str(header) for _key, header in COLUMNS]


def _term(name: str, code: str, language: str) -> str:
    try:
        return vocabulary(name).term(code).label(language)
    except VocabularyError:
        return code


@functools.cache
def _localities() -> dict[str, tuple[str, dict[str, str]]]:
    """Every known locality of Russia by folded spelling: (region, {language: canonical name})."""
    known: dict[str, tuple[str, dict[str, str]]] = {}
    for region in geography.russian_regions().values():
        names = {"en": region.capitals["en"], "ru": region.capitals["ru"]}
        for spelling in names.values():
            known.setdefault(_fold(spelling), (region.code, names))
    for row in gazetteer_rows():
        if row["kind"] != "locality":
            continue
        names = {"en": row["name_en"], "ru": row["name_ru"]}
        spellings = [row["name_ru"], row["name_en"], *row["aliases"].split(";")]
        for spelling in spellings:
            if spelling.strip():
                known.setdefault(_fold(spelling), (row["region"], names))
    return known


def _fold(text: str) -> str:
    return " ".join(text.casefold().replace("ё", "е").split())


def known_locality(text: str, region: str, language: str) -> str:
    """The canonical name of a gazetteer locality in the given region, else an empty string.

    What a documenter typed may be a street, a building or a person's name; only a place the
    gazetteer knows is let through.
    """
    found = _localities().get(_fold(text))
    if found is None or (region and found[0] != region):
        return ""
    return found[1].get(language[:2], found[1]["en"])


def location_of(incident: Incident, language: str) -> str:
    """Region and, at locality precision or finer, a known locality; never an address."""
    if incident.location_precision == "country" or not incident.region:
        return ""
    region = geography.region_name(incident.region, language)
    if incident.location_precision == "region" or not incident.locality:
        return region
    locality = known_locality(incident.locality, incident.region, language)
    if not locality or locality == region:
        return region
    return f"{locality}, {region}"


def date_of(incident: Incident) -> str:
    start: datetime.date | None = incident.date_start
    if start is None or incident.date_precision == "unknown":
        return ""
    if incident.date_precision == "year":
        return f"{start.year:04d}"
    if incident.date_precision == "month":
        return f"{start.year:04d}-{start.month:02d}"
    if incident.date_precision == "range" and incident.date_end:
        return f"{start.isoformat()}/{incident.date_end.isoformat()}"
    return start.isoformat()


def _victims(incident: Incident, language: str) -> tuple[int, list[str]]:
    count = 0
    groups: list[str] = []
    for person in incident.people.all():
        if person.role != "victim":
            continue
        count += person.count
        if person.perceived_group:
            group = _term("perceived_group", person.perceived_group, language)
            if group not in groups:
                groups.append(group)
    return count, groups


def victims_text(incident: Incident, language: str) -> str:
    count, groups = _victims(incident, language)
    with translation.override(language):
        if count == 0:
            if incident.target_kind != "people":
                return _("No people: %(target)s") % {
                    "target": _term("target_kind", incident.target_kind, language).lower()
                }
            return _("Not known")
        text = ngettext("%(count)s victim", "%(count)s victims", count) % {"count": count}
        if groups:
            text += "; " + _("perceived as: %(groups)s") % {"groups": SEPARATOR.join(groups)}
        return text


def perpetrators_text(incident: Incident, language: str) -> str:
    count = sum(p.count for p in incident.people.all() if p.role == "perpetrator")
    with translation.override(language):
        if count == 0:
            return _("Not known")
        return ngettext("%(count)s perpetrator", "%(count)s perpetrators", count) % {"count": count}


def _indicators(incident: Incident, language: str, standard: StandardCodes) -> list[str]:
    """The standard bias indicators' labels; an organisation's own indicator is written as the
    standard term it rolls up to, since the submission speaks ODIHR's vocabulary."""
    labels: list[str] = []
    for bias in incident.biases.all():
        for code in bias.indicators or []:
            code = standard.standard(incident.organisation_id, code)
            label = _term("bias_indicator", code, language)
            if label not in labels:
                labels.append(label)
    return labels


def _motivations(incident: Incident, language: str) -> list[str]:
    labels = []
    for bias in incident.biases.all():
        if bias.motivation == "other":
            # The "other" code's note is free text; ODIHR's form has a plain "other" category.
            with translation.override(language):
                labels.append(_("Other"))
        else:
            labels.append(_term("bias_motivation", bias.motivation, language))
    return labels


def description_of(incident: Incident, language: str, standard: StandardCodes | None = None) -> str:
    """A short account built from coded fields: what, where, when, who was harmed, and why the
    monitors see a bias motive (``standard``: the local indicators' broader terms)."""
    if standard is None:
        standard = StandardCodes.load("bias_indicator", [incident.organisation_id])
    kind = _term("incident_type", incident.incident_type, language)
    location = location_of(incident, language)
    date = date_of(incident)
    with translation.override(language):
        facts = {"kind": kind, "place": location, "date": date}
        if location and date:
            first = _("%(kind)s in %(place)s on %(date)s.") % facts
        elif location:
            first = _("%(kind)s in %(place)s.") % facts
        elif date:
            first = _("%(kind)s on %(date)s.") % facts
        else:
            first = _("%(kind)s.") % facts
        sentences = [first]
        harmed = []
        if incident.killed:
            harmed.append(
                ngettext("%(n)s person killed", "%(n)s people killed", incident.killed)
                % {"n": incident.killed}
            )
        if incident.injured:
            harmed.append(
                ngettext("%(n)s person injured", "%(n)s people injured", incident.injured)
                % {"n": incident.injured}
            )
        if harmed:
            sentences.append(", ".join(harmed).capitalize() + ".")
        _count, groups = _victims(incident, language)
        if groups:
            sentences.append(
                _("The victims were perceived as: %(groups)s.")
                % {"groups": SEPARATOR.join(groups).lower()}
            )
        if incident.defender_targeted:
            sentences.append(_("A human-rights defender or organisation was targeted."))
        indicators = _indicators(incident, language, standard)
        if indicators:
            sentences.append(
                _("Bias indicators: %(indicators)s.")
                % {"indicators": SEPARATOR.join(indicators).lower()}
            )
        return " ".join(sentences)


@dataclass(frozen=True)
class LocalTerms:
    """What the submission reads of the organisations' own terms, once for all its rows."""

    indicators: StandardCodes
    hate_articles: LocalHateArticles


def local_terms_of(incidents: Iterable[Incident]) -> LocalTerms:
    """The local indicators' broader terms and the hate-motive articles of the incidents'
    organisations: two queries for the whole submission."""
    owners = {incident.organisation_id for incident in incidents}
    return LocalTerms(
        indicators=StandardCodes.load("bias_indicator", owners),
        hate_articles=hate_articles_by_organisation(owners),
    )


def odihr_row(incident: Incident, language: str, local: LocalTerms | None = None) -> OdihrRow:
    """One incident (with its biases and people prefetched) as a row of the submission;
    ``local``, read once for many rows, else read for this one."""
    if local is None:
        local = local_terms_of([incident])
    group = str(vocabulary("incident_type").term(incident.incident_type).attributes["odihr_group"])
    return OdihrRow(
        reference=incident.reference,
        country=geography.country_name(incident.country, language),
        location=location_of(incident, language),
        date=date_of(incident),
        bias_motivation=SEPARATOR.join(_motivations(incident, language)),
        incident_type=_term("odihr_group", group, language),
        incident_subtype=_term("incident_type", incident.incident_type, language),
        description=description_of(incident, language, local.indicators),
        bias_indicators=SEPARATOR.join(_indicators(incident, language, local.indicators)),
        victims=victims_text(incident, language),
        killed=incident.killed,
        injured=incident.injured,
        perpetrators=perpetrators_text(incident, language),
        authorities_response=status_line(_status(incident, local.hate_articles), language),
    )


def _status(incident: Incident, local_hate: LocalHateArticles) -> ResponseStatus:
    """The derived status, from the prefetched timeline when the query brought it along."""
    cache = getattr(incident, "_prefetched_objects_cache", {})
    events = list(incident.response_events.all()) if "response_events" in cache else None
    return incident_status(incident, events, local_hate=local_hate)


def odihr_rows(incidents: Iterable[Incident], language: str) -> list[OdihrRow]:
    incidents = list(incidents)
    local = local_terms_of(incidents)
    return [odihr_row(incident, language, local) for incident in incidents]
