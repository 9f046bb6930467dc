"""The demo's synthetic official responses: deterministic, realistic in shape, loaded whole."""

from __future__ import annotations

import pytest

from dozor.analysis.responses import Event, response_status
from dozor.demo.generator import DemoDataset, demo_generate
from dozor.demo.responses import AS_OF, demo_responses
from dozor.demo.services import demo_load
from dozor.records.models import Incident
from dozor.responses.funnel import response_funnel
from dozor.responses.models import Raising, ResponseEvent
from dozor.responses.vocab import event_rules, response_vocabulary


@pytest.fixture(scope="module")
def dataset() -> DemoDataset:
    return demo_generate(size=400, seed=11)


def test_the_same_seed_gives_the_same_events(dataset: DemoDataset) -> None:
    assert demo_responses(dataset.incidents, seed=11) == demo_responses(dataset.incidents, seed=11)


def test_another_seed_gives_other_events(dataset: DemoDataset) -> None:
    assert demo_responses(dataset.incidents, seed=11) != demo_responses(dataset.incidents, seed=12)


def test_every_event_uses_the_vocabularies_and_no_date_is_after_the_cut_off(
    dataset: DemoDataset,
) -> None:
    kinds = response_vocabulary("response_event_kind")
    articles = response_vocabulary("legal_article")
    for event in demo_responses(dataset.incidents, seed=11):
        assert event.kind in kinds
        assert all(code in articles for code in event.articles)
        assert event.date <= AS_OF


def test_most_cases_are_never_opened_and_a_minority_ends_with_the_motive_recognised(
    dataset: DemoDataset,
) -> None:
    events = demo_responses(dataset.incidents, seed=11)
    documented = sum(1 for incident in dataset.incidents if incident.documented)
    opened = {event.incident_key for event in events if event.kind == "case_opened"}
    recognised = {e.incident_key for e in events if e.kind == "verdict" and e.motive_recognised}
    assert len(opened) < documented / 2
    assert 0 < len(recognised) < len(opened) / 3


def test_no_generated_case_contradicts_itself(dataset: DemoDataset) -> None:
    by_incident: dict[str, list[Event]] = {}
    for number, event in enumerate(demo_responses(dataset.incidents, seed=11)):
        by_incident.setdefault(event.incident_key, []).append(
            Event(
                id=number,
                kind=event.kind,
                date=event.date,
                articles=event.articles,
                verdict_outcome=event.verdict_outcome,
                motive_recognised=event.motive_recognised,
            )
        )
    dates = {incident.key: incident.date for incident in dataset.incidents}
    for key, events in by_incident.items():
        status = response_status(
            events, rules=event_rules(), incident_date=dates[key], today=AS_OF, stall_months=12
        )
        assert status.problems == (), key


@pytest.mark.django_db
def test_the_loader_stores_the_events_corrections_and_dialogue(dataset: DemoDataset) -> None:
    summary = demo_load(dataset=dataset, user=None)
    assert summary.response_events == ResponseEvent.objects.count() > 0
    assert Raising.objects.exists()
    (row,) = response_funnel(Incident.objects.all())
    assert row.counts["documented"] == 400
    assert (
        row.counts["documented"] > row.counts["case_opened"] > row.counts["convicted_with_motive"]
    )
