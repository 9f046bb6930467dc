from __future__ import annotations

from typing import Any

from django import template

from dozor.accounts.policy import may

register = template.Library()


@register.inclusion_tag("submissions/nav.html", takes_context=True)
def submissions_nav(context: dict[str, Any]) -> dict[str, Any]:
    """The header's links to the triage queue and the referrals, for those who use them."""
    user = context["request"].user
    return {
        "triage": may(user, "submissions.triage"),
        "referrals": may(user, "referrals.use"),
    }
