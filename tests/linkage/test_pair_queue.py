# Russian text is the point of these fixtures, so Cyrillic letters that look Latin are intended.
"""The pair page as a queue: the words that differ marked, keys shown, and without script every
decision a form that posts and opens the next pair."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from dozor.audit.models import Action, AuditEntry
from dozor.linkage.models import CandidatePair, LinkDecision
from dozor.linkage.views import DECISION_KEYS, NEXT_KEY
from tests.conftest import Cast
from tests.factories import ReportFactory
from tests.linkage.conftest import NGO_FIELDS, Linkable

pytestmark = pytest.mark.django_db


def pair_url(candidate: CandidatePair) -> str:
    return reverse("linkage:pair", args=[candidate.pk])


def queue_of_three(linkable: Linkable) -> list[CandidatePair]:
    """The fixture's pair (0.97) and two more of the run, at 0.8 and 0.6: the queue's order."""
    pairs = [linkable.candidate]
    for number, probability in enumerate((0.8, 0.6)):
        first = ReportFactory(
            source_list=linkable.ngo.source_list,
            fields={**NGO_FIELDS, "date": f"2010-0{number + 1}-01"},
        )
        second = ReportFactory(
            source_list=linkable.press.source_list,
            fields={**NGO_FIELDS, "date": f"2010-0{number + 1}-02"},
        )
        pairs.append(
            CandidatePair.objects.create(
                run=linkable.run,
                report_a=first,
                report_b=second,
                match_probability=probability,
                match_weight=1.0,
            )
        )
    return pairs


def marks(html: str) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", html)


def test_only_the_words_of_a_title_that_differ_are_marked(cast: Cast, linkable: Linkable) -> None:
    html = cast.client("owner").get(pair_url(linkable.candidate)).content.decode()
    # "Нападение на уроженца Таджикистана" beside "В Петербурге избит приезжий": no word shared.
    assert "Нападение на уроженца Таджикистана" in marks(html)
    # The summaries are the same: nothing of them is marked.
    assert "Бахтиёр Нурматов избит группой молодых людей." in html
    assert not [mark for mark in marks(html) if "молодых" in mark]


def test_words_in_common_stay_unmarked_beside_those_that_differ(
    cast: Cast, linkable: Linkable
) -> None:
    fields = {**linkable.press.fields, "title": "Нападение на приезжего из Таджикистана"}
    type(linkable.press).objects.filter(pk=linkable.press.pk).update(fields=fields)
    html = cast.client("owner").get(pair_url(linkable.candidate)).content.decode()
    assert "<mark>уроженца</mark>" in html
    assert "<mark>приезжего из</mark>" in html
    assert "Нападение на " in html


def test_marked_words_are_escaped(cast: Cast, linkable: Linkable) -> None:
    hostile = '<script>alert("x")</script> <img src=x onerror=alert(1)> избит'
    fields = {**linkable.press.fields, "summary": hostile}
    type(linkable.press).objects.filter(pk=linkable.press.pk).update(fields=fields)
    html = cast.client("owner").get(pair_url(linkable.candidate)).content.decode()
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert all("<" not in mark and ">" not in mark for mark in marks(html))
    unmarked = html.replace("<mark>", "").replace("</mark>", "")
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &lt;img src=x" in unmarked


def test_the_keys_are_shown_beside_the_decisions_and_the_next_pair(
    cast: Cast, linkable: Linkable
) -> None:
    second = queue_of_three(linkable)[1]
    html = cast.client("owner").get(pair_url(linkable.candidate)).content.decode()
    for value, key in DECISION_KEYS.items():
        assert re.search(
            rf'<button type="submit" name="decision" value="{value}" data-key="{key}"[^>]*>'
            rf"[^<]*<kbd>{key}</kbd>",
            html,
        )
    assert re.search(
        rf'<a class="next-pair" href="{pair_url(second)}" rel="next" data-key="{NEXT_KEY}"', html
    )


def test_the_keys_script_is_a_static_file_not_inline(cast: Cast, linkable: Linkable) -> None:
    html = cast.client("owner").get(pair_url(linkable.candidate)).content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts == ['<script src="/static/dozor/pair_keys.js" defer>']
    assert cast.client("owner").get("/static/dozor/pair_keys.js").status_code == 200


def test_a_decision_opens_the_next_pair_in_the_queue(cast: Cast, linkable: Linkable) -> None:
    first, second, _third = queue_of_three(linkable)
    response = cast.client("owner").post(pair_url(first), {"decision": "match"})
    assert response.status_code == 302
    assert response["Location"] == pair_url(second)


def test_unsure_opens_the_next_pair_not_the_same_one_again(cast: Cast, linkable: Linkable) -> None:
    # An unsure pair stays first in the queue; the reviewer still moves on.
    first, second, _third = queue_of_three(linkable)
    response = cast.client("owner").post(pair_url(first), {"decision": "unsure"})
    assert response["Location"] == pair_url(second)


def test_the_next_pair_link_skips_without_deciding(cast: Cast, linkable: Linkable) -> None:
    first, second, third = queue_of_three(linkable)
    client = cast.client("owner")
    html = client.get(pair_url(second)).content.decode()
    assert f'href="{pair_url(third)}" rel="next"' in html
    assert not LinkDecision.objects.exists()
    # After the last pair the queue starts again at the first still waiting.
    assert f'href="{pair_url(first)}" rel="next"' in client.get(pair_url(third)).content.decode()


def test_the_last_decision_opens_the_queue(cast: Cast, linkable: Linkable) -> None:
    response = cast.client("owner").post(pair_url(linkable.candidate), {"decision": "no_match"})
    assert response["Location"] == reverse("linkage:queue")


def test_each_decision_of_the_queue_is_audited(cast: Cast, linkable: Linkable) -> None:
    client = cast.client("owner")
    for pair, decision in zip(
        queue_of_three(linkable), ("match", "no_match", "unsure"), strict=True
    ):
        client.post(pair_url(pair), {"decision": decision})
    entries = AuditEntry.objects.filter(action=Action.LINK_DECISION).order_by("id")
    assert [entry.changes["decision"] for entry in entries] == ["match", "no_match", "unsure"]
    assert {entry.actor for entry in entries} == {"owner"}


def test_a_decision_without_the_csrf_token_is_refused(cast: Cast, linkable: Linkable) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.owner)
    response = client.post(pair_url(linkable.candidate), {"decision": "match"})
    assert response.status_code == 403
    assert not LinkDecision.objects.exists()


def test_the_queue_page_starts_the_review_at_its_first_pair(cast: Cast, linkable: Linkable) -> None:
    first = queue_of_three(linkable)[0]
    html = cast.client("owner").get(reverse("linkage:queue")).content.decode()
    assert f'<a class="button" href="{pair_url(first)}">Review the pairs in order</a>' in html
