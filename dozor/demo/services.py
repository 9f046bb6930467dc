"""Loading the synthetic demo data set into the database."""

from __future__ import annotations

import datetime
import io
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from django.db import models, transaction

from dozor.accounts.models import Organisation, User
from dozor.accounts.services import organisation_create
from dozor.demo import evidence as demo_evidence
from dozor.demo.dataset import DemoPerson, DemoReport
from dozor.demo.generator import DemoDataset, DemoIncident
from dozor.demo.models import DemoLoad, ReportTruth, TrueIncident
from dozor.demo.responses import DEMO_BODIES, demo_dialogue, demo_responses
from dozor.evidence.services import Received, attachment_receive
from dozor.lib.pdf import PdfUnavailable
from dozor.records.models import Incident, Report
from dozor.records.services import (
    BiasInput,
    IncidentInput,
    PersonInput,
    ReportInput,
    incidents_create_with_reports,
    reports_create_many,
    source_list_create,
)
from dozor.responses.models import Body, ResponseEvent
from dozor.responses.services import (
    EventInput,
    EventItem,
    RaiseListItem,
    RaisingInput,
    body_create,
    events_create_many,
    raise_list_add_many,
    raisings_log_many,
)
from dozor.security.files import file_store
from dozor.submissions.models import Channel
from dozor.submissions.services import SubmissionText, submission_file_add, submission_receive

BATCH = 2000
T = TypeVar("T")
DEMO_MARK = "[DEMO] "


@dataclass(frozen=True)
class DemoLoadSummary:
    incidents: int
    undocumented: int
    reports: int
    people: int
    organisations: int
    source_lists: int
    response_events: int = 0
    attachments: int = 0
    submissions: int = 0


def demo_loaded() -> DemoLoad | None:
    return DemoLoad.objects.order_by("-loaded_at").first()


@transaction.atomic
def demo_load(
    *,
    dataset: DemoDataset,
    user: User | None,
    progress: Callable[[int, int], None] | None = None,
) -> DemoLoadSummary:
    """Store the data set: organisations, source lists, reports, incidents linked to their reports.

    The incidents are stored as the coalition's merged account of what the lists recorded; the
    truth behind each report goes to the demo tables only. Every Dozor record is written by the
    service that writes it for a person (validated, in the audit trail); everything happens in
    one transaction.
    """
    organisations = {
        org.key: organisation_create(
            name=org.name,
            kind=org.kind,
            country="RU",
            region=org.region,
            description=DEMO_MARK + "synthetic organisation",
            user=user,
        )
        for org in dataset.organisations
    }
    source_lists = {
        source.key: source_list_create(
            name=source.name,
            kind=source.kind,
            organisation=organisations[source.organisation],
            language=source.language,
            description=DEMO_MARK + source.description,
            user=user,
        )
        for source in dataset.source_lists
    }
    owner = organisations[dataset.source_lists[0].organisation]
    documented = sorted(
        (incident for incident in dataset.incidents if incident.documented),
        key=lambda item: (item.date, item.key),
    )
    total = len(documented) + len(dataset.reports)
    done = 0

    reports: dict[int, Report] = {}  # by the item's place in dataset.reports
    places: dict[str, list[int]] = defaultdict(list)
    for place, item in enumerate(dataset.reports):
        places[item.source_list].append(place)
    for key, in_list in places.items():
        for batch in _batches(in_list):
            stored = reports_create_many(
                source_list=source_lists[key],
                user=user,
                items=[_report_input(dataset.reports[place]) for place in batch],
                context={"demo": dataset.seed},
            )
            reports.update(zip(batch, stored, strict=True))
            done += len(batch)
            if progress:
                progress(done, total)
    reports_of: dict[str, list[Report]] = defaultdict(list)
    for place, item in enumerate(dataset.reports):
        reports_of[item.incident_key].append(reports[place])

    incidents: dict[str, Incident] = {}
    for truths in _batches(documented):
        made = incidents_create_with_reports(
            organisation=owner,
            user=user,
            items=[
                (
                    _incident_input(
                        truth, target=organisations.get(truth.target_organisation or "")
                    ),
                    reports_of[truth.key],
                )
                for truth in truths
            ],
        )
        incidents.update(
            (truth.key, incident) for truth, incident in zip(truths, made, strict=True)
        )
        done += len(truths)
        if progress:
            progress(done, total)

    true_incidents = {
        truth.key: TrueIncident(
            key=truth.key,
            date=truth.date,
            region=truth.region,
            incident_type=truth.incident_type,
            documented=truth.documented,
            incident=incidents.get(truth.key),
        )
        for truth in dataset.incidents
    }
    TrueIncident.objects.bulk_create(true_incidents.values(), batch_size=BATCH)
    ReportTruth.objects.bulk_create(
        (
            ReportTruth(report=reports[place], true_incident=true_incidents[item.incident_key])
            for place, item in enumerate(dataset.reports)
        ),
        batch_size=BATCH,
    )

    response_events = _responses_load(dataset, incidents, owner=owner, user=user)
    attachments = _evidence_load(dataset, incidents, user=user)
    submissions = _submissions_load(owner)

    DemoLoad.objects.create(
        seed=dataset.seed,
        size=dataset.size,
        true_incidents=len(dataset.incidents),
        documented_incidents=len(documented),
        reports=len(dataset.reports),
    )
    return DemoLoadSummary(
        incidents=len(documented),
        undocumented=len(dataset.incidents) - len(documented),
        reports=len(dataset.reports),
        people=sum(len(truth.persons) for truth in documented),
        organisations=len(organisations),
        source_lists=len(source_lists),
        response_events=response_events,
        attachments=attachments,
        submissions=submissions,
    )


def _report_input(item: DemoReport) -> ReportInput:
    return ReportInput(
        external_id=item.external_id,
        payload=item.raw,
        fields=item.parsed,
        received_on=item.received,
    )


def _responses_load(
    dataset: DemoDataset, incidents: dict[str, Incident], *, owner: Organisation, user: User | None
) -> int:
    """The synthetic official responses, a raise list and a few raisings of the owner's cases."""
    events = demo_responses(dataset.incidents, seed=dataset.seed)
    place = {(item.incident_key, item.order): number for number, item in enumerate(events)}
    events_create_many(
        user=user,
        items=[
            EventItem(
                incident=incidents[item.incident_key],
                data=EventInput(
                    kind=item.kind,
                    date=item.date,
                    authority=item.authority,
                    source=item.source,
                    note=item.note,
                    articles=item.articles,
                    verdict_outcome=item.verdict_outcome,
                    motive_recognised=item.motive_recognised,
                    sentence_kind=item.sentence_kind,
                    sentence_months=item.sentence_months,
                    sentence_suspended=item.sentence_suspended,
                    statement_kind=item.statement_kind,
                ),
                corrects=(
                    place[(item.incident_key, item.corrects)] if item.corrects is not None else None
                ),
            )
            for item in events
        ],
    )

    bodies = {
        body.name: body for body in Body.objects.filter(name__in=[b.name for b in DEMO_BODIES])
    }
    for body in DEMO_BODIES:
        if body.name not in bodies:
            bodies[body.name] = body_create(
                name=body.name, kind=body.kind, country=body.country, user=user
            )
    entries, raisings = demo_dialogue(dataset.incidents, events, seed=dataset.seed)
    raise_list_add_many(
        organisation=owner,
        user=user,
        items=[
            RaiseListItem(incident=incidents[key], priority=priority, reason=reason)
            for key, priority, reason in entries
        ],
    )
    raisings_log_many(
        organisation=owner,
        user=user,
        items=[
            (
                incidents[item.incident_key],
                RaisingInput(
                    raised_on=item.raised_on,
                    raised_by="Demo advocate",
                    body=bodies[item.body],
                    channel=item.channel,
                    request=item.request,
                    reply=item.reply,
                    reply_on=item.reply_on,
                    follow_up_due=item.follow_up_due,
                    status=item.status,
                    impact=item.impact,
                ),
            )
            for item in raisings
        ],
    )
    return len(events)


def _evidence_load(
    dataset: DemoDataset, incidents: dict[str, Incident], *, user: User | None
) -> int:
    """A medical certificate and a photo of the place on the first assault whose victim is
    named, and the refusal letter on the first refusal to open a case, kept through the
    evidence service as a documenter's upload would be (sealed, hashed, previewed, audited)."""
    truths = {truth.key: truth for truth in dataset.incidents}
    files: list[tuple[models.Model, Received, str, str, datetime.date]] = []

    def victim(key: str) -> DemoPerson | None:
        return next((p for p in truths[key].persons if p.role == "victim" and p.name), None)

    assault = next(
        (
            key
            for key in sorted(incidents, key=lambda k: (truths[k].date, k))
            if truths[key].incident_type == "physical_assault" and victim(key) is not None
        ),
        None,
    )
    try:
        if assault is not None:
            truth, person = truths[assault], victim(assault)
            assert person is not None
            files.append(
                (
                    incidents[assault],
                    Received(
                        "spravka-travmpunkt.pdf",
                        io.BytesIO(
                            demo_evidence.medical_certificate(
                                patient=person.name,
                                age=person.age,
                                examined_on=truth.date,
                                locality=truth.locality,
                            )
                        ),
                    ),
                    "medical",
                    DEMO_MARK + "synthetic certificate of the victim's injuries",
                    truth.date,
                )
            )
        # The demo's own incidents, by primary key: a list of them in an IN clause would pass
        # SQLite's limit of variables in a large demo.
        keys = {incident.pk: key for key, incident in incidents.items()}
        refusals = ResponseEvent.objects.filter(kind="refusal_to_open").order_by("date", "pk")
        refusal = next((event for event in refusals.iterator() if event.incident_id in keys), None)
        if refusal is not None:
            key = keys[refusal.incident_id]
            applicant = victim(key)
            files.append(
                (
                    refusal,
                    Received(
                        "otkaz-v-vozbuzhdenii.pdf",
                        io.BytesIO(
                            demo_evidence.refusal_letter(
                                applicant=applicant.name if applicant else "Иванова-Демо О. П.",
                                decided_on=refusal.date,
                                authority=refusal.authority,
                                locality=truths[key].locality,
                            )
                        ),
                    ),
                    "official",
                    DEMO_MARK + "synthetic police decision refusing to open a case",
                    refusal.date,
                )
            )
    except PdfUnavailable:
        # Without WeasyPrint's Pango the demo keeps its photo only.
        files = []
    if assault is not None:
        truth = truths[assault]
        taken = datetime.datetime.combine(truth.date, datetime.time(21, 40), tzinfo=datetime.UTC)
        files.append(
            (
                incidents[assault],
                Received(
                    "IMG_20_place.jpg",
                    io.BytesIO(demo_evidence.injury_photo(taken=taken, region=truth.region)),
                ),
                "photo",
                DEMO_MARK + "synthetic photo of the place, with its GPS position",
                truth.date,
            )
        )
    for target, received, kind, description, made_on in files:
        attachment_receive(
            user=user,
            target=target,
            received=received,
            kind=kind,
            description=description,
            made_on=made_on,
        )
    return len(files)


# What people sent through the public form (docs/intake.md), waiting in the owner's triage queue:
# invented, each marked as the demo's.
DEMO_SUBMISSIONS = (
    SubmissionText(
        title=DEMO_MARK + "Избили у подъезда",
        what_happened=(
            "Вчера вечером двое мужчин ждали меня у подъезда, кричали оскорбления про мою "
            "национальность и ударили несколько раз. В полиции заявление брать не хотели."
        ),
        when_text="вчера около 22:00",
        where_text="Екатеринбург, ул. Вымышленная, 12",
        contact="Signal: +7 900 000-00-00 (демо)",
        language="ru",
        wants_legal_help=True,
    ),
    SubmissionText(
        title=DEMO_MARK + "Threats after the raid",
        what_happened=(
            "After the police searched our office they called me twice and said I should leave "
            "the country. I need to know whether I can ask for asylum and where."
        ),
        when_text="last week",
        where_text="Nizhny Novgorod",
        contact="",
        language="en",
        wants_asylum_help=True,
    ),
    SubmissionText(
        title=DEMO_MARK + "Надпись на двери мечети",
        what_happened="На двери молельного дома снова написали угрозы. Фото прилагаю.",
        when_text="в ночь на воскресенье",
        where_text="Воронеж",
        contact="",
        language="ru",
    ),
)


def _submissions_load(owner: Organisation) -> int:
    """A few submissions waiting in the owner's triage queue, as the public form keeps them
    (sealed, audited, no address); the last carries a photo, sealed as the form seals it."""
    received = [
        submission_receive(organisation=owner, channel=Channel.FORM, text=text)
        for text in DEMO_SUBMISSIONS
    ]
    photo = demo_evidence.injury_photo(
        taken=datetime.datetime(2024, 3, 3, 2, 10, tzinfo=datetime.UTC), region="RU-VOR"
    )
    stored = file_store().store(photo)
    try:
        submission_file_add(
            submission=received[-1], name="IMG_door.jpg", media_type="image/jpeg", stored=stored
        )
    except BaseException:
        file_store().delete(stored.file_id)
        raise
    return len(received)


def _incident_input(truth: DemoIncident, *, target: Organisation | None) -> IncidentInput:
    precision = truth.date_precision
    date = truth.date
    if precision == "month":
        date = date.replace(day=1)
    elif precision == "year":
        date = date.replace(month=1, day=1)
    return IncidentInput(
        title=truth.title,
        summary=truth.summary,
        summary_language="ru",
        date_start=date,
        date_precision=precision,
        country="RU",
        region=truth.region,
        locality=truth.locality,
        incident_type=truth.incident_type,
        target_kind=truth.target_kind,
        killed=truth.killed,
        injured=truth.injured,
        verification_status=truth.verification_status,
        confidentiality=truth.confidentiality,
        defender_targeted=truth.defender_targeted,
        target_organisation=target,
        biases=[
            BiasInput(motivation=bias.motivation, indicators=bias.indicators, note=bias.note)
            for bias in truth.biases
        ],
        people=[
            PersonInput(
                role=person.role,
                name=person.name,
                sex=person.sex,
                age=person.age,
                perceived_group=person.perceived_group,
                harm=person.harm,
                group_affiliation=person.group_affiliation,
                count=person.count,
            )
            for person in truth.persons
        ],
    )


def _batches(items: Sequence[T], size: int = BATCH) -> list[Sequence[T]]:
    return [items[start : start + size] for start in range(0, len(items), size)]
