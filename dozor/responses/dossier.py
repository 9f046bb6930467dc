"""Case dossiers for officials: one incident or a set, in English or Russian, as HTML or PDF.

PDF rendering goes through dozor.printing (WeasyPrint, imported only when a PDF is asked for).

Apps above the responses add parts to each case without being imported here: each registers a
section maker (dossier_section_register, from its AppConfig.ready), which the dossier calls with
the incidents, whether each one's names are shown, and the images chosen for it. The evidence
app lists each case's files this way and prints the chosen photos.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from dozor.accounts.models import User
from dozor.audit import services as audit
from dozor.lib.svg import svg_open
from dozor.printing import PdfUnavailable, html_to_pdf
from dozor.records.local_terms import articles_shown, biases_shown
from dozor.records.models import Incident
from dozor.records.selectors import incident_can_edit
from dozor.responses import selectors
from dozor.responses.status_text import problem_text, status_line
from dozor.responses.vocab import label

LANGUAGES = ("en", "ru")
SVG_WIDTH = 640
SVG_HEIGHT = 74


# The dossier's PDF is rendered by the shared helper; the old names stay for callers.
DossierUnavailable = PdfUnavailable


@dataclass(frozen=True)
class DossierSection:
    """What an app adds to one case of a dossier: its HTML, and what printing it records in the
    audit trail (called once the dossier is made, in the print's transaction)."""

    html: SafeString
    record: Callable[[], None] | None = None


class DossierSectionMaker(Protocol):
    """Makes one app's section of each case, by incident pk. Raises ValidationError for an
    image that cannot go into the dossier, with a message for whoever chose it."""

    def __call__(
        self,
        *,
        user: User,
        incidents: Sequence[Incident],
        names: Mapping[int, bool],
        images: Sequence[int],
    ) -> dict[int, DossierSection]: ...


SECTION_MAKERS: list[DossierSectionMaker] = []


def dossier_section_register(maker: DossierSectionMaker) -> None:
    if maker not in SECTION_MAKERS:
        SECTION_MAKERS.append(maker)


@dataclass
class DossierCase:
    incident: Incident
    events: list[Any]
    status: Any
    status_line: str
    problems: list[str]
    victims: list[Any]
    others: list[Any]
    names_shown: bool
    raisings: list[Any]
    open_requests: list[Any]
    raise_entry: Any
    timeline_svg: SafeString
    # Each bias motivation with its indicators' labels (dozor.records.local_terms.biases_shown).
    biases: list[tuple[Any, list[str]]] = field(default_factory=list)
    # The labels of the events' local legal articles (dozor.records.local_terms.articles_shown).
    article_labels: dict[str, str] = field(default_factory=dict)
    sections: list[DossierSection] = field(default_factory=list)


def timeline_svg(start: datetime.date | None, events: list[Any]) -> SafeString:
    """A horizontal time axis from the incident to the last event, one numbered mark per event."""
    dates = [event.date for event in events]
    if start is not None:
        dates.append(start)
    if not dates:
        return mark_safe("")
    first, last = min(dates), max(dates)
    span = max((last - first).days, 1)
    left, right, axis = 20, SVG_WIDTH - 20, 40

    def x(date: datetime.date) -> float:
        return float(left + (right - left) * (date - first).days / span)

    parts = [
        svg_open(
            SVG_WIDTH,
            SVG_HEIGHT,
            css_class="timeline-axis",
            label=_("The case's events on a line of time, from %(first)s to %(last)s")
            % {"first": first.isoformat(), "last": last.isoformat()},
        ),
        f'<line x1="{left}" y1="{axis}" x2="{right}" y2="{axis}" stroke="#444" stroke-width="1"/>',
    ]
    for year in range(first.year, last.year + 1):
        tick = datetime.date(year, 1, 1)
        if first <= tick <= last:
            parts.append(
                f'<line x1="{x(tick):.1f}" y1="{axis - 4}" x2="{x(tick):.1f}" y2="{axis + 4}" '
                f'stroke="#888"/><text x="{x(tick):.1f}" y="{axis + 18}" font-size="9" '
                f'text-anchor="middle" fill="#555">{year}</text>'
            )
    if start is not None:
        parts.append(
            f'<rect x="{x(start) - 4:.1f}" y="{axis - 4}" width="8" height="8" fill="#7a1f1f"/>'
        )
    for number, event in enumerate(events, start=1):
        level = axis - 14 - 12 * ((number - 1) % 2)
        superseded = getattr(event, "is_superseded", False)
        colour = "#aaa" if superseded else "#1d2330"
        parts.append(
            f'<circle cx="{x(event.date):.1f}" cy="{axis}" r="3.5" fill="{colour}"/>'
            f'<text x="{x(event.date):.1f}" y="{level}" font-size="9" text-anchor="middle" '
            f'fill="{colour}">{escape(str(number))}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped or numeric


def dossier_names_allowed(*, user: User, incident: Incident, with_names: bool) -> bool:
    """Whether the dossier names the incident's people: asked for, and the user may change the
    incident (officials get names only from those who answer for the record)."""
    return with_names and incident_can_edit(user, incident)


def dossier_cases(
    *,
    user: User,
    incidents: list[Incident],
    language: str,
    with_names: bool,
    images: Sequence[int] = (),
) -> list[DossierCase]:
    cases = []
    entries = {entry.incident_id: entry for entry in selectors.raise_list(user)}
    for incident in incidents:
        rows = list(selectors.events_of(incident))
        status = selectors.incident_status(incident, rows)
        for row in rows:
            row.is_superseded = row.pk in status.superseded  # type: ignore[attr-defined]
        names = dossier_names_allowed(user=user, incident=incident, with_names=with_names)
        people = list(incident.people.all())
        raisings = list(selectors.raisings_of(user, incident))
        cases.append(
            DossierCase(
                incident=incident,
                events=rows,
                status=status,
                status_line=status_line(status, language),
                problems=[problem_text(code) for code in status.problems],
                victims=[p for p in people if p.role == "victim"],
                others=[p for p in people if p.role != "victim"],
                names_shown=names,
                raisings=raisings,
                open_requests=[r for r in raisings if r.is_open],
                raise_entry=entries.get(incident.pk),
                timeline_svg=timeline_svg(incident.date_start, rows),
                biases=biases_shown(
                    incident, viewer_organisation_id=user.organisation_id, language=language
                ),
                article_labels=articles_shown(
                    incident,
                    (code for row in rows for code in row.articles),
                    viewer_organisation_id=user.organisation_id,
                    language=language,
                ),
            )
        )
    shown = {case.incident.pk: case.names_shown for case in cases}
    for maker in SECTION_MAKERS:
        made = maker(user=user, incidents=incidents, names=shown, images=images)
        for case in cases:
            if case.incident.pk in made:
                case.sections.append(made[case.incident.pk])
    return cases


def dossier_html(
    *,
    user: User,
    incidents: list[Incident],
    language: str,
    with_names: bool = False,
    images: Sequence[int] = (),
) -> str:
    return _dossier_document(
        user=user, incidents=incidents, language=language, with_names=with_names, images=images
    )[0]


def _dossier_document(
    *,
    user: User,
    incidents: list[Incident],
    language: str,
    with_names: bool,
    images: Sequence[int],
) -> tuple[str, list[DossierSection]]:
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")
    with translation.override(language):
        cases = dossier_cases(
            user=user,
            incidents=incidents,
            language=language,
            with_names=with_names,
            images=images,
        )
        html = render_to_string(
            "responses/dossier.html",
            {
                "cases": cases,
                "language": language,
                "prepared_on": timezone.localdate(),
                "prepared_by": user.organisation.name if user.organisation else "",
                "stage_label": lambda code: label("response_stage", code, language),
            },
        )
    return html, [section for case in cases for section in case.sections]


def dossier_pdf(html: str) -> bytes:
    """The dossier as PDF. Raises DossierUnavailable when WeasyPrint cannot run here."""
    return html_to_pdf(html)


def dossier_render(
    *,
    user: User,
    incidents: list[Incident],
    language: str,
    with_names: bool = False,
    file_format: str = "pdf",
    images: Sequence[int] = (),
) -> bytes:
    """The dossier as HTML or PDF bytes, and its print in the audit trail: one entry per
    incident, saying whether that incident's people were named in it, and whatever the cases'
    sections record (each chosen image's export). The web page and the command both print
    through here. Raises DossierUnavailable when a PDF cannot be made (and then records
    nothing, as nothing was printed), and ValidationError for an image that cannot be
    printed."""
    html, sections = _dossier_document(
        user=user, incidents=incidents, language=language, with_names=with_names, images=images
    )
    content = html.encode("utf-8") if file_format == "html" else dossier_pdf(html)
    with transaction.atomic():
        for section in sections:
            if section.record is not None:
                section.record()
        for incident in incidents:
            named = dossier_names_allowed(
                user=user, incident=incident, with_names=with_names
            ) and any(person.name for person in incident.people.all())
            audit.audit_record(
                action=audit.Action.PRINT,
                user=user,
                target=incident,
                changes={
                    "dossier": file_format,
                    "language": language,
                    "incidents": len(incidents),
                    "names": named,
                },
            )
    return content
