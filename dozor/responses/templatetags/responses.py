from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from dozor.records.local_terms import articles_shown
from dozor.records.models import Incident
from dozor.responses import selectors
from dozor.responses.status_text import problem_text, status_line
from dozor.responses.vocab import label

register = template.Library()


@register.filter
def rterm(code: str, vocabulary_name: str) -> str:
    """The label of a response-vocabulary code in the interface language."""
    return label(vocabulary_name, code, get_language() or "en") if code else ""


@register.inclusion_tag("responses/_incident_panel.html", takes_context=True)
def response_panel(context: dict[str, Any], incident: Incident) -> dict[str, Any]:
    """The response timeline and status on the incident page."""
    user = context["request"].user
    timeline = selectors.timeline(incident)
    status = timeline.status
    language = get_language() or "en"
    articles = articles_shown(
        incident,
        (code for event in timeline.events for code in event.articles),
        viewer_organisation_id=getattr(user, "organisation_id", None),
        language=language,
    )
    return {
        "incident": incident,
        "events": timeline.events,
        "article_labels": articles,
        "status": status,
        "status_line": status_line(status, language),
        "problems": [problem_text(code) for code in status.problems],
        "can_edit": selectors.incident_responses_can_edit(user, incident),
        "can_log": selectors.dialogue_can_write(user),
        "raisings": list(selectors.raisings_of(user, incident)),
        "request": context["request"],
    }


@register.inclusion_tag("responses/_nav.html", takes_context=True)
def responses_nav(context: dict[str, Any]) -> dict[str, Any]:
    return {"user": context["request"].user}


@register.filter
def article(code: str, local: dict[str, str]) -> str:
    """A legal article's label: an organisation's own from ``local`` (articles_shown), a
    standard one from its vocabulary."""
    return local.get(code) or rterm(code, "legal_article")


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key)


@register.filter
def percent_of(row: Any, stage: str) -> str:
    value = row.percent_of_documented(stage)
    return "—" if value is None else f"{value:.1f}%"


@register.filter
def percent_of_previous(row: Any, stage: str) -> str:
    value = row.percent_of_previous(stage)
    return "—" if value is None else f"{value:.1f}%"
