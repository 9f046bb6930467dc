"""Published figures keep their history: publish a run's figure, revise it, read every revision."""

from __future__ import annotations

import datetime
import json
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from dozor.accounts.models import Role, User
from dozor.audit.models import Action, AuditEntry
from dozor.estimation import services
from dozor.estimation.models import EstimateRun, PublishedFigure, PublishedSeries
from tests.estimation.conftest import World, incident_add, incident_on
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FIRST_DAY = datetime.datetime(2010, 1, 15, 10, 0, tzinfo=datetime.UTC)
A_YEAR_LATER = datetime.datetime(2011, 1, 20, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def analyst(world: World) -> User:
    return UserFactory(username="analyst", organisation=world.cast.organisation, role=Role.ANALYST)


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def finished(world: World, method: str = "loglinear", by: str = "year") -> EstimateRun:
    run = services.estimate_run_start(user=world.cast.owner, method=method, stratify_by=by, seed=1)
    return services.estimate_run_execute(run_id=run.pk)


def publish(user: User, run: EstimateRun, **data: str) -> Any:
    return client_of(user).post(reverse("estimation:run_publish", args=[run.pk]), data)


@pytest.fixture
def on(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Publish on a given day: ``on(day)``."""

    def at(day: datetime.datetime) -> None:
        monkeypatch.setattr(services, "_now", lambda: day)

    return at


def test_an_analyst_publishes_an_estimate_from_the_page(world: World, analyst: User) -> None:
    run = finished(world, by="none")
    response = publish(analyst, run, stratum="all", method="loglinear", kind="estimate")
    figure = PublishedFigure.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("estimation:published_history", args=[figure.series_id])
    stored = run.result_for("all", "loglinear")
    assert stored is not None
    assert (figure.number, figure.figure, figure.lower) == (1, stored["estimate"], stored["lower"])
    assert (figure.documented, figure.method, figure.published_by) == (5, "loglinear", analyst)
    assert (figure.run, figure.data_hash, figure.seed) == (run, run.data_hash, run.seed)


def test_publishing_is_in_the_audit_trail(world: World, analyst: User) -> None:
    run = finished(world, by="none")
    publish(analyst, run, stratum="all", method="loglinear", kind="estimate")
    entry = AuditEntry.objects.get(action=Action.PUBLISH)
    assert entry.actor == "analyst" and entry.target_type == "estimation.publishedfigure"
    assert entry.changes["revision"] == 1 and entry.changes["run"] == run.pk


def test_a_later_run_for_the_same_group_is_a_new_revision(
    world: World, analyst: User, on: Any
) -> None:
    on(FIRST_DAY)
    publish(analyst, finished(world), stratum="2009", kind="documented")
    # A year on, one more incident of 2009 has come to light on list A.
    incident_on(incident_add(world.cast.organisation, "i8", 2009, "RU-MOW"), world.a)
    on(A_YEAR_LATER)
    publish(analyst, finished(world), stratum="2009", kind="documented")
    series = PublishedSeries.objects.get()
    first, second = series.revisions.order_by("number")
    assert (series.revision, first.figure, second.figure) == (2, 3, 4)
    assert (first.published_at, second.published_at) == (FIRST_DAY, A_YEAR_LATER)


def test_the_history_page_lists_every_revision_with_its_date_and_change(
    world: World, analyst: User, on: Any
) -> None:
    on(FIRST_DAY)
    publish(analyst, finished(world), stratum="2009", kind="documented")
    incident_on(incident_add(world.cast.organisation, "i8", 2009, "RU-MOW"), world.a)
    on(A_YEAR_LATER)
    publish(analyst, finished(world), stratum="2009", kind="documented")
    series = PublishedSeries.objects.get()
    url = reverse("estimation:published_history", args=[series.pk])
    text = world.cast.client("reader").get(url).content.decode()
    assert "2010-01-15" in text and "2011-01-20" in text
    assert "+1 (+33.3%)" in text
    assert "The figure in force is revision 2, published on 2011-01-20." in text


def test_publishing_the_same_figure_of_the_same_run_again_adds_no_revision(
    world: World, analyst: User
) -> None:
    run = finished(world, by="none")
    publish(analyst, run, stratum="all", method="loglinear", kind="estimate")
    publish(analyst, run, stratum="all", method="loglinear", kind="estimate")
    assert PublishedFigure.objects.count() == 1


def test_an_estimate_and_a_documented_count_are_separate_figures(
    world: World, analyst: User
) -> None:
    run = finished(world, by="none")
    publish(analyst, run, stratum="all", method="loglinear", kind="estimate")
    publish(analyst, run, stratum="all", kind="documented")
    assert sorted(PublishedSeries.objects.values_list("kind", "revision")) == [
        ("documented", 1),
        ("estimate", 1),
    ]


def test_other_lists_make_another_figure(world: World, analyst: User) -> None:
    publish(analyst, finished(world, by="none"), stratum="all", kind="documented")
    fourth = world.a.__class__.objects.create(name="D list", organisation=world.cast.organisation)
    incident_on(world.incidents["i1"], fourth)
    publish(analyst, finished(world, by="none"), stratum="all", kind="documented")
    assert PublishedSeries.objects.count() == 2


def test_an_administrator_publishes(world: World) -> None:
    admin = UserFactory(organisation=world.cast.organisation, role=Role.ADMINISTRATOR)
    assert (
        publish(admin, finished(world, by="none"), stratum="all", kind="documented").status_code
        == 302
    )
    assert PublishedFigure.objects.count() == 1


@pytest.mark.parametrize(("who", "status"), [("owner", 403), ("reader", 403), ("outsider", 404)])
def test_others_may_not_publish(world: World, who: str, status: int) -> None:
    run = finished(world, by="none")
    response = world.cast.client(who).post(
        reverse("estimation:run_publish", args=[run.pk]), {"stratum": "all", "kind": "documented"}
    )
    assert response.status_code == status and not PublishedFigure.objects.exists()


def test_the_service_refuses_a_documenter(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.estimate_publish(
            user=world.cast.owner, run=finished(world, by="none"), stratum="all"
        )


def test_a_refused_group_has_no_estimate_to_publish_but_its_count(
    world: World, analyst: User
) -> None:
    run = finished(world)  # 2008: list C recorded nothing, the estimator refused
    with pytest.raises(ValidationError) as caught:
        services.estimate_publish(user=analyst, run=run, stratum="2008", method="loglinear")
    assert caught.value.code == "refused"
    figure = services.estimate_publish(user=analyst, run=run, stratum="2008", kind="documented")
    assert figure.figure == 2 and figure.lower is None


def test_an_estimate_not_converged_is_not_published(
    world: World, analyst: User, shaped: dict[str, dict[str, Any]]
) -> None:
    shaped["loglinear"] = {"status": "not_converged", "cautions": []}
    run = finished(world, by="none")
    client = client_of(analyst)
    response = client.post(
        reverse("estimation:run_publish", args=[run.pk]),
        {"stratum": "all", "method": "loglinear", "kind": "estimate"},
    )
    assert response.status_code == 302 and not PublishedFigure.objects.exists()
    assert "is not a figure to quote" in client.get(response["Location"]).content.decode()


def test_an_unfinished_run_is_not_published(world: World, analyst: User) -> None:
    run = services.estimate_run_start(user=world.cast.owner, method="loglinear", stratify_by="none")
    with pytest.raises(ValidationError) as caught:
        services.estimate_publish(user=analyst, run=run, stratum="all", kind="documented")
    assert caught.value.code == "not_done"


def test_a_group_the_run_does_not_have_is_named(world: World, analyst: User) -> None:
    with pytest.raises(ValidationError, match="no result for the group “1999”"):
        services.estimate_publish(user=analyst, run=finished(world), stratum="1999")


def test_a_published_figure_cannot_be_changed_or_deleted(world: World, analyst: User) -> None:
    figure = services.estimate_publish(
        user=analyst, run=finished(world, by="none"), stratum="all", kind="documented"
    )
    figure.figure = 1
    with pytest.raises(TypeError):
        figure.save()
    with pytest.raises(TypeError):
        figure.delete()
    with pytest.raises(TypeError):
        PublishedFigure.objects.update(figure=1)
    with pytest.raises(TypeError):
        PublishedFigure.objects.all().delete()


def test_the_run_page_links_a_published_figure(world: World, analyst: User) -> None:
    run = finished(world, by="none")
    figure = services.estimate_publish(user=analyst, run=run, stratum="all", method="loglinear")
    page = client_of(analyst).get(reverse("estimation:run_detail", args=[run.pk])).content.decode()
    assert reverse("estimation:published_history", args=[figure.series_id]) in page
    assert "published, revision 1" in page


@pytest.mark.parametrize(("who", "status"), [("reader", 200), ("outsider", 404)])
def test_a_figure_is_seen_by_its_organisation_only(
    world: World, analyst: User, who: str, status: int
) -> None:
    figure = services.estimate_publish(
        user=analyst, run=finished(world, by="none"), stratum="all", kind="documented"
    )
    url = reverse("estimation:published_history", args=[figure.series_id])
    assert world.cast.client(who).get(url).status_code == status
    listing = world.cast.client(who).get(reverse("estimation:published_list")).content.decode()
    assert (url in listing) is (status == 200)


def test_a_later_runs_page_shows_the_figure_quoted_as_known_on_its_date(
    world: World, analyst: User, on: Any
) -> None:
    on(FIRST_DAY)
    publish(analyst, finished(world), stratum="2009", kind="documented")
    incident_on(incident_add(world.cast.organisation, "i8", 2009, "RU-MOW"), world.a)
    run = finished(world)
    page = client_of(analyst).get(reverse("estimation:run_detail", args=[run.pk]))
    assert "Published as known on 2010-01-15: 3; this run: +1 (+33.3%)" in page.content.decode()


def test_an_analyst_publishes_by_command(world: World, analyst: User) -> None:
    run = finished(world, by="none")
    out = StringIO()
    call_command(
        *("estimate", "--publish", str(run.pk), "--stratum", "all", "--method", "loglinear"),
        *("--user", "analyst", "--json"),
        stdout=out,
    )
    published = json.loads(out.getvalue())
    figure = PublishedFigure.objects.get()
    assert (published["revision"], published["figure"]) == (1, figure.figure)
    entry = AuditEntry.objects.get(action=Action.PUBLISH)
    assert entry.origin == "command:estimate" and entry.actor == "analyst"


def test_publishing_by_command_is_refused_to_a_documenter(world: World) -> None:
    run = finished(world, by="none")
    with pytest.raises(CommandError, match="analysts and administrators"):
        call_command(
            *("estimate", "--publish", str(run.pk), "--stratum", "all", "--documented"),
            *("--user", "owner"),
        )
    assert not PublishedFigure.objects.exists()


def test_publishing_by_command_needs_the_group(world: World, analyst: User) -> None:
    run = finished(world, by="none")
    with pytest.raises(CommandError, match="--publish needs --stratum"):
        call_command("estimate", "--publish", str(run.pk), "--user", "analyst")
