from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from dozor.accounts.models import Role
from dozor.estimation import services
from dozor.estimation.models import EstimateRun, RunStatus
from tests.estimation.conftest import World
from tests.factories import UserFactory
from tests.test_inline_styles import inline_parts

pytestmark = pytest.mark.django_db

LIST_URL = reverse("estimation:run_list")


def finished_run(world: World, method: str = "loglinear") -> EstimateRun:
    run = services.estimate_run_start(
        user=world.cast.owner, method=method, stratify_by="none", seed=3
    )
    return services.estimate_run_execute(run_id=run.pk)


@pytest.mark.parametrize("who", ["owner", "colleague", "outsider"])
def test_signed_in_users_see_the_estimates_page(world: World, who: str) -> None:
    response = world.cast.client(who).get(LIST_URL)
    assert response.status_code == 200
    assert b"<script" not in response.content


def test_anonymous_is_sent_to_sign_in(world: World) -> None:
    response = world.cast.client("anonymous").get(LIST_URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_page_offers_only_lists_with_visible_records(world: World) -> None:
    content = world.cast.client("outsider").get(LIST_URL).content.decode()
    assert "A list" in content and "C list" in content


@pytest.mark.parametrize("who", ["owner", "colleague"])
def test_a_member_starts_a_run_and_is_sent_to_it(world: World, who: str) -> None:
    response = world.cast.client(who).post(
        LIST_URL, {"method": "loglinear", "stratify_by": "year", "seed": "4"}
    )
    run = EstimateRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("estimation:run_detail", args=[run.pk])
    assert run.status == RunStatus.QUEUED and run.created_by == getattr(world.cast, who)


def test_an_outsiders_run_belongs_to_their_organisation(world: World) -> None:
    world.cast.client("outsider").post(LIST_URL, {"method": "loglinear", "stratify_by": "none"})
    assert EstimateRun.objects.get().organisation == world.cast.other_organisation


def test_anonymous_cannot_start_a_run(world: World) -> None:
    response = world.cast.client("anonymous").post(
        LIST_URL, {"method": "loglinear", "stratify_by": "year"}
    )
    assert response.status_code == 302 and not EstimateRun.objects.exists()


def test_too_few_lists_are_explained_on_the_form(world: World) -> None:
    response = world.cast.client("owner").post(
        LIST_URL,
        {"method": "loglinear", "stratify_by": "year", "lists": [world.a.pk, world.b.pk]},
    )
    assert response.status_code == 200
    assert "at least 3 source lists" in response.content.decode()
    assert not EstimateRun.objects.exists()


def test_an_unknown_stratification_is_a_form_error(world: World) -> None:
    response = world.cast.client("owner").post(
        LIST_URL, {"method": "loglinear", "stratify_by": "month"}
    )
    assert response.status_code == 200 and not EstimateRun.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("owner", 200), ("colleague", 200), ("outsider", 404)])
def test_run_view_access(world: World, who: str, status: int) -> None:
    run = finished_run(world)
    url = reverse("estimation:run_detail", args=[run.pk])
    assert world.cast.client(who).get(url).status_code == status


def test_run_view_sends_anonymous_to_sign_in(world: World) -> None:
    run = finished_run(world)
    response = world.cast.client("anonymous").get(reverse("estimation:run_detail", args=[run.pk]))
    assert response.status_code == 302


def test_a_finished_run_shows_chart_settings_seed_and_hash(world: World) -> None:
    run = finished_run(world)
    content = world.cast.client("owner").get(reverse("estimation:run_detail", args=[run.pk]))
    text = content.content.decode()
    assert "<svg" in text and run.data_hash in text and str(run.seed) in text
    assert f"dozor estimate --reproduce {run.pk}" in text
    assert 'http-equiv="refresh"' not in text and "<script" not in text


def test_a_queued_run_refreshes_itself_and_offers_cancel(world: World) -> None:
    run = services.estimate_run_start(user=world.cast.owner, method="loglinear", stratify_by="year")
    text = world.cast.client("owner").get(reverse("estimation:run_detail", args=[run.pk])).content
    assert b'http-equiv="refresh"' in text
    assert reverse("estimation:run_cancel", args=[run.pk]).encode() in text


def test_refusals_are_shown_in_russian(world: World) -> None:
    run = finished_run(world)
    client = world.cast.client("owner")
    client.post(reverse("set_language"), {"language": "ru", "next": "/"})
    text = client.get(reverse("estimation:run_detail", args=[run.pk])).content.decode()
    assert "Что предполагает эта оценка" in text


def test_who_started_a_run_cancels_it(world: World) -> None:
    run = services.estimate_run_start(user=world.cast.owner, method="loglinear", stratify_by="year")
    world.cast.client("owner").post(reverse("estimation:run_cancel", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED


def test_an_administrator_of_the_organisation_cancels_a_members_run(world: World) -> None:
    run = services.estimate_run_start(user=world.cast.owner, method="loglinear", stratify_by="year")
    admin = UserFactory(organisation=world.cast.owner.organisation, role=Role.ADMINISTRATOR)
    client = Client()
    client.force_login(admin)
    client.post(reverse("estimation:run_cancel", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED


@pytest.mark.parametrize("who", ["colleague", "reader"])
def test_a_colleague_cannot_stop_someone_elses_run(world: World, who: str) -> None:
    run = services.estimate_run_start(user=world.cast.owner, method="loglinear", stratify_by="year")
    response = world.cast.client(who).post(reverse("estimation:run_cancel", args=[run.pk]))
    run.refresh_from_db()
    assert response.status_code == 403 and run.status == RunStatus.QUEUED


@pytest.mark.parametrize(("who", "code"), [("outsider", 404), ("anonymous", 302)])
def test_others_cannot_cancel_a_run(world: World, who: str, code: int) -> None:
    run = services.estimate_run_start(user=world.cast.owner, method="loglinear", stratify_by="year")
    response = world.cast.client(who).post(reverse("estimation:run_cancel", args=[run.pk]))
    run.refresh_from_db()
    assert response.status_code == code and run.status == RunStatus.QUEUED


def test_the_run_pages_chart_carries_no_inline_style(world: World) -> None:
    """The Content-Security-Policy refuses inline style, so the chart uses SVG attributes."""
    run = finished_run(world)
    page = world.cast.client("owner").get(reverse("estimation:run_detail", args=[run.pk]))
    text = page.content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in text and 'font-size="12"' in text
    assert inline_parts(text) == []
