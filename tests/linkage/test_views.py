"""The review queue's pages: who may see them and what they do."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dozor.linkage.models import LinkDecision
from dozor.records.models import IncidentReport
from tests.conftest import Cast
from tests.linkage.conftest import Linkable

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("who", "status"), [("owner", 200), ("colleague", 200), ("reader", 403), ("outsider", 200)]
)
def test_the_queue_is_for_those_who_write_records(
    cast: Cast, linkable: Linkable, who: str, status: int
) -> None:
    assert cast.client(who).get(reverse("linkage:queue")).status_code == status


def test_anonymous_visitors_are_sent_to_sign_in(cast: Cast, linkable: Linkable) -> None:
    response = cast.client("anonymous").get(reverse("linkage:queue"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_queue_lists_the_candidate_pair(cast: Cast, linkable: Linkable) -> None:
    response = cast.client("owner").get(reverse("linkage:queue"))
    assert reverse("linkage:pair", args=[linkable.candidate.pk]).encode() in response.content


def test_an_outsiders_queue_is_empty(cast: Cast, linkable: Linkable) -> None:
    response = cast.client("outsider").get(reverse("linkage:queue"))
    assert reverse("linkage:pair", args=[linkable.candidate.pk]).encode() not in response.content


@pytest.mark.parametrize(("who", "status"), [("owner", 200), ("colleague", 200), ("outsider", 404)])
def test_a_pair_is_shown_to_its_organisation_only(
    cast: Cast, linkable: Linkable, who: str, status: int
) -> None:
    url = reverse("linkage:pair", args=[linkable.candidate.pk])
    assert cast.client(who).get(url).status_code == status


def test_the_pair_page_marks_the_fields_that_differ(cast: Cast, linkable: Linkable) -> None:
    response = cast.client("owner").get(reverse("linkage:pair", args=[linkable.candidate.pk]))
    content = response.content.decode()
    assert "<mark>2009-03-14</mark>" in content or "<mark>2009-03-15</mark>" in content
    assert "<mark>physical_assault</mark>" not in content


def test_a_decision_is_stored_with_who_made_it(cast: Cast, linkable: Linkable) -> None:
    url = reverse("linkage:pair", args=[linkable.candidate.pk])
    cast.client("owner").post(url, {"decision": "match", "note": "одно нападение"})
    decision = LinkDecision.objects.get()
    assert (decision.decision, decision.decided_by, decision.note) == (
        "match",
        cast.owner,
        "одно нападение",
    )
    assert decision.match_probability == pytest.approx(0.97)


def test_an_unknown_decision_is_refused_without_a_500(cast: Cast, linkable: Linkable) -> None:
    url = reverse("linkage:pair", args=[linkable.candidate.pk])
    response = cast.client("owner").post(url, {"decision": "merge"})
    assert response.status_code == 400
    assert not LinkDecision.objects.exists()


def test_a_reader_cannot_decide(cast: Cast, linkable: Linkable) -> None:
    url = reverse("linkage:pair", args=[linkable.candidate.pk])
    assert cast.client("reader").post(url, {"decision": "match"}).status_code == 403
    assert not LinkDecision.objects.exists()


def test_a_decided_pair_leaves_the_queue(cast: Cast, linkable: Linkable) -> None:
    url = reverse("linkage:pair", args=[linkable.candidate.pk])
    client = cast.client("owner")
    client.post(url, {"decision": "no_match"})
    assert url.encode() not in client.get(reverse("linkage:queue")).content


@pytest.mark.parametrize(
    ("who", "status"), [("owner", 200), ("reader", 403), ("outsider", 200), ("anonymous", 302)]
)
def test_the_clusters_page_access(cast: Cast, linkable: Linkable, who: str, status: int) -> None:
    assert cast.client(who).get(reverse("linkage:clusters")).status_code == status


def test_a_confirmed_group_becomes_an_incident_from_the_clusters_page(
    cast: Cast, linkable: Linkable
) -> None:
    client = cast.client("owner")
    client.post(reverse("linkage:pair", args=[linkable.candidate.pk]), {"decision": "match"})
    assert f'value="{linkable.candidate.report_a_id},{linkable.candidate.report_b_id}"' in (
        client.get(reverse("linkage:clusters")).content.decode()
    )
    ids = f"{linkable.ngo.id},{linkable.press.id}"
    response = client.post(reverse("linkage:clusters"), {"reports": ids})
    assert response.status_code == 302
    incidents = {link.incident_id for link in IncidentReport.objects.all()}
    assert len(incidents) == 1


def test_an_outsider_cannot_make_an_incident_of_reports_they_cannot_see(
    cast: Cast, linkable: Linkable
) -> None:
    ids = f"{linkable.ngo.id},{linkable.press.id}"
    response = cast.client("outsider").post(reverse("linkage:clusters"), {"reports": ids})
    assert response.status_code == 400
    assert not IncidentReport.objects.exists()


def test_a_garbled_group_is_refused_without_a_500(cast: Cast, linkable: Linkable) -> None:
    response = cast.client("owner").post(reverse("linkage:clusters"), {"reports": "1,x"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("who", "status"),
    [("owner", 200), ("colleague", 200), ("reader", 403), ("outsider", 404), ("anonymous", 302)],
)
def test_the_split_page_access(cast: Cast, linkable: Linkable, who: str, status: int) -> None:
    url = reverse("linkage:split", args=[cast.incident.reference])
    assert cast.client(who).get(url).status_code == status


@pytest.mark.parametrize("reports", ["9223372036854775808", "0", "-3", ","])
def test_a_group_of_ids_no_database_holds_is_refused_with_a_message_not_a_500(
    cast: Cast, linkable: Linkable, reports: str
) -> None:
    response = cast.client("owner").post(reverse("linkage:clusters"), {"reports": reports})
    assert response.status_code == 400
    assert "The group of reports was not understood." in response.content.decode()
    assert not IncidentReport.objects.exists()
