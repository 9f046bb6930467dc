"""Custom fields on the pages: an administrator defines them, a documenter fills them in the
incident form, the incident's page shows them to its organisation only, sealed ones to those
who see names."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from dozor.audit.models import AuditEntry
from dozor.records.custom_fields import CustomField, CustomValue, FieldType
from dozor.records.models import Incident
from tests.conftest import Cast
from tests.records.custom_fields import SENSITIVE_VALUE, administrator, define
from tests.records.test_views import form_data

pytestmark = pytest.mark.django_db


def signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_an_administrator_adds_a_choice_field_on_the_page(cast: Cast) -> None:
    client = signed_in(administrator(cast.organisation))
    response = client.post(
        reverse("custom_fields:custom_field_new"),
        {
            "key": "threat_language",
            "applies_to": "incident",
            "field_type": "choice",
            "label_en": "Language of the threat",
            "label_ru": "Язык угрозы",
            "options": "ru | Russian | русский\ntg | Tajik | таджикский",
            "position": "0",
        },
    )
    assert response.status_code == 302
    field = CustomField.objects.get(organisation=cast.organisation)
    assert field.options[1] == {"code": "tg", "en": "Tajik", "ru": "таджикский"}


def test_a_badly_written_option_is_named_by_its_line(cast: Cast) -> None:
    client = signed_in(administrator(cast.organisation))
    response = client.post(
        reverse("custom_fields:custom_field_new"),
        {
            "key": "threat_language",
            "applies_to": "incident",
            "field_type": "choice",
            "label_en": "Language",
            "label_ru": "Язык",
            "options": "ru | Russian | русский\nTajik",
            "position": "0",
        },
    )
    assert response.status_code == 400
    assert "Line 2 of the options" in response.content.decode()
    assert not CustomField.objects.exists()


def test_a_documenter_fills_a_field_in_a_new_incident(cast: Cast) -> None:
    define(cast.organisation, "police_station", FieldType.TEXT, label_en="Police station")
    client = cast.client("owner")
    form = client.get(reverse("records:incident_create")).content.decode()
    assert 'name="custom_police_station"' in form and "Police station" in form
    response = client.post(
        reverse("records:incident_create"), form_data(custom_police_station="ОП № 5")
    )
    assert response.status_code == 302
    incident = Incident.objects.exclude(pk=cast.incident.pk).get()
    assert CustomValue.objects.get(incident=incident).text == "ОП № 5"
    page = client.get(reverse("records:incident_detail", args=[incident.reference]))
    assert "Police station" in page.content.decode() and "ОП № 5" in page.content.decode()


@pytest.mark.parametrize(
    ("field_type", "typed", "expected"),
    [
        (FieldType.NUMBER, "пять", "Enter a number."),
        (FieldType.DATE, "32.13.2024", "Enter a valid date."),
        (FieldType.FLAG, "maybe", "Select a valid choice."),
        (FieldType.CHOICE, "fr", "Select a valid choice."),
    ],
)
def test_the_form_refuses_a_wrong_value_beside_its_field(
    cast: Cast, field_type: str, typed: str, expected: str
) -> None:
    define(cast.organisation, "extra", field_type)
    response = cast.client("owner").post(
        reverse("records:incident_create"), form_data(custom_extra=typed)
    )
    assert response.status_code == 400
    assert expected in response.content.decode()
    assert not CustomValue.objects.exists()


def test_a_required_field_left_empty_in_the_form_is_named(cast: Cast) -> None:
    define(cast.organisation, "station", FieldType.TEXT, required=True, label_en="Station")
    response = cast.client("owner").post(reverse("records:incident_create"), form_data())
    assert response.status_code == 400
    assert "“Station” is required." in response.content.decode()


def test_the_edit_form_shows_the_stored_values(cast: Cast) -> None:
    define(cast.organisation, "languages", FieldType.CHOICES)
    client = cast.client("owner")
    client.post(reverse("records:incident_create"), form_data(custom_languages=["ru", "tg"]))
    incident = Incident.objects.exclude(pk=cast.incident.pk).get()
    form = client.get(reverse("records:incident_edit", args=[incident.reference]))
    assert form.content.decode().count("checked") >= 2


def test_a_sensitive_value_is_hidden_from_a_reader_and_audited_for_the_owner(
    cast: Cast,
) -> None:
    define(cast.organisation, "officer", FieldType.TEXT, sensitive=True, label_en="Officer")
    cast.client("owner").post(
        reverse("records:incident_create"), form_data(custom_officer=SENSITIVE_VALUE)
    )
    incident = Incident.objects.exclude(pk=cast.incident.pk).get()
    url = reverse("records:incident_detail", args=[incident.reference])
    seen_by_reader = cast.client("reader").get(url).content.decode()
    assert "Officer" in seen_by_reader and "Грызлов" not in seen_by_reader
    assert "Грызлов" in cast.client("owner").get(url).content.decode()
    viewed = incident_views(incident)
    assert viewed and viewed[-1]["sensitive_fields_shown"] == 1


def incident_views(incident: Incident) -> list[dict[str, object]]:
    return [
        entry.changes
        for entry in AuditEntry.objects.filter(
            target_id=str(incident.pk), action="view_names"
        ).order_by("id")
    ]


def test_another_organisation_sees_no_field_of_a_public_incident(cast: Cast) -> None:
    define(cast.organisation, "station", FieldType.TEXT, label_en="Police station")
    cast.client("owner").post(
        reverse("records:incident_create"),
        form_data(custom_station="ОП № 5", confidentiality="public"),
    )
    incident = Incident.objects.exclude(pk=cast.incident.pk).get()
    page = cast.client("outsider").get(
        reverse("records:incident_detail", args=[incident.reference])
    )
    assert page.status_code == 200
    assert "Police station" not in page.content.decode() and "ОП № 5" not in page.content.decode()
    form = cast.client("outsider").get(reverse("records:incident_create")).content.decode()
    assert "custom_station" not in form


def test_a_person_field_is_filled_in_a_person_row_and_shown_with_the_person(cast: Cast) -> None:
    define(
        cast.organisation,
        "asked_protection",
        FieldType.FLAG,
        applies_to="person",
        label_en="Asked for protection",
    )
    client = cast.client("owner")
    form = client.get(reverse("records:incident_create")).content.decode()
    assert 'name="person-0-custom_asked_protection"' in form
    response = client.post(
        reverse("records:incident_create"),
        form_data(**{"person-0-pseudonym": "Victim A", "person-0-custom_asked_protection": "yes"}),
    )
    assert response.status_code == 302
    incident = Incident.objects.exclude(pk=cast.incident.pk).get()
    assert CustomValue.objects.get(person__incident=incident).flag is True
    page = client.get(reverse("records:incident_detail", args=[incident.reference]))
    assert "Asked for protection" in page.content.decode()
