"""Reads of reports and source lists, as each user may see them: the Reports and Sources pages
and `dozor reports` / `dozor sources` call these, so the page and the command show the same.

A user sees the reports of their own organisation's source lists, except those that are part of
an incident they may not see (a confidential one, for a reader): the report would tell what the
incident holds. The names rule applies to everything a report holds, not only its victims:
titles, summaries, every cell of the row as received and every extra field can name people, so
for those who may not see names they pass through records.redaction (the report's victims and
perpetrators become their pseudonyms, anyone else natasha finds "[name]").
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery, TextField
from django.db.models.fields.json import KT, KeyTransform
from django.db.models.functions import Cast, Coalesce
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import User
from dozor.records.models import (
    IMPORT_BATCH_FACT,
    IncidentReport,
    Report,
    SourceList,
    import_batch_expression,
)
from dozor.records.redaction import (
    free_text_of_organisation,
    payload_redacted,
    report_known_names,
    report_names_visible,
    report_sensitive_keys,
    value_redacted,
)
from dozor.records.report_schema import STANDARD, STANDARD_FIELDS, FieldProblem, standard_values
from dozor.records.selectors import incidents_visible
from dozor.records.services import _pseudonym
from dozor.security.fields import is_locked
from dozor.vocab import geography
from dozor.vocab.registry import VocabularyError, vocabulary

# Each standard field of report_schema.STANDARD_FIELDS with the words a page shows it under.
STANDARD_FIELD_LABELS: dict[str, Promise] = {
    "date": _("Date"),
    "date_precision": _("Date precision"),
    "date_end": _("Last possible date"),
    "country": _("Country"),
    "region": _("Region"),
    "locality": _("Locality"),
    "incident_type": _("Incident type"),
    "bias_motivations": _("Bias motivations"),
    "victims": _("Victims"),
    "perpetrators": _("Perpetrators"),
    "killed": _("Killed"),
    "injured": _("Injured"),
    "target_organisation": _("Targeted organisation"),
    "defender_targeted": _("A human-rights defender or organisation was targeted"),
    "title": _("Title"),
    "summary": _("Summary"),
    "summary_language": _("Language of the summary"),
    "source_url": _("Published at"),
}
# Standard fields whose values are codes of a vocabulary, shown by their labels.
CODE_FIELDS = {
    spec.name: spec.vocabulary for spec in STANDARD_FIELDS if spec.vocabulary is not None
}
# Standard fields of free text, which can name people.
TEXT_FIELDS = frozenset({"locality", "target_organisation", "title", "summary", "source_url"})
# Keys of a report's fields that the import writes about the row, shown apart from its fields.
FLAGS_KEY = "flags"
UNMAPPED_KEY = "unmapped"
IMPORT_KEY = "_import"

MSG_DATE_UNKNOWN = _("date unknown")
MSG_YES = _("yes")
MSG_NO = _("no")

REPORT_SORTS: dict[str, tuple[Any, ...]] = {
    "-stored": ("-id",),
    "stored": ("id",),
    "-date": (F("report_date").desc(nulls_last=True), "-id"),
    "date": (F("report_date").asc(nulls_last=True), "id"),
    "external_id": ("source_list__name", "external_id", "revision"),
    "region": (F("report_region").asc(nulls_last=True), "-id"),
    "type": (F("report_type").asc(nulls_last=True), "-id"),
    # The counts are compared as JSON numbers: a bad value stored by an old mapping sorts apart
    # instead of failing a cast.
    "-killed": (KeyTransform("killed", "facts").desc(nulls_last=True), "-id"),
    "-injured": (KeyTransform("injured", "facts").desc(nulls_last=True), "-id"),
}
DEFAULT_REPORT_SORT = "-stored"


@dataclass(frozen=True)
class ReportFilters:
    source_list: SourceList | None = None
    batch: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    region: str = ""
    incident_type: str = ""
    linked: bool | None = None
    external_id: str = ""
    sort: str = DEFAULT_REPORT_SORT


def _organisation_id(user: User | AnonymousUser) -> int | None:
    if not isinstance(user, User) or not user.is_active:
        return None
    return user.organisation_id


def reports_visible(user: User | AnonymousUser) -> QuerySet[Report]:
    """The reports of the user's organisation's source lists, without those that are part of an
    incident the user may not see."""
    organisation_id = _organisation_id(user)
    if organisation_id is None:
        return Report.objects.none()
    unseen = Q(incident_link__isnull=False) & ~Q(
        incident_link__incident__in=incidents_visible(user)
    )
    return Report.objects.filter(source_list__organisation_id=organisation_id).exclude(unseen)


def _fact_text(key: str) -> Cast:
    """A public fact of the report as text, compared and sorted as text on every database (a
    key of a JSON field would otherwise be compared as JSON)."""
    return Cast(KT(f"facts__{key}"), TextField())


def report_list(*, user: User | AnonymousUser, filters: ReportFilters) -> QuerySet[Report]:
    """The visible reports that match the filters, in the order asked for.

    Filters read the report's public facts (Report.facts: date, region, type, the import's
    number), never its sealed fields, so they need no key and no decryption.
    """
    reports = reports_visible(user).annotate(
        report_date=_fact_text("date"),
        report_region=_fact_text("region"),
        report_type=_fact_text("incident_type"),
    )
    if filters.source_list is not None:
        reports = reports.filter(source_list=filters.source_list)
    if filters.batch is not None:
        reports = reports.alias(report_batch=import_batch_expression()).filter(
            report_batch=filters.batch
        )
    if filters.date_from:
        reports = reports.filter(report_date__gte=filters.date_from.isoformat())
    if filters.date_to:
        reports = reports.filter(report_date__lte=filters.date_to.isoformat())
    if filters.region:
        reports = reports.filter(report_region=filters.region)
    if filters.incident_type:
        reports = reports.filter(report_type=filters.incident_type)
    if filters.linked is not None:
        reports = reports.filter(incident_link__isnull=not filters.linked)
    if filters.external_id:
        reports = reports.filter(external_id__icontains=filters.external_id)
    order = REPORT_SORTS.get(filters.sort, REPORT_SORTS[DEFAULT_REPORT_SORT])
    return reports.select_related(
        "source_list", "incident_link__incident", "incident_link__linked_by"
    ).order_by(*order)


def report_get(*, user: User | AnonymousUser, pk: int) -> Report:
    """One visible report, or Report.DoesNotExist (also when it exists but is not visible)."""
    return (
        reports_visible(user)
        .select_related(
            "source_list", "created_by", "incident_link__incident", "incident_link__linked_by"
        )
        .get(pk=pk)
    )


def report_link(report: Report) -> IncidentReport | None:
    """The report's link to the incident it is part of, if it is part of one.

    The link says who made it (``linked_by``); how it was made (by a person or by the linkage
    model) is what the page shows beside it once links record it.
    """
    try:
        return report.incident_link
    except Report.incident_link.RelatedObjectDoesNotExist:
        return None


def date_shown(values: Mapping[str, Any]) -> str:
    """A report's date as its precision says: 04.12.2008, 12.2008, 2008 or a range."""
    start = _date(values.get("date"))
    precision = values.get("date_precision") or "day"
    if start is None:
        return str(MSG_DATE_UNKNOWN) if precision == "unknown" else ""
    return date_text(start, _date(values.get("date_end")), precision)


def date_text(start: datetime.date, end: datetime.date | None, precision: str) -> str:
    """A date as its precision says: 04.12.2008, 12.2008, 2008 or 01.12.2008–04.12.2008 (a
    range without its end, and any other precision, as the day)."""
    if precision == "year":
        return f"{start:%Y}"
    if precision == "month":
        return f"{start:%m.%Y}"
    if precision == "range" and end is not None:
        return f"{start:%d.%m.%Y}–{end:%d.%m.%Y}"
    return f"{start:%d.%m.%Y}"


def _date(value: Any) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _values(report: Report) -> dict[str, Any]:
    """The standard fields of a report that read as the schema says; while Dozor is locked,
    the readable facts (date, place, type, counts) stand in for the sealed fields."""
    fields = report.facts if is_locked(report.fields) else report.fields
    return standard_values(fields)[0]


def _people_shown(people: Any, role: str, *, named: bool) -> list[dict[str, Any]]:
    """The people of a report, each with the name if the user may see it, else the pseudonym."""
    shown = []
    for position, person in enumerate(people or []):
        label = person["name"] if named and person.get("name") else _pseudonym(role, position)
        shown.append({**person, "name": label})
    return shown


@dataclass(frozen=True)
class ReportRow:
    """One line of the Reports list as the user may see it."""

    report: Report
    values: dict[str, Any]
    date: str
    title: str
    victims: list[str]
    link: IncidentReport | None
    named: bool


def report_rows(user: User | AnonymousUser, reports: list[Report]) -> list[ReportRow]:
    """The lines of a page of the list: dates as their precision says, the title and the
    victims as the user may see them."""
    rows = []
    sensitive: dict[int, frozenset[str]] = {}
    for report in reports:
        values = _values(report)
        named = report_names_visible(user, report)
        organisation_id = report.source_list.organisation_id
        if not named and organisation_id not in sensitive:
            sensitive[organisation_id] = report_sensitive_keys(organisation_id)
        names = [] if named else report_known_names(report, sensitive.get(organisation_id))
        title = values.get("title", "")
        victims = _people_shown(values.get("victims"), "victim", named=named)
        rows.append(
            ReportRow(
                report=report,
                values=values,
                date=date_shown(values),
                title=str(title if named else value_redacted(title, names)),
                victims=[person["name"] for person in victims],
                link=report_link(report),
                named=named,
            )
        )
    return rows


@dataclass(frozen=True)
class FieldShown:
    """A standard field of a report, labelled, as the user may see it."""

    name: str
    label: str
    value: Any  # the value with the names rule applied: codes, numbers, people, texts
    text: str  # the same in words, for reading
    people: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class ReportShown:
    """Everything the report's page and `dozor reports show` give, with the names rule applied."""

    report: Report
    named: bool
    locked: bool
    date: str
    fields: list[FieldShown]
    problems: list[FieldProblem]
    extra: dict[str, Any]
    payload: dict[str, Any]
    flags: list[str]
    unmapped: dict[str, Any]
    import_batch: int | None
    import_row: int | None
    corrected_row: int | None
    link: IncidentReport | None
    revisions: list[Report]


def report_shown(user: User | AnonymousUser, report: Report) -> ReportShown:
    """The report as this user may read it: its standard fields, labelled, then the other fields
    its mapping gave; the row as it came; where it came from; its incident and revisions."""
    named = report_names_visible(user, report)
    fields = report.fields if isinstance(report.fields, dict) else {}
    sensitive = report_sensitive_keys(report.source_list.organisation_id)
    names = [] if named else report_known_names(report, sensitive)

    def shown(value: Any) -> Any:
        return value if named else value_redacted(value, names)

    locked = is_locked(report.fields)
    good, problems = standard_values(report.facts if locked else fields)
    language = get_language() or "en"
    rows = []
    for spec in STANDARD_FIELDS:
        if spec.name not in good:
            continue
        value = good[spec.name]
        people: list[dict[str, Any]] = []
        if spec.name in ("victims", "perpetrators"):
            people = _people_shown(value, spec.name[:-1], named=named)
            value = people
        elif spec.name in TEXT_FIELDS:
            value = shown(value)
        rows.append(
            FieldShown(
                name=spec.name,
                label=str(STANDARD_FIELD_LABELS.get(spec.name, spec.name)),
                value=value,
                text=_text(spec.name, value, language),
                people=people,
            )
        )
    origin = fields.get(IMPORT_KEY)
    if not isinstance(origin, dict):
        # While Dozor is locked the import's number is still among the readable facts.
        origin = {"batch": report.facts.get(IMPORT_BATCH_FACT)} if locked else {}
    extra = {
        key: shown(value)
        for key, value in fields.items()
        if key not in STANDARD
        and key not in (FLAGS_KEY, UNMAPPED_KEY)
        and not str(key).startswith("_")
        and (named or key not in sensitive)
    }
    flags = fields.get(FLAGS_KEY)
    unmapped = fields.get(UNMAPPED_KEY)
    payload = report.payload if isinstance(report.payload, dict) else {}
    return ReportShown(
        report=report,
        named=named,
        locked=locked,
        date=date_shown(good),
        fields=rows,
        problems=[FieldProblem(p.field, str(shown(p.value)), p.expected) for p in problems],
        extra=extra,
        payload=(
            {str(column): value for column, value in payload.items()}
            if named
            else payload_redacted(payload, names)
        ),
        flags=[str(flag) for flag in flags] if isinstance(flags, list) else [],
        unmapped=shown(unmapped) if isinstance(unmapped, dict) else {},
        import_batch=_whole(origin.get("batch")),
        import_row=_whole(origin.get("row")),
        corrected_row=_whole(origin.get("corrected")),
        link=report_link(report),
        revisions=list(
            reports_visible(user)
            .filter(source_list_id=report.source_list_id, external_id=report.external_id)
            .exclude(pk=report.pk)
            .order_by("revision")
        ),
    )


def value_text(value: Any) -> str:
    """A value of a report's row or fields in words: lists joined, mappings as "key: value"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(MSG_YES if value else MSG_NO)
    if isinstance(value, list):
        return "; ".join(value_text(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {value_text(item)}" for key, item in value.items())
    return str(value)


def _whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _term(vocabulary_name: str, code: str, language: str) -> str:
    try:
        return vocabulary(vocabulary_name).term(code).label(language)
    except VocabularyError:
        return code


def _person_text(person: Mapping[str, Any], language: str) -> str:
    details = [
        _term("sex", person["sex"], language) if person.get("sex") != "unknown" else "",
        str(person["age"]) if person.get("age") is not None else "",
        _term("perceived_group", person["perceived_group"], language)
        if person.get("perceived_group")
        else "",
        _term("harm", person["harm"], language) if person.get("harm") != "unknown" else "",
    ]
    shown = ", ".join(detail for detail in details if detail)
    return f"{person['name']} ({shown})" if shown else str(person["name"])


def _text(name: str, value: Any, language: str) -> str:
    """A standard field's value in words, in the interface language."""
    if name in ("victims", "perpetrators"):
        return "; ".join(_person_text(person, language) for person in value)
    if name in ("date", "date_end"):
        day = _date(value)
        return f"{day:%d.%m.%Y}" if day else str(value)
    if name == "region":
        return geography.region_name(value, language) or value
    if name == "country":
        return geography.country_name(value, language) or value
    if name == "bias_motivations":
        return "; ".join(_term("bias_motivation", code, language) for code in value)
    if name in CODE_FIELDS:
        return _term(str(CODE_FIELDS[name]), value, language)
    if isinstance(value, bool):
        return str(MSG_YES if value else MSG_NO)
    return str(value)


# --- source lists ---------------------------------------------------------------------------


def source_lists_visible(user: User | AnonymousUser) -> QuerySet[SourceList]:
    """The user's organisation's source lists, each with its number of reports
    (``report_count``) and when it was last imported into (``last_import``)."""
    organisation_id = _organisation_id(user)
    if organisation_id is None:
        return SourceList.objects.none()
    return source_lists_of(organisation_id)


def source_lists_of(organisation_id: int) -> QuerySet[SourceList]:
    """An organisation's source lists with their counts, for its members and for the operator."""
    counts = (
        Report.objects.filter(source_list=OuterRef("pk"))
        .order_by()
        .values("source_list")
        .annotate(count=Count("id"))
        .values("count")
    )
    return (
        SourceList.objects.filter(organisation_id=organisation_id)
        .annotate(
            report_count=Coalesce(Subquery(counts), 0),
            # Imports live in the intake app, above this one: reached by their relation's name.
            last_import=Max("imports__created_at"),
        )
        .order_by("name")
    )


def source_list_get(*, user: User | AnonymousUser, pk: int) -> SourceList:
    """One of the user's organisation's source lists, or SourceList.DoesNotExist."""
    return source_lists_visible(user).get(pk=pk)


def source_list_description_for(user: User | AnonymousUser, source_list: SourceList) -> str:
    """A list's description, free text its writers typed, as the user may read it."""
    return str(
        free_text_of_organisation(user, source_list.organisation_id, source_list.description)
    )
