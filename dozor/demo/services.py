"""Loading the synthetic demo data set into the database."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from dozor.demo.generator import DemoDataset, DemoIncident
from dozor.demo.models import DemoLoad, ReportTruth, TrueIncident
from dozor.demo.responses import DEMO_BODIES, demo_dialogue, demo_responses
from dozor.records.models import (
    Incident,
    IncidentBias,
    IncidentReport,
    Organisation,
    PersonInvolvement,
    Report,
    SourceList,
    search_text,
)
from dozor.records.services import _pseudonym
from dozor.responses.models import Body, RaiseListEntry, Raising, ResponseEvent
from dozor.security.models import User

BATCH = 2000
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
    truth behind each report goes to the demo tables only. Everything happens in one transaction.
    """
    now = timezone.now()
    organisations = {
        org.key: Organisation(
            name=org.name,
            kind=org.kind,
            country="RU",
            region=org.region,
            description=DEMO_MARK + "synthetic organisation",
            created_by=user,
            updated_by=user,
        )
        for org in dataset.organisations
    }
    Organisation.objects.bulk_create(organisations.values())
    source_lists = {
        source.key: SourceList(
            name=source.name,
            kind=source.kind,
            organisation=organisations[source.organisation],
            language=source.language,
            description=DEMO_MARK + source.description,
            created_by=user,
            updated_by=user,
        )
        for source in dataset.source_lists
    }
    SourceList.objects.bulk_create(source_lists.values())
    owner = organisations[dataset.source_lists[0].organisation]

    documented = [incident for incident in dataset.incidents if incident.documented]
    numbers: dict[int, int] = defaultdict(int)
    incidents: dict[str, Incident] = {}
    for truth in sorted(documented, key=lambda item: (item.date, item.key)):
        numbers[truth.date.year] += 1
        incidents[truth.key] = _incident(
            truth,
            reference=f"RU-{truth.date.year}-{numbers[truth.date.year]:05d}",
            owner=owner,
            target=organisations.get(truth.target_organisation or ""),
            user=user,
        )
    total = len(incidents) + len(dataset.reports)
    done = 0
    for batch in _batches(list(incidents.values())):
        Incident.objects.bulk_create(batch)
        done += len(batch)
        if progress:
            progress(done, total)

    biases: list[IncidentBias] = []
    people: list[PersonInvolvement] = []
    for truth in documented:
        incident = incidents[truth.key]
        biases.extend(
            IncidentBias(
                incident=incident,
                motivation=bias.motivation,
                indicators=list(bias.indicators),
                note=bias.note,
            )
            for bias in truth.biases
        )
        counters: dict[str, int] = defaultdict(int)
        for person in truth.persons:
            people.append(
                PersonInvolvement(
                    incident=incident,
                    role=person.role,
                    name=person.name,
                    pseudonym=_pseudonym(person.role, counters[person.role]),
                    sex=person.sex,
                    age=person.age,
                    perceived_group=person.perceived_group,
                    harm=person.harm,
                    group_affiliation=person.group_affiliation,
                    count=person.count,
                    created_by=user,
                    updated_by=user,
                )
            )
            counters[person.role] += 1
    IncidentBias.objects.bulk_create(biases, batch_size=BATCH)
    PersonInvolvement.objects.bulk_create(people, batch_size=BATCH)

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

    for batch in _batches(list(dataset.reports)):
        reports = [
            Report(
                source_list=source_lists[item.source_list],
                external_id=item.external_id,
                payload=item.raw,
                fields=item.parsed,
                received_on=item.received,
                created_by=user,
            )
            for item in batch
        ]
        Report.objects.bulk_create(reports)
        IncidentReport.objects.bulk_create(
            IncidentReport(
                incident=incidents[item.incident_key], report=report, linked_by=user, linked_at=now
            )
            for item, report in zip(batch, reports, strict=True)
        )
        ReportTruth.objects.bulk_create(
            ReportTruth(report=report, true_incident=true_incidents[item.incident_key])
            for item, report in zip(batch, reports, strict=True)
        )
        done += len(batch)
        if progress:
            progress(done, total)

    response_events = _responses_load(dataset, incidents, owner=owner, user=user)

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
        people=len(people),
        organisations=len(organisations),
        source_lists=len(source_lists),
        response_events=response_events,
    )


def _responses_load(
    dataset: DemoDataset, incidents: dict[str, Incident], *, owner: Organisation, user: User | None
) -> int:
    """The synthetic official responses, a raise list and a few raisings of the owner's cases."""
    events = demo_responses(dataset.incidents, seed=dataset.seed)
    rows: dict[tuple[str, int], ResponseEvent] = {}
    corrections = []
    for item in events:
        row = ResponseEvent(
            incident=incidents[item.incident_key],
            kind=item.kind,
            date=item.date,
            authority=item.authority,
            source=item.source,
            note=item.note,
            articles=list(item.articles),
            verdict_outcome=item.verdict_outcome,
            motive_recognised=item.motive_recognised,
            sentence_kind=item.sentence_kind,
            sentence_months=item.sentence_months,
            sentence_suspended=item.sentence_suspended,
            statement_kind=item.statement_kind,
            created_by=user,
        )
        rows[(item.incident_key, item.order)] = row
        if item.corrects is not None:
            corrections.append((row, (item.incident_key, item.corrects)))
    first = [row for row in rows.values() if all(row is not c for c, _ in corrections)]
    ResponseEvent.objects.bulk_create(first, batch_size=BATCH)
    for row, corrected in corrections:
        row.supersedes = rows[corrected]
    ResponseEvent.objects.bulk_create([row for row, _ in corrections], batch_size=BATCH)

    bodies = {
        body.name: Body(name=body.name, kind=body.kind, country=body.country)
        for body in DEMO_BODIES
    }
    existing = {body.name: body for body in Body.objects.filter(name__in=bodies)}
    Body.objects.bulk_create([body for name, body in bodies.items() if name not in existing])
    bodies.update(existing)
    entries, raisings = demo_dialogue(dataset.incidents, events, seed=dataset.seed)
    RaiseListEntry.objects.bulk_create(
        RaiseListEntry(
            organisation=owner,
            incident=incidents[key],
            priority=priority,
            reason=reason,
            added_by=user,
        )
        for key, priority, reason in entries
    )
    Raising.objects.bulk_create(
        Raising(
            organisation=owner,
            incident=incidents[item.incident_key],
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
            created_by=user,
        )
        for item in raisings
    )
    return len(events)


def _incident(
    truth: DemoIncident,
    *,
    reference: str,
    owner: Organisation,
    target: Organisation | None,
    user: User | None,
) -> Incident:
    precision = truth.date_precision
    date = truth.date
    if precision == "month":
        date = date.replace(day=1)
    elif precision == "year":
        date = date.replace(month=1, day=1)
    return Incident(
        reference=reference,
        organisation=owner,
        title=truth.title,
        summary=truth.summary,
        summary_language="ru",
        search_text=search_text(truth.title),
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
        created_by=user,
        updated_by=user,
    )


def _batches(items: list, size: int = BATCH) -> list[list]:
    return [items[start : start + size] for start in range(0, len(items), size)]
