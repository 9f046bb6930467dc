"""The names sweep: every page, export, dossier, press draft, quarantine download, history page,
linkage page and JSON API answer, requested by each person who may not see a victim's name, holds
none of its forms.

The URLs come from the resolver, so a new page is swept as soon as it exists; a URL whose
parameters the sweep cannot fill fails the test until it is taught them (PARAMETERS). PDFs are
read with pdftotext and workbooks unzipped, so the names are looked for in the text a person
would read. The owner's documenter, who may see names, is swept too: the same requests must show
them, or the sweep would prove nothing.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from dozor.accounts.models import Role, User
from dozor.accounts.services import api_token_create
from dozor.evidence.models import Attachment
from dozor.intake.models import ImportBatch, QuarantinedRow
from dozor.linkage.models import AcceptBatch, CandidatePair, LinkageJob, LinkageRun
from dozor.press.models import DraftReport
from dozor.press.services import draft_create
from dozor.records.custom_fields import CustomField
from dozor.records.models import Incident, Report, SourceList
from dozor.records.services import incident_link_reports
from dozor.responses.models import Body, RaiseListEntry, Raising, ResponseEvent
from dozor.submissions.challenge import challenge_new
from dozor.submissions.models import Submission
from tests.conftest import Cast
from tests.factories import ReportFactory, SourceListFactory, UserFactory
from tests.named import (
    CUSTOM_STATEMENT,
    json_readable,
    named_custom_values,
    named_evidence,
    named_incident,
    named_quarantine,
    named_remap,
    named_responses,
    named_submission,
    names_in,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler's pdftotext"),
]

PRESS_TEXT = (
    "В Петербурге избили уроженца Таджикистана\n\nВ ночь на субботу у гаражей неизвестные "
    "избили Фархода Каримзоду. Каримзода госпитализирован, сообщила Анна Белова."
)
# Pages that only sign in or out, or change the language: nothing of a record is on them.
NOT_RECORDS = {"login", "logout", "set_language", "two_factor_setup", "two_factor_verify"}
# Extra queries on top of each page's bare URL: downloads and the variants a person can ask for.
QUERIES: dict[str, list[dict[str, str]]] = {
    "incident_list": [
        {"q": "гаражей"},
        {"q": "Каримзода"},
        {"q": "Каримзоде"},
        # Filters on the sealed custom fields (tests/named.py): offered to no one without names.
        {"custom_told_by": "belova"},
        {"custom_witness_statement": "Белова"},
        # and on the victim's (the sealed person field): the same.
        {"person_custom_found_by": "Белова"},
    ],
    # The list's files with the sealed person field's filter: refused to no one, found by no one
    # without names.
    "incident_list_download": [{"person_custom_found_by": "Белова"}],
    "export_incidents": [{"person_custom_found_by": "Белова"}],
    "dossier": [
        {"ref": "{reference}"},
        {"ref": "{reference}", "names": "1"},
        {"ref": "{reference}", "format": "pdf"},
        {"ref": "{reference}", "format": "pdf", "names": "1"},
        {"ref": "{reference}", "lang": "ru"},
        {"raise_list": "1"},
        {"ref": "{reference}", "names": "1", "image": "{attachment}"},
        {"ref": "{reference}", "format": "pdf", "names": "1", "image": "{attachment}"},
    ],
    "custody": [{"format": "pdf"}, {"format": "json"}],
    "card": [{"lang": "ru"}],
    "report_list": [{"linked": "yes"}, {"batch": "1"}, {"sort": "-date"}],
    "export_odihr": [{"year": "2008"}, {"year": "2008", "lang": "ru"}],
}


REPORT_FIELDS = {
    "date": "2008-12-04",
    "date_precision": "day",
    "region": "RU-SPE",
    "incident_type": "physical_assault",
    "bias_motivations": ["racist_xenophobic"],
    "injured": 1,
    "victims": [{"name": "Фарход Каримзода", "sex": "male", "age": 27}],
    "title": "Нападение у гаражей",
    "summary": "Фарходу Каримзоде нанесли ножевые ранения; Каримзоду увезли в больницу.",
    # A sensitive custom field's value, as a mapping gives it (tests/named.py's witness).
    "custom_witness_statement": CUSTOM_STATEMENT,
}
PARTNER_FIELDS = {
    **REPORT_FIELDS,
    "victims": [{"name": "Farkhod Karimzoda", "sex": "male"}],
    "summary": "Farkhod Karimzoda was stabbed near the garages; Karimzoda's friend called.",
}


@dataclass
class World:
    incident: Incident
    candidate: CandidatePair
    draft: DraftReport
    batch: ImportBatch
    remap: ImportBatch
    row: QuarantinedRow
    event: ResponseEvent
    raising: Raising
    entry: RaiseListEntry
    body: Body
    report: Report  # the victim's report, part of the incident
    source_list: SourceList
    accepted: AcceptBatch
    job: LinkageJob
    attachment: Attachment
    submission: Submission
    custom_field: CustomField  # sensitive, holding the witness's name


@pytest.fixture
def world(cast: Cast, tmp_path: Path) -> World:
    incident = named_incident(cast.organisation, user=cast.owner, confidentiality="public")
    named_custom_values(incident)
    named_responses(incident, cast.owner)
    attachment = named_evidence(incident, cast.owner)
    # A submission of the public form naming its sender, with a photo and a referral.
    submission = named_submission(cast.organisation, cast.owner)
    press = SourceListFactory(name="Пресса", kind="press_scan", organisation=cast.organisation)
    draft, _created = draft_create(
        source_list=press, text=PRESS_TEXT, published=incident.date_start, user=cast.owner
    )
    partner = SourceListFactory(name="Партнёр", organisation=cast.organisation)
    # The partner's unreadable row holds a sensitive custom column naming the witness too.
    named_quarantine(cast.owner, partner, tmp_path, custom=True)
    remapped = SourceListFactory(name="Партнёр, текстом", organisation=cast.organisation)
    remap = named_remap(cast.owner, remapped, tmp_path)
    # Two reports of the victim, one part of the incident, paired in the organisation's last run.
    reports = SourceListFactory(name="База НКО", organisation=cast.organisation)
    first = ReportFactory(source_list=reports, fields=REPORT_FIELDS)
    second = ReportFactory(source_list=partner, fields=PARTNER_FIELDS)
    incident_link_reports(incident=incident, reports=[first], user=cast.owner)
    run = LinkageRun.objects.create(
        organisation=cast.organisation, started_by=cast.owner, threshold=0.1
    )
    candidate = CandidatePair.objects.create(
        run=run, report_a=first, report_b=second, match_probability=0.9, match_weight=4.0
    )
    # The owner accepts the run's groups: the partner's report joins the incident, and the
    # batch's page, the accept preview and the job's page are swept too.
    call_command("link", "accept", "--user", "owner", stdout=io.StringIO())
    job = LinkageJob.objects.create(
        token="1" * 32, kind="accept", organisation=cast.organisation, created_by=cast.owner
    )
    # The owner opens the incident once, so that its history holds a view of names too.
    cast.client("owner").get(reverse("records:incident_detail", args=[incident.reference]))
    return World(
        incident=incident,
        candidate=candidate,
        draft=draft,
        batch=ImportBatch.objects.get(source_list=partner),
        remap=remap,
        row=QuarantinedRow.objects.get(),
        event=ResponseEvent.objects.get(),
        raising=Raising.objects.get(),
        entry=RaiseListEntry.objects.get(),
        body=Body.objects.get(),
        report=first,
        source_list=reports,
        accepted=AcceptBatch.objects.get(),
        job=job,
        attachment=attachment,
        submission=submission,
        custom_field=CustomField.objects.get(key="witness_statement"),
    )


def parameters(world: World, user: User) -> dict[str, dict[str, Any]]:
    """The URL parameters of each pattern, by URL name: what the sweep requests."""
    reference = world.incident.reference
    return {
        "incident_detail": {"reference": reference},
        "incident_get": {"reference": reference},
        "incident_update": {"reference": reference},
        "incident_edit": {"reference": reference},
        "incident_history": {"reference": reference},
        "run_detail": {"run_id": 1},
        "run_csv": {"run_id": 1},
        "run_cancel": {"run_id": 1},
        "run_publish": {"run_id": 1},
        "estimate_run_get": {"run_id": 1},
        "estimate_run_cancel": {"run_id": 1},
        "report_card_get": {"country": "RU", "year": 2008},
        "annual_get": {"country": "RU", "year": 2008},
        "published_history": {"series_id": 1},
        "draft_detail": {"pk": world.draft.pk},
        "draft_reject": {"pk": world.draft.pk},
        "timeline": {"reference": reference},
        "event_correct": {"reference": reference, "event_id": world.event.pk},
        "raise_add": {"reference": reference},
        "raising_new": {"reference": reference},
        "raising_edit": {"raising_id": world.raising.pk},
        "raise_remove": {"entry_id": world.entry.pk},
        "event_list": {"reference": reference},
        "event_add": {"reference": reference},
        "event_correction_add": {"reference": reference, "event_id": world.event.pk},
        "raising_list": {"reference": reference},
        "raising_log": {"reference": reference},
        "raising_get": {"raising_id": world.raising.pk},
        "raising_update": {"raising_id": world.raising.pk},
        "raise_list_remove": {"entry_id": world.entry.pk},
        "body_detail": {"body_id": world.body.pk},
        "body_edit": {"body_id": world.body.pk},
        "organisation_edit": {"organisation_id": world.incident.organisation_id},
        "mapping_detail": {"pk": 1},
        "local_term_edit": {"term_id": 1},
        "incident_attach": {"reference": reference},
        "report_attach": {"report_id": world.report.pk},
        "event_attach": {"event_id": world.event.pk},
        "raising_attach": {"raising_id": world.raising.pk},
        "download": {"attachment_id": world.attachment.pk},
        "download_clean": {"attachment_id": world.attachment.pk},
        "attachment_detail": {"attachment_id": world.attachment.pk},
        "custody": {"attachment_id": world.attachment.pk},
        "attach_copy": {"attachment_id": world.attachment.pk},
        "preview": {"attachment_id": world.attachment.pk},
        "user_edit": {"username": user.username},
        "user_two_factor_remove": {"username": user.username},
        "api_token_revoke": {"token_id": 1},
        "user_api_token_revoke": {"username": user.username, "token_id": 1},
        "import_preview": {"token": "0" * 32},
        "import_confirm": {"token": "0" * 32},
        "import_job": {"token": "0" * 32},
        "import_detail": [{"pk": world.batch.pk}, {"pk": world.remap.pk}],
        "remap": {"pk": world.batch.pk},
        "remap_confirm": {"pk": world.batch.pk},
        "quarantine_correct": {"pk": world.row.pk},
        "card": {"country": "RU", "year": 2008},
        "official_history": {"country": "RU", "year": 2008},
        "card_pdf": {"country": "RU", "year": 2008},
        "assess": {"country": "RU", "year": 2008, "indicator": "recording"},
        "annual_pdf": {"country": "RU", "year": 2008},
        "chart": {"country": "RU", "year": 2008, "key": "monthly", "fmt": "csv"},
        "pair": {"pk": world.candidate.pk},
        "link_pair_get": {"pair_id": world.candidate.pk},
        "link_decision_create": {"pair_id": world.candidate.pk},
        "batch": {"pk": world.accepted.pk},
        "job": {"token": world.job.token},
        "split": {"reference": reference},
        "odihr_download": [{"file_format": "csv"}, {"file_format": "xlsx"}],
        "odihr_mark": {"reference": reference},
        "incident_list_download": [{"file_format": "csv"}, {"file_format": "json"}],
        "export_incidents": [{"file_format": "csv"}, {"file_format": "json"}],
        "export_odihr": [{"file_format": "csv"}, {"file_format": "xlsx"}],
        "report_detail": {"pk": world.report.pk},
        "report_get": {"report_id": world.report.pk},
        "source_list_edit": {"pk": world.source_list.pk},
        "custom_field_edit": {"pk": world.custom_field.pk},
        "custom_field_remove": {"pk": world.custom_field.pk},
        # The Tella endpoints answer a phone's key, never these sessions (tests/tella/).
        "project": {"slug": "dozor"},
        "report_create": {"project_id": str(world.incident.organisation_id)},
        "file": {"report_id": "00000000-0000-4000-8000-000000000000", "file_name": "a.jpg"},
        "file_v2": {"report_id": "00000000-0000-4000-8000-000000000000", "file_name": "a.jpg"},
        "submission_detail": {"pk": world.submission.pk},
        "submission_accept": {"pk": world.submission.pk},
        "submission_ask_more": {"pk": world.submission.pk},
        "submission_close": {"pk": world.submission.pk},
        "referral_add": {"pk": world.submission.pk},
        "submission_file": {"pk": world.submission.files.get().pk},
        "referral_update": {"pk": world.submission.referrals.get().pk},
        "challenge_image": {"token": challenge_new()},
    }


def patterns(resolver: URLResolver | None = None, namespace: str = "") -> Iterator[tuple[str, Any]]:
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from patterns(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", pattern


def urls(world: World, user: User) -> Iterator[str]:
    """Every URL of the application with its parameters filled, and its extra queries."""
    known = parameters(world, user)
    for full_name, pattern in patterns():
        name = full_name.rsplit(":", 1)[-1]
        if name in NOT_RECORDS:
            continue
        wanted = set(pattern.pattern.converters)
        if wanted and name not in known:
            raise AssertionError(f"the names sweep does not know the parameters of {full_name}")
        variants = known.get(name, [{}]) if wanted else [{}]
        for kwargs in variants if isinstance(variants, list) else [variants]:
            url = reverse(full_name, kwargs=kwargs or None)
            yield url
            for query in QUERIES.get(name, []):
                filled = {
                    key: value.format(
                        reference=world.incident.reference, attachment=world.attachment.pk
                    )
                    for key, value in query.items()
                }
                yield url + "?" + "&".join(f"{key}={value}" for key, value in filled.items())


WORD_MARKS = re.compile(r"</?mark>")


def readable(content: bytes, content_type: str, tmp_path: Path) -> str:
    """What a person reads in a response: the text of a PDF, the strings of a workbook, JSON
    with its escaped letters read."""
    as_json = json_readable(content, content_type)
    if as_json is not None:
        return as_json
    if content_type.startswith("application/pdf"):
        path = tmp_path / "swept.pdf"
        path.write_bytes(content)
        return subprocess.run(
            ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
        ).stdout
    if content.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "".join(
                archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
            )
    # The pair page marks the words that differ: a name must not escape the sweep by being
    # split across the marks.
    return WORD_MARKS.sub("", content.decode("utf-8", "replace"))


def sweep(client: Client, world: World, user: User, tmp_path: Path) -> dict[str, list[str]]:
    """Each swept URL with the name forms its body holds."""
    found: dict[str, list[str]] = {}
    # The JSON API answers a token of the user's, not their session.
    _token, key = api_token_create(user=user, name="names sweep")
    api = {"Authorization": f"Bearer {key}"}
    for url in urls(world, user):
        response = client.get(url, headers=api if url.startswith("/api/") else None)
        if getattr(response, "streaming", False):
            content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
        else:
            content = response.content
        text = readable(content, response.get("Content-Type", ""), tmp_path)
        # A search page repeats what the person typed in its search box: that is not a leak.
        typed = parse_qs(urlsplit(url).query).get("q", [])
        for query in typed:
            text = text.replace(f'value="{query}"', "")
        found[url] = names_in(text)
    return found


def persona(cast: Cast, who: str) -> User:
    if who == "analyst":
        return UserFactory(username="analyst", organisation=cast.organisation, role=Role.ANALYST)
    if who == "outsider_reader":
        return UserFactory(
            username="outsider_reader", organisation=cast.other_organisation, role=Role.READER
        )
    user = getattr(cast, who)
    assert isinstance(user, User)
    return user


@pytest.mark.parametrize("who", ["reader", "analyst", "outsider", "outsider_reader"])
def test_no_page_export_dossier_or_download_shows_a_name_to_someone_without_the_grant(
    cast: Cast, world: World, tmp_path: Path, who: str
) -> None:
    user = persona(cast, who)
    client = Client()
    client.force_login(user)
    leaks = {url: forms for url, forms in sweep(client, world, user, tmp_path).items() if forms}
    assert leaks == {}


def test_the_home_page_is_swept_and_lists_the_named_incident_without_its_names(
    cast: Cast, world: World
) -> None:
    """The sweep reaches the home page (the root, once a redirect), and the page does show the
    named incident in its recent activity: a sweep of a page that listed nothing would prove
    nothing."""
    assert reverse("home") in set(urls(world, cast.reader))
    for who in ("reader", "owner"):
        page = cast.client(who).get(reverse("home")).content.decode()
        assert world.incident.reference in page
        assert names_in(page) == []


def test_the_owner_sees_the_names_in_the_same_sweep(
    cast: Cast, world: World, tmp_path: Path
) -> None:
    found = sweep(cast.client("owner"), world, cast.owner, tmp_path)
    reference = world.incident.reference
    # The quarantined row's sensitive custom column, which names the witness, reaches its owner.
    quarantine = reverse("intake:quarantine_export")
    assert any("белов" in form.lower() for form in found[quarantine]), found[quarantine]
    named = {url for url, forms in found.items() if forms}
    expected = {
        reverse("records:incident_detail", args=[reference]),
        reverse("api-v1:incident_get", args=[reference]),
        reverse("api-v1:report_list"),
        reverse("api-v1:report_get", args=[world.report.pk]),
        reverse("api-v1:event_list", args=[reference]),
        reverse("api-v1:raising_list", args=[reference]),
        reverse("api-v1:raising_get", args=[world.raising.pk]),
        reverse("api-v1:raise_list_entries"),
        reverse("responses:timeline", args=[reference]),
        reverse("responses:dossier") + f"?ref={reference}&names=1",
        reverse("responses:dossier") + f"?ref={reference}&format=pdf&names=1",
        reverse("exports:incident_list_download", args=["csv"]),
        reverse("exports:incident_list_download", args=["json"]),
        reverse("api-v1:export_incidents", args=["csv"]),
        reverse("api-v1:export_incidents", args=["json"]),
        reverse("press:draft_detail", args=[world.draft.pk]),
        reverse("intake:quarantine_export"),
        reverse("intake:import_detail", args=[world.remap.pk]),
        reverse("linkage:pair", args=[world.candidate.pk]),
        reverse("api-v1:link_pair_get", args=[world.candidate.pk]),
        reverse("reports:report_list"),
        reverse("reports:report_detail", args=[world.report.pk]),
        reverse("evidence:download", args=[world.attachment.pk]),
        reverse("evidence:attachment_detail", args=[world.attachment.pk]),
        reverse("evidence:custody", args=[world.attachment.pk]),
        reverse("evidence:custody", args=[world.attachment.pk]) + "?format=pdf",
        reverse("evidence:custody", args=[world.attachment.pk]) + "?format=json",
        reverse("responses:dossier") + f"?ref={reference}&names=1&image={world.attachment.pk}",
        reverse("responses:dossier")
        + f"?ref={reference}&format=pdf&names=1&image={world.attachment.pk}",
        reverse("submissions:queue"),
        reverse("submissions:submission_detail", args=[world.submission.pk]),
        reverse("submissions:submission_file", args=[world.submission.files.get().pk]),
        reverse("submissions:referral_list"),
    }
    assert expected <= named, expected - named
