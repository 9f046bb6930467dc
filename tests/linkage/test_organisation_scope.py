# Russian names are the point of these fixtures, so Cyrillic letters that look Latin are intended.
"""Linkage stays inside the organisation that owns the reports.

Two organisations: A (the cast's "Северный маяк": owner, colleague, reader) and B (the
outsider's). A's public incident is visible to B, but its reports, pairs, decisions and links are
A's alone; B's work never reaches A's queue, A's labels or A's incidents.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from dozor.accounts.models import Organisation, Role
from dozor.analysis.linkage.model import MSG_TOO_LITTLE_TO_TRAIN
from dozor.demo.generator import demo_generate
from dozor.demo.services import demo_load
from dozor.linkage import services
from dozor.linkage.models import CandidatePair, Decision, LinkageRun, LinkDecision
from dozor.linkage.selectors import (
    pair_differences,
    review_queue,
    summary_shown,
)
from dozor.records.models import Incident, IncidentReport, Report, SourceList
from dozor.records.services import incident_link_reports
from tests.conftest import Cast
from tests.factories import (
    IncidentFactory,
    OrganisationFactory,
    ReportFactory,
    SourceListFactory,
    UserFactory,
)
from tests.linkage.conftest import NGO_FIELDS, PRESS_FIELDS

pytestmark = pytest.mark.django_db

VICTIM = "Бахтиёр Нурматов"


@dataclass
class TwoOrganisations:
    public: Incident  # A's, public: B may read it
    public_other: Incident  # A's, public too
    confidential: Incident  # A's, confidential
    own: Incident  # B's
    public_reports: list[Report]  # A's reports, one in each of A's public incidents
    confidential_report: Report  # A's report, part of A's confidential incident
    b_report: Report  # a report of B's own list
    run: LinkageRun  # A's run, with a pair between A's two public reports
    candidate: CandidatePair


@pytest.fixture
def two(cast: Cast) -> TwoOrganisations:
    a_list = SourceListFactory(organisation=cast.organisation, name="Список А")
    b_list = SourceListFactory(organisation=cast.other_organisation, name="Список Б")
    public = IncidentFactory(organisation=cast.organisation, confidentiality="public")
    public_other = IncidentFactory(organisation=cast.organisation, confidentiality="public")
    confidential = IncidentFactory(
        organisation=cast.organisation, confidentiality="confidential", reference="RU-2024-00009"
    )
    own = IncidentFactory(organisation=cast.other_organisation, confidentiality="restricted")
    first = ReportFactory(source_list=a_list, fields=NGO_FIELDS)
    second = ReportFactory(source_list=a_list, fields=PRESS_FIELDS)
    secret = ReportFactory(source_list=a_list, fields=NGO_FIELDS)
    incident_link_reports(incident=public, reports=[first], user=cast.owner)
    incident_link_reports(incident=public_other, reports=[second], user=cast.owner)
    incident_link_reports(incident=confidential, reports=[secret], user=cast.owner)
    b_report = ReportFactory(source_list=b_list, fields={**NGO_FIELDS, "date": "2015-06-01"})
    run = LinkageRun.objects.create(
        organisation=cast.organisation, started_by=cast.owner, threshold=0.1
    )
    candidate = CandidatePair.objects.create(
        run=run, report_a=first, report_b=second, match_probability=0.9, match_weight=4.0
    )
    return TwoOrganisations(
        public, public_other, confidential, own, [first, second], secret, b_report, run, candidate
    )


def _linked_incident(report: Report) -> int:
    return IncidentReport.objects.get(report=report).incident_id


# Runs


@pytest.fixture
def demo_owner() -> str:
    """The demo, its NGO and press lists held by the organisation that owns every incident, the
    partner's list by the partner; every incident made public, so the partner may read them all.
    Returns the name of a documenter of the owning organisation."""
    demo_load(dataset=demo_generate(size=80, seed=5), user=None)
    owner = Organisation.objects.filter(incidents__isnull=False).distinct().get()
    SourceList.objects.exclude(kind="partner_list").update(organisation=owner)
    Incident.objects.update(confidentiality="public")
    return UserFactory(username="documenter", organisation=owner, role=Role.DOCUMENTER).username


def test_a_run_takes_only_the_reports_of_the_users_own_lists(demo_owner: str) -> None:
    out = StringIO()
    call_command("link", "--user", demo_owner, "--json", stdout=out)
    own = set(Report.objects.exclude(source_list__kind="partner_list").values_list("id", flat=True))
    # The partner's reports are part of the owner's incidents, and still not the owner's to link.
    assert json.loads(out.getvalue())["reports"] == len(own) < Report.objects.count()
    paired = set(CandidatePair.objects.values_list("report_a", flat=True)) | set(
        CandidatePair.objects.values_list("report_b", flat=True)
    )
    assert paired and paired <= own


def test_a_documenter_of_another_organisation_takes_no_report_of_its_public_incidents(
    cast: Cast, two: TwoOrganisations
) -> None:
    Report.objects.filter(pk=two.b_report.pk).delete()
    with pytest.raises(CommandError, match="fewer than two reports"):
        call_command("link", "--user", "outsider")
    assert not LinkageRun.objects.filter(organisation=cast.other_organisation).exists()


def test_a_run_with_too_little_to_learn_from_says_so_without_a_traceback(cast: Cast) -> None:
    source_list = SourceListFactory(organisation=cast.other_organisation)
    for number, region in enumerate(["RU-SPE", "RU-MOW", "RU-KLU"]):
        ReportFactory(
            source_list=source_list,
            fields={**NGO_FIELDS, "date": f"201{number}-01-0{number + 1}", "region": region},
        )
    with pytest.raises(CommandError) as error:
        call_command("link", "--user", "outsider")
    assert str(error.value).startswith(MSG_TOO_LITTLE_TO_TRAIN.format(count=3))
    assert not LinkageRun.objects.filter(organisation=cast.other_organisation).exists()


# Pair pages


def test_a_pair_of_another_organisations_reports_is_not_shown(
    cast: Cast, two: TwoOrganisations
) -> None:
    # A pair an earlier run of B stored over A's public reports, before runs were scoped.
    run = LinkageRun.objects.create(
        organisation=cast.other_organisation, started_by=cast.outsider, threshold=0.1
    )
    stale = CandidatePair.objects.create(
        run=run,
        report_a=two.public_reports[0],
        report_b=two.public_reports[1],
        match_probability=0.9,
        match_weight=4.0,
    )
    client = cast.client("outsider")
    assert client.get(reverse("linkage:pair", args=[stale.pk])).status_code == 404
    queue = client.get(reverse("linkage:queue")).content.decode()
    assert reverse("linkage:pair", args=[stale.pk]) not in queue
    assert VICTIM not in queue


def test_the_owner_sees_the_victims_names_and_summary_on_the_pair_page(
    cast: Cast, two: TwoOrganisations
) -> None:
    content = (
        cast.client("owner").get(reverse("linkage:pair", args=[two.candidate.pk])).content.decode()
    )
    assert VICTIM in content
    assert NGO_FIELDS["summary"] in content


def test_without_the_name_grant_the_pair_shows_pseudonyms_and_redacts_free_text(
    cast: Cast, two: TwoOrganisations
) -> None:
    analyst = UserFactory(organisation=cast.organisation, role=Role.ANALYST)
    rows = {str(row["label"]): row for row in pair_differences(analyst, *two.public_reports)}
    assert rows["Victims"]["left"] == "Victim A (male, 31)"
    assert rows["Summary"]["left"] == "Victim A избит группой молодых людей."
    assert rows["Title"]["left"] == NGO_FIELDS["title"]
    assert VICTIM not in json.dumps([str(row["left"]) + str(row["right"]) for row in rows.values()])


def test_with_the_name_grant_the_pair_shows_names_and_free_text(
    cast: Cast, two: TwoOrganisations
) -> None:
    analyst = UserFactory(organisation=cast.organisation, role=Role.ANALYST, can_see_names=True)
    rows = {str(row["label"]): row for row in pair_differences(analyst, *two.public_reports)}
    assert rows["Victims"]["left"].startswith(VICTIM)
    assert summary_shown(analyst, two.public_reports[0]) == NGO_FIELDS["summary"]


def test_another_organisation_never_sees_the_free_text_of_a_public_incidents_report(
    cast: Cast, two: TwoOrganisations
) -> None:
    assert summary_shown(cast.outsider, two.public_reports[0]) is None


# Links


def test_a_documenter_of_another_organisation_cannot_move_a_report_out_of_a_confidential_incident(
    cast: Cast, two: TwoOrganisations
) -> None:
    response = cast.client("outsider").post(
        reverse("linkage:clusters"),
        {"reports": str(two.confidential_report.id), "incident": two.own.reference},
    )
    assert response.status_code == 400
    assert _linked_incident(two.confidential_report) == two.confidential.id
    assert two.confidential.reference not in response.content.decode()


def test_a_documenter_of_another_organisation_cannot_move_a_report_out_of_a_public_incident(
    cast: Cast, two: TwoOrganisations
) -> None:
    response = cast.client("outsider").post(
        reverse("linkage:clusters"),
        {"reports": str(two.public_reports[0].id), "incident": two.own.reference},
    )
    assert response.status_code == 400
    assert _linked_incident(two.public_reports[0]) == two.public.id


def test_the_refusal_does_not_name_another_organisations_incident(
    cast: Cast, two: TwoOrganisations
) -> None:
    response = cast.client("outsider").post(
        reverse("linkage:clusters"),
        {"reports": f"{two.confidential_report.id},{two.b_report.id}"},
    )
    content = response.content.decode()
    assert response.status_code == 400
    assert two.confidential.reference not in content
    assert f"Report {two.confidential_report.id} cannot be linked by you." in content
    assert not IncidentReport.objects.filter(report=two.b_report).exists()


def test_a_report_leaves_an_incident_only_for_someone_who_may_change_that_incident(
    cast: Cast, two: TwoOrganisations
) -> None:
    # A's report sits in B's incident (linked before links were scoped); B's incident is public.
    Incident.objects.filter(pk=two.own.pk).update(confidentiality="public")
    stray = ReportFactory(source_list=two.public_reports[0].source_list, fields=NGO_FIELDS)
    incident_link_reports(incident=two.own, reports=[stray], user=cast.outsider)
    response = cast.client("owner").post(
        reverse("linkage:clusters"), {"reports": str(stray.id), "incident": two.public.reference}
    )
    assert response.status_code == 400
    assert _linked_incident(stray) == two.own.id


def test_the_owner_still_moves_a_report_between_incidents_of_the_organisation(
    cast: Cast, two: TwoOrganisations
) -> None:
    response = cast.client("owner").post(
        reverse("linkage:clusters"),
        {"reports": str(two.confidential_report.id), "incident": two.public.reference},
    )
    assert response.status_code == 302
    assert _linked_incident(two.confidential_report) == two.public.id


# Decisions


def test_a_documenter_of_another_organisation_cannot_decide_on_a_public_incidents_reports(
    cast: Cast, two: TwoOrganisations
) -> None:
    with pytest.raises(services.ValidationError) as error:
        services.link_decision_record(
            user=cast.outsider,
            first=two.public_reports[0],
            second=two.public_reports[1],
            decision=Decision.NO_MATCH,
        )
    assert error.value.messages == [f"Report {two.public_reports[0].id} cannot be linked by you."]
    assert not LinkDecision.objects.exists()


def test_another_organisations_decision_neither_empties_the_queue_nor_trains_the_next_run(
    cast: Cast, two: TwoOrganisations, monkeypatch: pytest.MonkeyPatch
) -> None:
    # B's decision on A's reports, made before decisions were scoped.
    LinkDecision.objects.create(
        organisation=cast.other_organisation,
        report_a=two.public_reports[0],
        report_b=two.public_reports[1],
        decision=Decision.NO_MATCH,
        decided_by=cast.outsider,
    )
    assert [entry.candidate for entry in review_queue(cast.owner)] == [two.candidate]
    labels = []

    def capture(frame: object, *, decisions: object, options: object) -> object:
        labels.append(decisions)
        raise services.linkage.LinkageInputError("stop here")

    monkeypatch.setattr(services.linkage, "link_reports", capture)
    with pytest.raises(services.linkage.LinkageInputError):
        services.linkage_run_create(user=cast.owner)
    assert labels == [None]


def test_a_decision_belongs_to_the_deciders_organisation(cast: Cast, two: TwoOrganisations) -> None:
    cast.client("owner").post(
        reverse("linkage:pair", args=[two.candidate.pk]), {"decision": "no_match"}
    )
    assert LinkDecision.objects.get().organisation == cast.organisation


# Splits


@pytest.fixture
def mixed(cast: Cast, two: TwoOrganisations) -> list[Report]:
    """A's incident made of two of A's reports and one of B's (as a coalition's merged account
    once was): the reports in the order A's, A's, B's."""
    second_own = ReportFactory(source_list=two.public_reports[0].source_list, fields=PRESS_FIELDS)
    reports = [two.public_reports[0], second_own, two.b_report]
    incident_link_reports(incident=two.public, reports=reports, user=cast.owner)
    return reports


def test_another_organisations_report_cannot_be_split_off_an_incident(
    cast: Cast, two: TwoOrganisations, mixed: list[Report]
) -> None:
    response = cast.client("owner").post(
        reverse("linkage:split", args=[two.public.reference]), {"reports": [str(mixed[2].id)]}
    )
    assert response.status_code == 400
    assert f"Report {mixed[2].id} cannot be linked by you." in response.content.decode()
    assert _linked_incident(mixed[2]) == two.public.id


def test_a_split_decides_nothing_about_another_organisations_report_it_keeps(
    cast: Cast, two: TwoOrganisations, mixed: list[Report]
) -> None:
    response = cast.client("owner").post(
        reverse("linkage:split", args=[two.public.reference]), {"reports": [str(mixed[1].id)]}
    )
    assert response.status_code == 302
    assert _linked_incident(mixed[1]) != two.public.id
    assert _linked_incident(mixed[2]) == two.public.id
    decisions = LinkDecision.objects.values_list("report_a", "report_b", "organisation")
    assert list(decisions) == [(mixed[0].id, mixed[1].id, cast.organisation.id)]


# The migration


@pytest.mark.django_db(transaction=True)
def test_decisions_made_before_the_migration_take_the_organisation_of_who_made_them() -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    owner, other = OrganisationFactory(), OrganisationFactory()
    outsider = UserFactory(organisation=other)
    source_list = SourceListFactory(organisation=owner)
    first, second = ReportFactory(source_list=source_list), ReportFactory(source_list=source_list)
    LinkDecision.objects.create(
        organisation=owner,
        report_a=first,
        report_b=second,
        decision=Decision.NO_MATCH,
        decided_by=outsider,
    )
    executor = MigrationExecutor(connection)
    executor.migrate([("linkage", "0001_initial")])
    # Every app's latest migrations, not only linkage's: going back to linkage 0001 also undid
    # those of other apps that depend on its later ones (records 0009 and after, the search
    # tokens' tables among them), and the tests after this one need them.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert LinkDecision.objects.get().organisation == other
