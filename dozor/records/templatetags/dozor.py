from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Any

from django import template
from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from dozor.records.models import Incident
from dozor.records.redaction import free_text_for, incident_text_redacted
from dozor.records.report_selectors import MSG_DATE_UNKNOWN, date_text, value_text
from dozor.records.selectors import ListRow
from dozor.vocab import geography
from dozor.vocab.registry import VocabularyError, vocabulary

register = template.Library()


# References as Dozor makes them ("RU-2008-00001"): letters, digits, hyphens. reverse() leaves
# them as they are, so their page's path is the first one's with the reference put in its place.
_PLAIN_REFERENCE = re.compile(r"[A-Za-z0-9-]+")
_SAMPLE_REFERENCE = "XX-0000-00000"
_PATH_PARTS = "dozor.incident_path"  # the render context's key for the path around a reference


@register.simple_tag(takes_context=True)
def incident_path(context: template.Context, reference: str) -> str:
    """``{% incident_path incident.reference %}``: the incident page's path, as ``{% url
    'records:incident_detail' incident.reference %}`` gives it.

    For the list's 50 rows: reverse() runs once per page (with a sample reference) instead of
    once per row, where it was a tenth of the page's time. The path is kept in the render
    context, so it follows the request's script prefix; any reference that is not letters,
    digits and hyphens goes through reverse() itself.
    """
    if not _PLAIN_REFERENCE.fullmatch(reference):
        return reverse("records:incident_detail", args=[reference])
    cached = context.render_context.get(_PATH_PARTS)
    if cached is None:
        sample = reverse("records:incident_detail", args=[_SAMPLE_REFERENCE])
        cached = context.render_context[_PATH_PARTS] = sample.rpartition(_SAMPLE_REFERENCE)
    before, _sample, after = cached
    return f"{before}{reference}{after}"


@register.filter
def incident_date(incident: Incident) -> str:
    """``{{ incident|incident_date }}``: the incident's date as its precision says: 04.12.2008,
    12.2008, 2008, 01.12.2008–04.12.2008 or "date unknown"."""
    if incident.date_precision == "unknown":
        return str(MSG_DATE_UNKNOWN)
    if incident.date_start is None:
        return ""
    return date_text(incident.date_start, incident.date_end, incident.date_precision)


# One row of the incident list (records/incident_list.html): the cells in the order of its head.
_ROW = (
    "\n    <tr>\n"
    '      <td><a href="{path}">{reference}</a></td>\n'
    "      <td>{date}</td>\n"
    "      <td>{title}{defenders}</td>\n"
    "      <td>{region}</td>\n"
    "      <td>{incident_type}</td>\n"
    "      <td>{biases}</td>\n"
    '      <td class="num">{killed}</td><td class="num">{injured}</td>\n'
    "      <td>{verification}</td>\n"
    "    </tr>\n  "
)
_NO_ROWS = '\n    <tr><td colspan="9">{}</td></tr>\n  '


@register.simple_tag(takes_context=True)
def incident_rows(context: template.Context, rows: Iterable[ListRow]) -> SafeString:
    """``{% incident_rows page %}``: the rows of the incident list, written here rather than by
    the template engine cell by cell, which was half of the list page's rendering (fifty rows
    of nine cells, each variable looked up, filtered and escaped by its own node). Every value
    is escaped as the template escaped it (tests/records/test_list_rows.py)."""
    language = get_language() or "en"
    defenders = format_html(' <span class="tag">{}</span>', gettext("defenders"))
    cells = [_row_html(context, row, language, defenders) for row in rows]
    if not cells:
        return format_html(_NO_ROWS, gettext("No incidents match these filters."))
    return mark_safe("".join(cells))  # noqa: S308 - each row made by format_html, every value escaped


def _row_html(context: template.Context, row: ListRow, language: str, defenders: str) -> str:
    """One row, each value escaped as format_html escapes it (_escaped), without format_html's
    checks for lazy values on every call: they were a third of the rows' time."""
    incident = row.incident
    region = geography.region_name(incident.region, language) if incident.region else ""
    return _ROW.format(
        path=_escaped(incident_path(context, incident.reference)),
        reference=_escaped(incident.reference),
        date=_escaped(incident_date(incident)),
        title=_escaped(incident.title),
        defenders=defenders if incident.defender_targeted else "",
        region=_escaped(region or incident.country),
        incident_type=_escaped(_term(incident.incident_type, "incident_type", language)),
        biases=_escaped("; ".join(_term(code, "bias_motivation", language) for code in row.biases)),
        killed=_escaped(_count(incident.killed)),
        injured=_escaped(_count(incident.injured)),
        verification=_escaped(_term(incident.verification_status, "verification_status", language)),
    )


def _escaped(value: Any) -> str:
    """What django.utils.html.conditional_escape gives for a value that is not lazy: a safe
    string as it is, anything else as html.escape gives its text (which Django's escape is)."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


def _count(value: Any) -> Any:
    """A count as localize() writes it: under a thousand it is its digits in every language."""
    if isinstance(value, int) and 0 <= value < 1000:
        return value
    return localize(value)


@register.filter
def term(code: str, vocabulary_name: str) -> str:
    """The label of a vocabulary code in the interface language; the code itself if unknown."""
    return _term(code, vocabulary_name, get_language() or "en")


def _term(code: str, vocabulary_name: str, language: str) -> str:
    if not code:
        return ""
    try:
        return vocabulary(vocabulary_name).term(code).label(language)
    except VocabularyError:
        return code


@register.filter
def region_name(code: str) -> str:
    return geography.region_name(code, get_language() or "en") if code else ""


@register.filter
def country_name(code: str) -> str:
    return geography.country_name(code, get_language() or "en") if code else ""


@register.simple_tag(takes_context=True)
def free_text(
    context: template.Context, text: Any, incident: Incident, names: bool | None = None
) -> Any:
    """``{% free_text incident.summary incident as summary %}``: the text as the signed-in user
    may read it, names taken out unless they may see them (records.redaction).

    ``names=`` decides instead of the user where the page already decided (a dossier printed
    with or without names); a page rendered without a request is redacted.
    """
    if names is True:
        return text
    request = context.get("request")
    if names is None and request is not None:
        return free_text_for(request.user, incident, text)
    return incident_text_redacted(incident, text)


@register.filter
def plain(value: Any) -> str:
    """A value of a report's row or fields in words (report_selectors.value_text)."""
    return value_text(value)
