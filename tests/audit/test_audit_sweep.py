"""The audit sweep: every action of issue 12, item 5, done through the user's door, and its entry.

Each case imports, views, exports, corrects, drafts, prints, links, changes official figures or
is refused as a person would (the test client, or the command), then the entries written by it
must hold one with the action, the user, the record type, where it came from and — for exports,
prints and views — whether names were in what the person got. The chain stays intact.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from dozor.accounts.models import Organisation, Role, User
from dozor.audit.models import Action, AuditEntry
from dozor.audit.selectors import audit_verify
from dozor.demo.generator import demo_generate
from dozor.demo.services import demo_load
from dozor.intake import views as intake_views
from dozor.intake.mapping import mapping_parse
from dozor.intake.models import ImportBatch, ImportKind, QuarantinedRow
from dozor.intake.services import import_run
from dozor.linkage import views as linkage_views
from dozor.linkage.models import AcceptBatch, CandidatePair, LinkageRun
from dozor.press.models import DraftReport
from dozor.press.services import draft_create
from dozor.records.models import Incident, Report, SourceList
from dozor.responses.models import Body, RaiseListEntry, Raising, ResponseEvent
from tests.conftest import Cast
from tests.estimation.conftest import world_build
from tests.factories import (
    IncidentFactory,
    PersonFactory,
    ReportFactory,
    SourceListFactory,
    UserFactory,
)
from tests.intake.conftest import SMALL_MAPPING
from tests.responses.factories import ResponseEventFactory

pytestmark = pytest.mark.django_db

VICTIM = "Фарход Каримзода"
# One stored row, one quarantined (its date cannot be read).
PARTNER_CSV = "id,Дата,Мотив,Убито\n1,04.12.2008,ксенофобия,0\n2,позавчера,расизм,0\n"
PRESS_TEXT = (
    "В Екатеринбурге избили женщину\n\nВ ночь на субботу в Екатеринбурге неизвестные избили "
    "Анну Щербакову. Щербакова госпитализирована."
)
DRAFT_FIELDS = {
    "title": "Нападение в Екатеринбурге",
    "date": "2024-03-02",
    "date_precision": "day",
    "region": "RU-SVE",
    "locality": "Екатеринбург",
    "incident_type": "physical_assault",
    "bias_motivations": ["anti_muslim"],
    "killed": "0",
    "injured": "1",
    "victims": "Анна Щербакова | female",
}
# A corrected mapping that changes the stored report (it adds the country), and one that cannot
# read its date.
REMAP_MAPPING = SMALL_MAPPING + "  country:\n    type: country\n    default: RU\n"
UNREADABLE_MAPPING = SMALL_MAPPING.replace('["%d.%m.%Y", "%Y-%m-%d"]', '["%Y-%m-%d"]')
OFFICIAL = {
    "country": "RU",
    "year": "2019",
    "recorded": "585",
    "prosecuted": "368",
    "sentenced": "320",
    "source": "ODIHR hate crime reporting, 2019",
}


@dataclass
class World:
    cast: Cast
    tmp: Path
    admin: User
    source_list_name: str
    mapping_path: Path
    csv_path: Path
    quarantined: QuarantinedRow
    draft: DraftReport
    event: ResponseEvent
    pair: CandidatePair

    def client(self, who: str) -> Client:
        if who == "admin":
            client = Client()
            client.force_login(self.admin)
            return client
        return self.cast.client(who)


@pytest.fixture
def world(cast: Cast, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setattr(intake_views, "RUN_IN_THREAD", False)
    monkeypatch.setattr(linkage_views, "RUN_IN_THREAD", False)
    PersonFactory(incident=cast.incident, name=VICTIM, pseudonym="Victim A")
    source_list = SourceListFactory(name="Партнёр", organisation=cast.organisation)
    mapping_path = tmp_path / "partner.yaml"
    mapping_path.write_text(SMALL_MAPPING, encoding="utf-8")
    csv_path = tmp_path / "partner.csv"
    csv_path.write_text(PARTNER_CSV, encoding="utf-8")
    summary = import_run(
        user=cast.owner,
        source_list=source_list,
        path=csv_path,
        file_name="partner.csv",
        mapping=mapping_parse(SMALL_MAPPING, "partner.yaml"),
    )
    press_list = SourceListFactory(name="Пресса", kind="press_scan", organisation=cast.organisation)
    draft, _created = draft_create(
        source_list=press_list,
        text=PRESS_TEXT,
        published=datetime.date(2024, 3, 4),
        user=cast.owner,
        url="https://example.org/1",
    )
    first = ReportFactory(source_list=source_list, fields={"date": "2009-03-14"})
    second = ReportFactory(source_list=press_list, fields={"date": "2009-03-15"})
    run = LinkageRun.objects.create(
        organisation=cast.organisation, started_by=cast.owner, threshold=0.1
    )
    low, high = sorted((first, second), key=lambda report: report.id)
    pair = CandidatePair.objects.create(
        run=run, report_a=low, report_b=high, match_probability=0.97, match_weight=5.0
    )
    return World(
        cast=cast,
        tmp=tmp_path,
        admin=UserFactory(
            username="admin", organisation=cast.organisation, role=Role.ADMINISTRATOR
        ),
        source_list_name=source_list.name,
        mapping_path=mapping_path,
        csv_path=csv_path,
        quarantined=QuarantinedRow.objects.get(batch_id=summary.batch),
        draft=draft,
        event=ResponseEventFactory(incident=cast.incident, kind="closed"),
        pair=pair,
    )


def command(*args: str) -> None:
    call_command(*args, stdout=StringIO(), stderr=StringIO())


# --- the actions, each through the user's door ---------------------------------------------


def import_on_the_web(world: World) -> None:
    client = world.client("owner")
    source_list = world.cast.organisation.source_lists.get(name=world.source_list_name)
    upload = client.post(
        reverse("intake:import_new"),
        {
            "file": SimpleUploadedFile(
                "second.csv", "id,Дата,Мотив,Убито\n9,05.12.2008,,0\n".encode()
            ),
            "source_list": source_list.pk,
            "mapping_text": SMALL_MAPPING,
        },
    )
    assert upload.status_code == 302, upload.content
    token = upload["Location"].rstrip("/").split("/")[-1]
    assert client.post(reverse("intake:import_confirm", args=[token])).status_code == 302


def import_by_command(world: World) -> None:
    other = world.tmp / "other.csv"
    other.write_text("id,Дата,Мотив,Убито\n7,06.12.2008,,0\n", encoding="utf-8")
    command(
        "import",
        str(other),
        "--source-list",
        world.source_list_name,
        "--mapping",
        str(world.mapping_path),
        "--user",
        "owner",
    )


def remap_by_command(mapping: str, *options: str) -> Callable[[World], None]:
    def action(world: World) -> None:
        path = world.tmp / "corrected.yaml"
        path.write_text(mapping, encoding="utf-8")
        command("import", "--remap", "--source-list", world.source_list_name, "--mapping",
                str(path), "--user", "owner", *options)  # fmt: skip

    return action


def _first_import(world: World) -> int:
    return world.quarantined.batch_id


def remap_on_the_web(world: World) -> None:
    url = reverse("intake:remap_confirm", args=[_first_import(world)])
    response = world.client("owner").post(url, {"mapping_text": REMAP_MAPPING})
    assert response.status_code == 302, response.content[:300]


def remap_preview(world: World) -> None:
    url = reverse("intake:remap", args=[_first_import(world)])
    response = world.client("owner").post(url, {"mapping_text": REMAP_MAPPING})
    assert response.status_code == 200, response.content[:300]


def remap_problems_page(world: World) -> None:
    remap_by_command(UNREADABLE_MAPPING)(world)
    batch = ImportBatch.objects.get(kind=ImportKind.REMAP)
    assert batch.unreadable == 1
    response = world.client("owner").get(reverse("intake:import_detail", args=[batch.pk]))
    assert response.status_code == 200


def _filled(text: str, world: World) -> str:
    return text.format(world=world, ref=world.cast.incident.reference)


def get(who: str, url: str, **query: str) -> Callable[[World], None]:
    def action(world: World) -> None:
        filled = {key: _filled(value, world) for key, value in query.items()}
        response = world.client(who).get(_filled(url, world), filled)
        assert response.status_code == 200, response.content[:300]

    return action


def post(who: str, url: str, data: dict[str, Any], status: int = 302) -> Callable[[World], None]:
    def action(world: World) -> None:
        response = world.client(who).post(_filled(url, world), data)
        assert response.status_code == status, response.content[:300]

    return action


def correct_quarantined_row(world: World) -> None:
    url = reverse("intake:quarantine_correct", args=[world.quarantined.pk])
    cells = {
        f"cell_{position}": "07.12.2008" if column == "Дата" else str(value)
        for position, (column, value) in enumerate(world.quarantined.raw.items())
    }
    response = world.client("owner").post(url, cells)
    assert response.status_code == 302, response.content[:500]


def fix_quarantined_row_by_command(world: World) -> None:
    command(
        "quarantine",
        "fix",
        str(world.quarantined.pk),
        "--user",
        "owner",
        "--set",
        "Дата=07.12.2008",
    )


def draft_by_command(world: World) -> None:
    text = world.tmp / "article.txt"
    text.write_text(
        "Date: 2024-03-05\n\nВ Казани избили студента\n\nНеизвестные избили Ильдара Галиева.",
        encoding="utf-8",
    )
    command("press", str(text), "--source-list", "Пресса", "--user", "owner")


def dossier_by_command(world: World) -> None:
    out = world.tmp / "dossier.html"
    command(
        "dossier", world.cast.incident.reference, "--user", "owner", "--names", "--out", str(out)
    )
    assert VICTIM in out.read_text(encoding="utf-8")


def export_by_command(world: World) -> None:
    out = world.tmp / "incidents.csv"
    command("export", "incidents", "--user", "owner", "--format", "csv", "--out", str(out))
    assert VICTIM in out.read_text(encoding="utf-8")


def link_by_command(world: World) -> None:
    # The demo numbers its incidents itself: keep the cast's incident out of its way.
    Incident.objects.filter(pk=world.cast.incident.pk).update(reference="XX-1990-99999")
    demo_load(dataset=demo_generate(size=80, seed=5), user=None)
    owner = (
        Organisation.objects.filter(incidents__isnull=False)
        .exclude(pk=world.cast.organisation.pk)
        .distinct()
        .get()
    )
    # Linkage takes the reports of the organisation's own lists: let it hold the demo's.
    SourceList.objects.exclude(organisation=world.cast.organisation).update(organisation=owner)
    UserFactory(username="linker", organisation=owner, role=Role.DOCUMENTER)
    command("link", "--user", "linker")


ACCEPTABLE_FIELDS = {
    "date": "2009-03-14",
    "date_precision": "day",
    "region": "RU-SPE",
    "incident_type": "physical_assault",
    "victims": [{"name": VICTIM, "sex": "male", "age": 30}],
}


def _run_with_a_group(world: World) -> None:
    """A run of the owner's organisation whose strongest pair the owner may accept."""
    source_list = world.cast.organisation.source_lists.get(name=world.source_list_name)
    first = ReportFactory(source_list=source_list, fields=ACCEPTABLE_FIELDS)
    second = ReportFactory(source_list=source_list, fields={**ACCEPTABLE_FIELDS, "injured": 1})
    run = LinkageRun.objects.create(
        organisation=world.cast.organisation, started_by=world.cast.owner, threshold=0.1
    )
    CandidatePair.objects.create(
        run=run, report_a=first, report_b=second, match_probability=0.99, match_weight=6.0
    )


def accept_by_command(world: World) -> None:
    _run_with_a_group(world)
    command("link", "accept", "--user", "owner")


def accept_on_the_page(world: World) -> None:
    _run_with_a_group(world)
    data = {"min_probability": "0.5", "confirm": "yes"}
    assert world.client("owner").post("/linkage/accept/", data).status_code == 302


def undo_by_command(world: World) -> None:
    accept_by_command(world)
    command("link", "undo", str(AcceptBatch.objects.get().pk), "--user", "owner")


def official_figures_by_admin(world: World) -> None:
    assert world.client("admin").post("/evaluation/official/", OFFICIAL).status_code == 302


def refused(world: World) -> None:
    secret = IncidentFactory(organisation=world.cast.organisation, confidentiality="confidential")
    response = world.client("outsider").get(f"/incidents/{secret.reference}/")
    assert response.status_code == 404


def public_incident_exported_by_another_organisation(world: World) -> None:
    world.cast.incident.confidentiality = "public"
    world.cast.incident.save(update_fields=["confidentiality"])
    response = world.client("outsider").get("/exports/incidents/csv/")
    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    assert world.cast.incident.reference in body and VICTIM not in body


def _imported_report(world: World) -> str:
    report = Report.objects.get(source_list__name=world.source_list_name, external_id="1")
    return f"/reports/{report.pk}/"


def report_page(who: str) -> Callable[[World], None]:
    def action(world: World) -> None:
        assert world.client(who).get(_imported_report(world)).status_code == 200

    return action


def report_by_command(world: World) -> None:
    report_id = _imported_report(world).strip("/").rsplit("/", 1)[-1]
    command("reports", "show", report_id, "--user", "owner")


def _estimate_run(world: World) -> int:
    """A finished estimate over three lists of the organisation's incidents, by command."""
    world_build(world.cast)
    out = StringIO()
    call_command(
        *("estimate", "--user", "owner", "--by", "none", "--method", "loglinear"),
        *("--lists", "A list", "B list", "C list", "--json"),
        stdout=out,
        stderr=StringIO(),
    )
    return int(json.loads(out.getvalue())["run"])


def figure_published_on_the_page(world: World) -> None:
    run_id = _estimate_run(world)
    response = world.client("admin").post(
        reverse("estimation:run_publish", args=[run_id]), {"stratum": "all", "kind": "documented"}
    )
    assert response.status_code == 302, response.content[:300]


def figure_published_by_command(world: World) -> None:
    run_id = _estimate_run(world)
    command(
        *("estimate", "--publish", str(run_id), "--stratum", "all", "--documented"),
        *("--user", "admin"),
    )


def estimate_results_downloaded(world: World) -> None:
    run_id = _estimate_run(world)
    response = world.client("reader").get(reverse("estimation:run_csv", args=[run_id]))
    assert response.status_code == 200


def source_list_renamed_on_the_web(world: World) -> None:
    source_list = SourceList.objects.get(name=world.source_list_name)
    response = world.client("owner").post(
        f"/sources/{source_list.pk}/edit/",
        {"name": "Партнёр 2024", "reliability": "unknown", "language": "ru", "description": ""},
    )
    assert response.status_code == 302, response.content[:300]


@dataclass(frozen=True)
class Expected:
    action: str
    actor: str
    target_type: str = ""
    origin: str = "web"
    names: bool | None = None  # the entry's "names" flag, where it must say it


INCIDENT = "records.incident"


def body_added(world: World) -> None:
    url = reverse("responses:bodies")
    response = world.client("owner").post(
        url, {"name": "Прокуратура города", "kind": "prosecutor", "country": "RU"}
    )
    assert response.status_code in (200, 302), response.content[:300]


def _raising_data(world: World) -> dict[str, Any]:
    body, _created = Body.objects.get_or_create(
        name="Следственный комитет", defaults={"kind": "investigative_committee"}
    )
    return {
        "raised_on": "2009-02-01",
        "raised_by": "Owner",
        "body": body.pk,
        "channel": "meeting",
        "request": "Qualify the motive",
        "follow_up_due": "2009-03-01",
        "status": "awaiting_reply",
        "impact": "no_response",
    }


def raising_logged(world: World) -> None:
    url = reverse("responses:raising_new", args=[world.cast.incident.reference])
    response = world.client("owner").post(url, _raising_data(world))
    assert response.status_code == 302, response.content[:300]


def raising_edited(world: World) -> None:
    raising_logged(world)
    raising = Raising.objects.latest("pk")
    data = {**_raising_data(world), "reply": "Дело возбуждено", "reply_on": "2009-02-20"}
    data["status"] = "follow_up"
    url = reverse("responses:raising_edit", args=[raising.pk])
    response = world.client("owner").post(url, data)
    assert response.status_code == 302, response.content[:300]


def raise_list_entry_removed(world: World) -> None:
    url = reverse("responses:raise_add", args=[world.cast.incident.reference])
    world.client("owner").post(url, {"priority": "high", "reason": "Убийство"})
    entry = RaiseListEntry.objects.get(organisation=world.cast.organisation)
    response = world.client("owner").post(reverse("responses:raise_remove", args=[entry.pk]))
    assert response.status_code == 302, response.content[:300]


CASES: dict[str, tuple[Callable[[World], None], Expected]] = {
    "import on the web": (
        import_on_the_web,
        Expected(Action.IMPORT, "owner", "intake.importbatch"),
    ),
    "import by command": (
        import_by_command,
        Expected(Action.IMPORT, "owner", "intake.importbatch", "command:import"),
    ),
    "re-read by command": (
        remap_by_command(REMAP_MAPPING),
        Expected(Action.IMPORT, "owner", "intake.importbatch", "command:import"),
    ),
    "re-read on the web": (
        remap_on_the_web,
        Expected(Action.IMPORT, "owner", "intake.importbatch"),
    ),
    "re-read preview": (
        remap_preview,
        Expected(Action.VIEW, "owner", "records.sourcelist", names=True),
    ),
    "re-read dry run by command": (
        remap_by_command(REMAP_MAPPING, "--dry-run"),
        Expected(Action.VIEW, "owner", "records.sourcelist", "command:import", names=True),
    ),
    "re-read's problems on its page": (
        remap_problems_page,
        Expected(Action.VIEW, "owner", "intake.importbatch", names=True),
    ),
    "quarantine page": (
        get("owner", "/imports/quarantine/"),
        Expected(Action.VIEW, "owner", names=True),
    ),
    "quarantined row page": (
        get("owner", "/imports/quarantine/{world.quarantined.pk}/"),
        Expected(Action.VIEW, "owner", "intake.quarantinedrow", names=True),
    ),
    "quarantine list by command": (
        lambda world: command("quarantine", "list", "--user", "owner"),
        Expected(Action.VIEW, "owner", origin="command:quarantine", names=True),
    ),
    "quarantine export": (
        get("owner", "/imports/quarantine.csv"),
        Expected(Action.EXPORT, "owner", names=True),
    ),
    "quarantine export by a reader": (
        get("reader", "/imports/quarantine.csv"),
        Expected(Action.EXPORT, "reader", names=False),
    ),
    "quarantine export by command": (
        lambda world: command("quarantine", "export", "--user", "owner"),
        Expected(Action.EXPORT, "owner", origin="command:quarantine", names=True),
    ),
    "quarantine correction": (
        correct_quarantined_row,
        Expected(Action.UPDATE, "owner", "intake.quarantinedrow"),
    ),
    "quarantine correction by command": (
        fix_quarantined_row_by_command,
        Expected(Action.UPDATE, "owner", "intake.quarantinedrow", "command:quarantine"),
    ),
    "list export with names": (
        get("owner", "/exports/incidents/csv/"),
        Expected(Action.EXPORT, "owner", names=True),
    ),
    "list export by a reader": (
        get("reader", "/exports/incidents/json/"),
        Expected(Action.EXPORT, "reader", names=False),
    ),
    "list export of a public incident by another organisation": (
        public_incident_exported_by_another_organisation,
        Expected(Action.EXPORT, "outsider", names=False),
    ),
    "list export by command": (
        export_by_command,
        Expected(Action.EXPORT, "owner", origin="command:export", names=True),
    ),
    "ODIHR export": (
        get("owner", "/exports/odihr/download/csv/", country="RU", year="2008"),
        Expected(Action.EXPORT, "owner", names=False),
    ),
    "response funnel export": (
        get("owner", "/responses/statistics.csv"),
        Expected(Action.EXPORT, "owner", names=False),
    ),
    "annual report chart export": (
        get("owner", "/reports/annual/RU/2008/bias.csv"),
        Expected(Action.EXPORT, "owner", names=False),
    ),
    "annual report by command": (
        lambda world: command(
            "report",
            "annual",
            "--year",
            "2008",
            "--user",
            "owner",
            "--out",
            str(world.tmp / "a.html"),
        ),
        Expected(Action.EXPORT, "owner", origin="command:report", names=False),
    ),
    "press draft by command": (
        draft_by_command,
        Expected(Action.CREATE, "owner", "press.draftreport", "command:press"),
    ),
    "press draft page": (
        get("owner", "/press/{world.draft.pk}/"),
        Expected(Action.VIEW_NAMES, "owner", "press.draftreport", names=True),
    ),
    "press draft accepted": (
        post("colleague", "/press/{world.draft.pk}/", DRAFT_FIELDS),
        Expected(Action.UPDATE, "colleague", "press.draftreport"),
    ),
    "press draft rejected": (
        post("owner", "/press/{world.draft.pk}/reject/", {"note": "не про нас"}),
        Expected(Action.UPDATE, "owner", "press.draftreport"),
    ),
    "dossier with names": (
        get("owner", "/responses/dossier/", ref="{ref}", format="html", names="1"),
        Expected(Action.PRINT, "owner", INCIDENT, names=True),
    ),
    "dossier without names": (
        get("owner", "/responses/dossier/", ref="{ref}", format="html"),
        Expected(Action.PRINT, "owner", INCIDENT, names=False),
    ),
    "dossier by command": (
        dossier_by_command,
        Expected(Action.PRINT, "owner", INCIDENT, "command:dossier", names=True),
    ),
    "link decision": (
        post("owner", "/linkage/pairs/{world.pair.pk}/", {"decision": "no_match", "note": ""}),
        Expected(Action.LINK_DECISION, "owner", "linkage.linkdecision"),
    ),
    "link run by command": (
        link_by_command,
        Expected(Action.CREATE, "linker", "linkage.linkagerun", "command:link"),
    ),
    "accept the model's groups by command": (
        accept_by_command,
        Expected(Action.CREATE, "owner", "linkage.acceptbatch", "command:link"),
    ),
    "accepted incidents by command": (
        accept_by_command,
        Expected(Action.CREATE, "owner", INCIDENT, "command:link"),
    ),
    "accept the model's groups on the page": (
        accept_on_the_page,
        Expected(Action.CREATE, "owner", "linkage.acceptbatch"),
    ),
    "undo an accepted batch by command": (
        undo_by_command,
        Expected(Action.UPDATE, "owner", "linkage.acceptbatch", "command:link"),
    ),
    "undone incidents by command": (
        undo_by_command,
        Expected(Action.DELETE, "owner", INCIDENT, "command:link"),
    ),
    "response event": (
        post("owner", "/responses/incident/{ref}/", {"kind": "detained", "date": "2008-12-20"}),
        Expected(Action.CREATE, "owner", "responses.responseevent"),
    ),
    "response event corrected": (
        post(
            "owner",
            "/responses/incident/{ref}/event/{world.event.pk}/correct/",
            {"kind": "suspended", "date": "2008-12-05"},
        ),
        Expected(Action.UPDATE, "owner", "responses.responseevent"),
    ),
    "official statistics changed": (
        official_figures_by_admin,
        Expected(Action.CREATE, "admin", "evaluation.officialstatistic"),
    ),
    "report page": (
        report_page("owner"),
        Expected(Action.VIEW_NAMES, "owner", "records.report", names=True),
    ),
    "report page by a reader": (
        report_page("reader"),
        Expected(Action.VIEW, "reader", "records.report", names=False),
    ),
    "reports list": (
        get("owner", "/reports/"),
        Expected(Action.VIEW_NAMES, "owner", names=True),
    ),
    "reports list by command": (
        lambda world: command("reports", "list", "--user", "reader"),
        Expected(Action.VIEW, "reader", origin="command:reports", names=False),
    ),
    "report by command": (
        report_by_command,
        Expected(Action.VIEW_NAMES, "owner", "records.report", "command:reports", names=True),
    ),
    "source list added on the web": (
        post(
            "owner",
            "/sources/new/",
            {"name": "НКО", "kind": "ngo_database", "reliability": "unknown", "language": "ru"},
        ),
        Expected(Action.CREATE, "owner", "records.sourcelist"),
    ),
    "source list renamed on the web": (
        source_list_renamed_on_the_web,
        Expected(Action.UPDATE, "owner", "records.sourcelist"),
    ),
    "source list added by the operator": (
        lambda world: command(
            "sources", "add", "НКО", "--kind", "ngo_database", "--organisation", "Северный маяк"
        ),
        Expected(Action.CREATE, "", "records.sourcelist", "command:sources"),
    ),
    "source list described by command": (
        lambda world: command(
            "sources", "describe", "Партнёр", "--reliability", "reliable", "--user", "owner"
        ),
        Expected(Action.UPDATE, "owner", "records.sourcelist", "command:sources"),
    ),
    "estimate figure published on the page": (
        figure_published_on_the_page,
        Expected(Action.PUBLISH, "admin", "estimation.publishedfigure", names=False),
    ),
    "estimate figure published by command": (
        figure_published_by_command,
        Expected(Action.PUBLISH, "admin", "estimation.publishedfigure", "command:estimate"),
    ),
    "estimate results downloaded": (
        estimate_results_downloaded,
        Expected(Action.EXPORT, "reader", "estimation.estimaterun", names=False),
    ),
    "body added on its page": (
        body_added,
        Expected(Action.CREATE, "owner", "responses.body"),
    ),
    "case put on the raise list": (
        post(
            "owner",
            "/responses/incident/{ref}/raise/",
            {"priority": "high", "reason": "Убийство"},
        ),
        Expected(Action.CREATE, "owner", "responses.raiselistentry"),
    ),
    "case taken off the raise list": (
        raise_list_entry_removed,
        Expected(Action.DELETE, "owner", "responses.raiselistentry"),
    ),
    "raising logged": (
        raising_logged,
        Expected(Action.CREATE, "owner", "responses.raising"),
    ),
    "raising's reply recorded": (
        raising_edited,
        Expected(Action.UPDATE, "owner", "responses.raising"),
    ),
    "indicator assessed": (
        post(
            "owner",
            "/evaluation/RU/2008/C3.law/",
            {"score": "1", "justification": "Only an aggravating circumstance.", "incidents": ""},
        ),
        Expected(Action.CREATE, "owner", "evaluation.assessment"),
    ),
    "indicator's thresholds set": (
        post(
            "owner",
            "/evaluation/thresholds/",
            {"indicator": "C4.reported_share", "partial": "0.2", "met": "0.5"},
        ),
        Expected(Action.CREATE, "owner", "evaluation.indicatorthreshold"),
    ),
    "organisation added by the operator": (
        lambda world: command(
            *("createuser", "newcomer", "--role", "documenter"),
            *("--organisation", "Новая группа", "--new-organisation"),
        ),
        Expected(Action.CREATE, "", "accounts.organisation", "command:createuser"),
    ),
    "refused request for another organisation's record": (
        refused,
        Expected(Action.REFUSED, "outsider"),
    ),
}


def _matches(entry: AuditEntry, expected: Expected) -> bool:
    return (
        entry.action == expected.action
        and entry.actor == expected.actor
        and entry.target_type == expected.target_type
        and entry.origin == expected.origin
        and (expected.names is None or entry.changes.get("names") is expected.names)
    )


@pytest.mark.parametrize("case", list(CASES))
def test_each_action_of_the_audit_list_is_in_the_trail(world: World, case: str) -> None:
    action, expected = CASES[case]
    before = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    action(world)
    written = list(AuditEntry.objects.filter(id__gt=before))
    assert any(_matches(entry, expected) for entry in written), [
        (e.action, e.actor, e.target_type, e.origin, e.changes) for e in written
    ]
    assert list(audit_verify()) == []
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert "chain verified" in out.getvalue()
