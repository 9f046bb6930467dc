"""The legal articles read as carrying the hate motive: the standard ones (their vocabulary's
``hate_motive``) and each organisation's own (a local term with ``hate_motive``).

An organisation's own article counts for that organisation's incidents only: another
organisation may give the same ``local_`` code to another article. The case status takes the
rules of the incident's organisation (event_rules_of); the response funnel and the report card
build one SQL condition with every organisation's own articles beside the standard ones
(hate_sql), read in one query, never one per incident.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from dozor.analysis.responses import EventRules
from dozor.records.local_terms import hate_articles_by_organisation
from dozor.records.models import LOCAL_TERM_PREFIX
from dozor.responses.vocab import event_rules, hate_articles

# Each organisation's own hate-motive articles, by organisation id.
LocalHateArticles = Mapping[int, frozenset[str]]


def event_rules_of(
    organisation_id: int | None,
    articles: Iterable[str] = (),
    local: LocalHateArticles | None = None,
) -> EventRules:
    """The rules for an incident of ``organisation_id`` whose events cite ``articles``: its
    organisation's own hate-motive articles count beside the standard ones. ``local``, read
    once for many incidents, spares the query; without it, the organisation's are read only
    when an article is a local code."""
    rules = event_rules()
    if organisation_id is None:
        return rules
    if local is None:
        if not any(code.startswith(LOCAL_TERM_PREFIX) for code in articles):
            return rules
        local = hate_articles_by_organisation([organisation_id])
    own = local.get(organisation_id)
    return replace(rules, hate_articles=rules.hate_articles | own) if own else rules


def hate_sql(articles: str, organisation: str, local: LocalHateArticles) -> tuple[str, list[Any]]:
    """A condition, true when the JSON text ``articles`` (a column expression) names a hate
    article: a standard one, or an organisation's own when ``organisation`` (the column of the
    incident's organisation) is that organisation. Every value is a parameter."""
    parts: list[str] = []
    params: list[Any] = []
    for code in sorted(hate_articles()):
        parts.append(f"{articles} LIKE %s")
        params.append(f'%"{code}"%')
    for organisation_id, codes in sorted(local.items()):
        likes = " OR ".join(f"{articles} LIKE %s" for _ in codes)
        parts.append(f"({organisation} = %s AND ({likes}))")
        params.append(organisation_id)
        params.extend(f'%"{code}"%' for code in sorted(codes))
    return " OR ".join(parts) or "1 = 0", params
