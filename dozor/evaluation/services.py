"""Writes of the evaluation: assessments, thresholds and official statistics.

Every service validates all of its input first and writes in one transaction.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import NOTE_MAX_LENGTH, User
from dozor.accounts.policy import may
from dozor.analysis.evaluation import EvaluationError, Thresholds
from dozor.audit.services import audit_write
from dozor.evaluation.catalogue import catalogue
from dozor.evaluation.models import (
    FIRST_YEAR,
    LAST_YEAR,
    Assessment,
    IndicatorThreshold,
    OfficialStatistic,
    OfficialStatisticRevision,
)
from dozor.records.selectors import incidents_visible
from dozor.vocab.geography import country_exists

MSG_NOT_ALLOWED = _("Only documenters and administrators of an organisation may change this.")
MSG_ADMINISTRATORS_ONLY = _(
    "Official statistics are shared by every organisation's report card: only administrators "
    "change them."
)
MSG_UNKNOWN_INDICATOR = _("There is no indicator “%(code)s” in the catalogue.")
MSG_NOT_ASSESSED_INDICATOR = _(
    "“%(code)s” is computed from the data; change its thresholds instead of scoring it."
)
MSG_NOT_COMPUTED_INDICATOR = _("“%(code)s” is scored by a person; it has no thresholds.")
MSG_COUNTRY = _("“%(value)s” is not an ISO 3166 two-letter country code.")
MSG_YEAR = _("The year must be between %(first)s and %(last)s.")
MSG_SCORE = _("The score is 0 (absent), 1 (partial), 2 (met) or empty for n/a.")
MSG_JUSTIFICATION = _("Say why: a justification is required.")
MSG_TOO_LONG = _("At most %(limit)s characters.")
MSG_LINK = _("Line %(line)s is not a web address (http:// or https://): %(value)s")
MSG_INCIDENT = _("No incident with reference “%(reference)s” that you may see.")
MSG_THRESHOLDS = _("These thresholds cannot be used: %(error)s")
MSG_SOURCE = _("Name the source of the official figures.")
MSG_COUNT = _("A count is a whole number of zero or more.")
MSG_CSV_COLUMNS = _("%(file)s: the header must have the columns %(columns)s; missing: %(missing)s.")
MSG_CSV_CELL = _("%(file)s, row %(row)s, column “%(column)s”: %(error)s")
MSG_CSV_DUPLICATE = _("%(file)s, row %(row)s: %(country)s %(year)s appears twice in the file.")
MSG_CSV_EMPTY = _("%(file)s: no rows of figures.")

STATISTIC_COLUMNS = ("country", "year", "recorded", "prosecuted", "sentenced", "source")


def _refuse_unless(user: User, action: str, message: Any = MSG_NOT_ALLOWED) -> None:
    """Evaluation forms show refusals beside their fields, so they come as ValidationError."""
    if not may(user, action):
        raise ValidationError(message, code="not_allowed")


def _check_country_year(country: str, year: int, errors: dict[str, list[Any]]) -> None:
    if not country_exists(country):
        errors.setdefault("country", []).append(MSG_COUNTRY % {"value": country})
    if not FIRST_YEAR <= year <= LAST_YEAR:
        errors.setdefault("year", []).append(MSG_YEAR % {"first": FIRST_YEAR, "last": LAST_YEAR})


def _check_length(name: str, value: str, errors: dict[str, list[Any]]) -> None:
    if len(value) > NOTE_MAX_LENGTH:
        errors.setdefault(name, []).append(MSG_TOO_LONG % {"limit": NOTE_MAX_LENGTH})


@transaction.atomic
def assessment_save(
    *,
    user: User,
    country: str,
    year: int,
    indicator: str,
    score: int | None,
    justification: str,
    links: str = "",
    documents: str = "",
    incident_references: list[str] | None = None,
) -> Assessment:
    """Create or replace the user's organisation's assessment of one indicator in one year."""
    _refuse_unless(user, "evaluation.write")
    errors: dict[str, list[Any]] = {}
    entry = catalogue().indicators.get(indicator)
    if entry is None:
        errors.setdefault("indicator", []).append(MSG_UNKNOWN_INDICATOR % {"code": indicator})
    elif entry.computed:
        errors.setdefault("indicator", []).append(MSG_NOT_ASSESSED_INDICATOR % {"code": indicator})
    _check_country_year(country, year, errors)
    if score is not None and score not in (0, 1, 2):
        errors.setdefault("score", []).append(MSG_SCORE)
    if not justification.strip():
        errors.setdefault("justification", []).append(MSG_JUSTIFICATION)
    for name, value in (
        ("justification", justification),
        ("links", links),
        ("documents", documents),
    ):
        _check_length(name, value, errors)
    validate_url = URLValidator(schemes=["http", "https"])
    for number, line in enumerate(links.splitlines(), start=1):
        if line.strip():
            try:
                validate_url(line.strip())
            except ValidationError:
                errors.setdefault("links", []).append(
                    MSG_LINK % {"line": number, "value": line.strip()}
                )
    references = [r.strip() for r in incident_references or [] if r.strip()]
    found = {
        incident.reference: incident
        for incident in incidents_visible(user).filter(reference__in=references)
    }
    for reference in references:
        if reference not in found:
            errors.setdefault("incidents", []).append(MSG_INCIDENT % {"reference": reference})
    if errors:
        raise ValidationError(errors)
    assert user.organisation_id is not None
    earlier = Assessment.objects.filter(
        organisation_id=user.organisation_id, country=country, year=year, indicator=indicator
    ).first()
    before = _assessment_values(earlier) if earlier is not None else None
    assessment, _created = Assessment.objects.update_or_create(
        organisation_id=user.organisation_id,
        country=country,
        year=year,
        indicator=indicator,
        defaults={
            "score": score,
            "justification": justification.strip(),
            "links": links.strip(),
            "documents": documents.strip(),
            "updated_by": user,
        },
    )
    assessment.incidents.set(found.values())
    audit_write(
        user=user,
        target=assessment,
        before=before,
        after=_assessment_values(assessment),
        sensitive=ASSESSMENT_SENSITIVE,
    )
    return assessment


# What an assessment's entries record. A justification and the documents it cites are free text
# that can name a victim: the trail says only that they changed.
ASSESSMENT_SENSITIVE = frozenset({"justification", "documents"})


def _assessment_values(assessment: Assessment) -> dict[str, Any]:
    return {
        "country": assessment.country,
        "year": assessment.year,
        "indicator": assessment.indicator,
        "score": assessment.score,
        "justification": assessment.justification,
        "links": assessment.links,
        "documents": assessment.documents,
        "incidents": sorted(assessment.incidents.values_list("reference", flat=True)),
    }


@transaction.atomic
def threshold_set(*, user: User, indicator: str, partial: float, met: float) -> IndicatorThreshold:
    """Replace the catalogue's thresholds of a computed indicator for the user's organisation."""
    _refuse_unless(user, "evaluation.write")
    entry = catalogue().indicators.get(indicator)
    if entry is None:
        raise ValidationError({"indicator": MSG_UNKNOWN_INDICATOR % {"code": indicator}})
    if entry.thresholds is None:
        raise ValidationError({"indicator": MSG_NOT_COMPUTED_INDICATOR % {"code": indicator}})
    try:
        Thresholds(partial=partial, met=met, direction=entry.thresholds.direction)
    except EvaluationError as error:
        raise ValidationError({"met": MSG_THRESHOLDS % {"error": error}}) from None
    assert user.organisation_id is not None
    earlier = IndicatorThreshold.objects.filter(
        organisation_id=user.organisation_id, indicator=indicator
    ).first()
    row, _created = IndicatorThreshold.objects.update_or_create(
        organisation_id=user.organisation_id,
        indicator=indicator,
        defaults={"partial": partial, "met": met, "updated_by": user},
    )
    audit_write(
        user=user,
        target=row,
        before=_threshold_values(earlier) if earlier is not None else None,
        after=_threshold_values(row),
    )
    return row


def _threshold_values(row: IndicatorThreshold) -> dict[str, Any]:
    return {"indicator": row.indicator, "partial": row.partial, "met": row.met}


@dataclass(frozen=True)
class StatisticInput:
    country: str
    year: int
    recorded: int | None
    prosecuted: int | None
    sentenced: int | None
    source: str
    source_url: str = ""
    note: str = ""


def _statistic_errors(item: StatisticInput) -> dict[str, list[Any]]:
    errors: dict[str, list[Any]] = {}
    _check_country_year(item.country, item.year, errors)
    for name in ("recorded", "prosecuted", "sentenced"):
        value = getattr(item, name)
        if value is not None and value < 0:
            errors.setdefault(name, []).append(MSG_COUNT)
    if not item.source.strip():
        errors.setdefault("source", []).append(MSG_SOURCE)
    if item.source_url:
        try:
            URLValidator(schemes=["http", "https"])(item.source_url)
        except ValidationError as error:
            errors.setdefault("source_url", []).extend(error.messages)
    _check_length("note", item.note, errors)
    return errors


FIGURES = ("recorded", "prosecuted", "sentenced", "source", "source_url", "note")


def _statistic_write(item: StatisticInput, user: User) -> OfficialStatistic:
    """Make the figures in force those of a new revision, unless they already are.

    The row is locked while its next revision number is taken, so two administrators saving at
    once get revisions n+1 and n+2, never two of n+1 (the unique constraint would refuse it)."""
    after: dict[str, Any] = {
        "recorded": item.recorded,
        "prosecuted": item.prosecuted,
        "sentenced": item.sentenced,
        "source": item.source.strip(),
        "source_url": item.source_url.strip(),
        "note": item.note.strip(),
    }
    row = (
        OfficialStatistic.objects.select_for_update()
        .filter(country=item.country, year=item.year)
        .first()
    )
    before: dict[str, Any] | None = None
    if row is None:
        row = OfficialStatistic(country=item.country, year=item.year, revision=1)
    else:
        before = {name: getattr(row, name) for name in FIGURES} | {"revision": row.revision}
        if all(before[name] == after[name] for name in FIGURES):
            return row
        row.revision += 1
    for name, value in after.items():
        setattr(row, name, value)
    row.updated_by = user
    row.save()
    OfficialStatisticRevision.objects.create(
        statistic=row,
        number=row.revision,
        created_at=timezone.now(),
        created_by=user,
        **after,
    )
    audit_write(user=user, target=row, before=before, after=after | {"revision": row.revision})
    return row


@transaction.atomic
def official_statistic_save(*, user: User, item: StatisticInput) -> OfficialStatistic:
    """Record (or correct) a state's published figures for one year, as a new revision."""
    _refuse_unless(user, "statistics.write", MSG_ADMINISTRATORS_ONLY)
    errors = _statistic_errors(item)
    if errors:
        raise ValidationError(errors)
    return _statistic_write(item, user)


def _count_cell(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.isdigit():
        raise ValueError(str(MSG_COUNT))
    return int(value)


def _cell(file: str, row: int, column: str, error: object) -> str:
    return str(MSG_CSV_CELL % {"file": file, "row": row, "column": column, "error": error})


def parse_statistics_csv(text: str, *, file: str) -> list[StatisticInput]:
    """Rows of official figures from CSV text; every problem names the file, row and column."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in STATISTIC_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationError(
            MSG_CSV_COLUMNS
            % {"file": file, "columns": ", ".join(STATISTIC_COLUMNS), "missing": ", ".join(missing)}
        )
    items: list[StatisticInput] = []
    problems: list[str] = []
    seen: set[tuple[str, int]] = set()
    for number, row in enumerate(reader, start=2):
        values: dict[str, Any] = {}
        for column in ("year", "recorded", "prosecuted", "sentenced"):
            try:
                values[column] = _count_cell(row.get(column) or "")
            except ValueError as error:
                problems.append(
                    str(
                        MSG_CSV_CELL
                        % {"file": file, "row": number, "column": column, "error": error}
                    )
                )
        if any(p.startswith(f"{file}, row {number},") for p in problems):
            continue
        if values["year"] is None:
            problems.append(
                str(
                    MSG_CSV_CELL
                    % {"file": file, "row": number, "column": "year", "error": MSG_COUNT}
                )
            )
            continue
        item = StatisticInput(
            country=(row.get("country") or "").strip().upper(),
            year=values["year"],
            recorded=values["recorded"],
            prosecuted=values["prosecuted"],
            sentenced=values["sentenced"],
            source=row.get("source") or "",
            source_url=(row.get("source_url") or "").strip(),
            note=row.get("note") or "",
        )
        for column, messages in _statistic_errors(item).items():
            for message in messages:
                problems.append(
                    str(
                        MSG_CSV_CELL
                        % {"file": file, "row": number, "column": column, "error": message}
                    )
                )
        key = (item.country, item.year)
        if key in seen:
            problems.append(
                str(
                    MSG_CSV_DUPLICATE
                    % {"file": file, "row": number, "country": key[0], "year": key[1]}
                )
            )
        seen.add(key)
        items.append(item)
    if problems:
        raise ValidationError(problems)
    if not items:
        raise ValidationError(MSG_CSV_EMPTY % {"file": file})
    return items


@transaction.atomic
def official_statistics_load(*, text: str, file: str, user: User) -> list[OfficialStatistic]:
    """Load a CSV of official figures: all rows or, if any row is wrong, none; each changed year
    gets a new revision."""
    _refuse_unless(user, "statistics.write", MSG_ADMINISTRATORS_ONLY)
    return [_statistic_write(item, user) for item in parse_statistics_csv(text, file=file)]
