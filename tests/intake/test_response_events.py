"""Response events a mapping reads from rows, and how they join an incident's timeline."""

from __future__ import annotations

import datetime

import pytest
from django.core.management.base import CommandError
from django.utils import translation

from dozor.intake.mapping import MappingError, mapping_parse
from dozor.intake.response_events import PENDING_KEY
from dozor.linkage.services import reports_link_to_incident
from dozor.records.models import Report
from dozor.records.services import incident_link_reports
from dozor.responses.models import ResponseEvent
from dozor.responses.vocab import response_vocabulary
from tests.factories import IncidentFactory, ReportFactory, SourceListFactory
from tests.intake.conftest import import_by_command, write_csv
from tests.intake.test_mapping import _nones, toronto_row

BASE = """
version: 1
name: events
fields:
  arrested:
    column: A
    type: boolean
    "true": ["Yes"]
    "false": ["No"]
  status:
    column: S
    type: text
  reported:
    column: D
    type: date
"""


def parse(events: str):
    return mapping_parse(BASE + "response_events:\n" + events, "events.yaml")


def test_an_event_kind_outside_the_vocabulary_is_refused() -> None:
    with pytest.raises(
        MappingError, match=r"response_events\[1\].kind: “arrested” is not a response event kind"
    ):
        parse("  - {when: arrested, kind: arrested, date: reported}\n")


def test_an_event_dated_by_a_field_that_is_not_a_date_is_refused() -> None:
    with pytest.raises(
        MappingError, match=r"response_events\[1\].date: “status” is a text field; expected a date"
    ):
        parse("  - {when: arrested, kind: detained, date: status}\n")


def test_an_event_read_from_an_unknown_field_is_refused() -> None:
    with pytest.raises(
        MappingError, match=r"response_events\[1\].when: “arrest” is not a field of this mapping"
    ):
        parse("  - {when: arrest, kind: detained, date: reported}\n")


def test_an_unknown_key_of_an_event_is_refused() -> None:
    with pytest.raises(MappingError, match=r"response_events\[1\].source: unknown key; the keys"):
        parse("  - {when: arrested, kind: detained, date: reported, source: x}\n")


def test_a_true_field_makes_an_event_dated_by_the_date_field() -> None:
    mapping = parse("  - {when: arrested, kind: detained, date: reported}\n")
    fields = mapping.apply({"A": "Yes", "S": "", "D": "2021-03-04"}, 2).fields
    assert fields is not None
    assert fields[PENDING_KEY] == [
        {"kind": "detained", "date": "2021-03-04", "source": "events (arrested)", "note": ""}
    ]


def test_a_false_field_makes_no_event() -> None:
    mapping = parse("  - {when: arrested, kind: detained, date: reported}\n")
    fields = mapping.apply({"A": "No", "S": "", "D": "2021-03-04"}, 2).fields
    assert fields is not None and PENDING_KEY not in fields


def test_equals_makes_an_event_for_one_value_of_a_field() -> None:
    mapping = parse("  - {when: status, equals: charged, kind: charged, date: reported}\n")
    charged = mapping.apply({"A": "No", "S": "charged", "D": "2021-03-04"}, 2).fields
    other = mapping.apply({"A": "No", "S": "open", "D": "2021-03-04"}, 2).fields
    assert charged is not None and other is not None
    assert [event["kind"] for event in charged[PENDING_KEY]] == ["charged"]
    assert PENDING_KEY not in other


def test_a_toronto_arrest_is_a_detention_dated_when_it_was_reported(toronto_mapping) -> None:
    fields = toronto_row(toronto_mapping, {"RACE_BIAS": "Black"} | _nones(exclude="RACE_BIAS"))
    (event,) = fields[PENDING_KEY]
    assert (event["kind"], event["date"]) == ("detained", "2020-01-02")
    assert "no arrest date" in event["note"]


def _linkable_report(cast, fields: dict) -> Report:
    source_list = SourceListFactory(organisation=cast.organisation)
    return ReportFactory(source_list=source_list, fields=fields)


@pytest.mark.django_db
def test_linking_a_report_adds_its_events_to_the_incident_once(cast) -> None:
    pending = {"kind": "detained", "date": "2021-03-04", "source": "Toronto (arrest_made)"}
    report = _linkable_report(cast, {"date": "2021-03-01", PENDING_KEY: [pending]})
    incident = IncidentFactory(organisation=cast.organisation)
    other = IncidentFactory(organisation=cast.organisation)
    for target in (incident, other, incident):
        reports_link_to_incident(user=cast.owner, incident=target, reports=[report])
    events = ResponseEvent.objects.filter(incident=incident)
    assert [(e.kind, e.date, e.source) for e in events] == [
        ("detained", datetime.date(2021, 3, 4), "Toronto (arrest_made)")
    ]


@pytest.mark.django_db
def test_an_event_that_does_not_validate_is_left_out_and_the_link_stays(cast) -> None:
    future = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()  # noqa: DTZ011 - a calendar date, as the importer reads it
    report = _linkable_report(cast, {PENDING_KEY: [{"kind": "detained", "date": future}]})
    incident = IncidentFactory(organisation=cast.organisation)
    reports_link_to_incident(user=cast.owner, incident=incident, reports=[report])
    assert incident.report_links.count() == 1
    assert not ResponseEvent.objects.filter(incident=incident).exists()


@pytest.mark.django_db
def test_linking_in_the_records_alone_adds_no_event(cast) -> None:
    # The records know nothing of responses: the services above them (intake, linkage) add the
    # events once they have linked the reports.
    pending = {"kind": "detained", "date": "2021-03-04", "source": "Toronto (arrest_made)"}
    report = _linkable_report(cast, {PENDING_KEY: [pending]})
    incident = IncidentFactory(organisation=cast.organisation)
    incident_link_reports(incident=incident, reports=[report], user=cast.owner)
    assert not ResponseEvent.objects.filter(incident=incident).exists()


PRESENT = """
version: 1
name: arrests
fields:
  arrested_on:
    column: Arrested
    type: date
  charges:
    column: Charges
    type: codes
    vocabulary: incident_type
    separator: ","
response_events:
  - {when: arrested_on, present: true, kind: detained, date: arrested_on}
  - {when: charges, present: true, kind: charged, date: arrested_on}
"""


def test_present_makes_an_event_when_the_field_holds_any_value() -> None:
    mapping = mapping_parse(PRESENT, "arrests.yaml")
    fields = mapping.apply({"Arrested": "2021-03-04", "Charges": "threat"}, 2).fields
    assert fields is not None
    assert [(e["kind"], e["date"]) for e in fields[PENDING_KEY]] == [
        ("detained", "2021-03-04"),
        ("charged", "2021-03-04"),
    ]


def test_present_makes_no_event_for_an_empty_value_or_an_empty_list() -> None:
    mapping = mapping_parse(PRESENT, "arrests.yaml")
    fields = mapping.apply({"Arrested": "2021-03-04", "Charges": ""}, 2).fields
    assert fields is not None
    assert [e["kind"] for e in fields[PENDING_KEY]] == ["detained"]
    nothing = mapping.apply({"Arrested": "", "Charges": ""}, 2).fields
    assert nothing is not None and PENDING_KEY not in nothing


def test_present_false_is_refused() -> None:
    with pytest.raises(MappingError, match=r"response_events\[1\].present: expected true"):
        parse("  - {when: status, present: false, kind: charged, date: reported}\n")


def test_present_and_equals_together_are_refused() -> None:
    with pytest.raises(
        MappingError, match=r"response_events\[1\]: expected equals or present, not both"
    ):
        parse("  - {when: status, present: true, equals: x, kind: charged, date: reported}\n")


def test_every_mistake_of_the_events_is_named_by_its_key() -> None:
    with pytest.raises(MappingError) as error:
        parse(
            "  - {when: arrested, kind: detained, date: reported}\n"
            "  - {when: arrest, kind: jailed, date: status, note: 7}\n"
            "  - {kind: detained, date: reported}\n"
        )
    assert error.value.messages == (
        "events.yaml: response_events[2].when: “arrest” is not a field of this mapping; its "
        "fields are arrested, status, reported.",
        "events.yaml: response_events[2].kind: “jailed” is not a response event kind; expected "
        "one of " + ", ".join(response_vocabulary("response_event_kind").codes) + ".",
        "events.yaml: response_events[2].date: “status” is a text field; expected a date field.",
        "events.yaml: response_events[2].note: expected a text; found int 7.",
        "events.yaml: response_events[3].when: expected a field of this mapping; found nothing.",
    )


@pytest.mark.django_db
def test_dozor_import_refuses_a_mapping_whose_event_has_an_unknown_kind(
    cast, source_list, tmp_path
) -> None:
    path = write_csv(tmp_path / "events.csv", "A,S,D\nYes,,2021-03-04\n")
    mapping = BASE + "response_events:\n  - {when: arrested, kind: arrested, date: reported}\n"
    with pytest.raises(CommandError) as error:
        import_by_command(path, source_list, cast.owner, mapping_text=mapping)
    assert str(error.value).startswith(
        f"{tmp_path / 'mapping.yaml'}: response_events[1].kind: “arrested” is not a response "
        "event kind; expected one of "
    )


def test_an_events_mistake_is_told_in_russian_to_a_russian_reader() -> None:
    with translation.override("ru"), pytest.raises(MappingError) as error:
        parse("  - {when: arrested, kind: arrested, date: reported}\n")
    assert str(error.value).startswith(
        "events.yaml: response_events[1].kind: «arrested» — не вид события реакции властей; "
    )
