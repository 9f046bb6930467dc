"""Random input to the incident form and the sign-in form: never a 500, never a half-written row."""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dozor.records.models import Incident, IncidentBias, PersonInvolvement
from tests.conftest import Cast
from tests.records.test_views import form_data

pytestmark = pytest.mark.django_db

FIELDS = [
    "title",
    "summary",
    "date_start",
    "date_end",
    "date_precision",
    "region",
    "incident_type",
    "killed",
    "injured",
    "latitude",
    "longitude",
    "confidentiality",
    "bias-TOTAL_FORMS",
    "bias-0-motivation",
    "person-TOTAL_FORMS",
    "person-0-age",
    "person-0-count",
    "person-0-name",
]
values = st.one_of(
    st.text(max_size=400),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.just("x" * 30_000),
    st.sampled_from(["", "0", "-1", "2024-02-30", "9999-99-99", "\x00", "None", "[]"]),
)
FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(changes=st.dictionaries(st.sampled_from(FIELDS), values, max_size=6))
def test_the_incident_form_never_fails_or_half_writes(cast: Cast, changes: dict[str, str]) -> None:
    client = cast.client("owner")
    counts = (Incident.objects.count(), IncidentBias.objects.count())
    people = PersonInvolvement.objects.count()
    response = client.post("/incidents/new/", {**form_data(), **changes})
    assert response.status_code in (302, 400, 413)
    if response.status_code != 302:
        assert (Incident.objects.count(), IncidentBias.objects.count()) == counts
        assert PersonInvolvement.objects.count() == people


@FUZZ
@given(
    username=values,
    password=values,
    extra=st.dictionaries(st.text(max_size=20), st.text(max_size=50), max_size=3),
)
def test_the_sign_in_form_never_fails(
    cast: Cast, username: str, password: str, extra: dict[str, str]
) -> None:
    response = Client().post(
        "/accounts/login/", {**extra, "username": username, "password": password}
    )
    assert response.status_code in (200, 302, 400, 429)


def test_a_sign_in_with_a_very_long_user_name_is_refused_not_a_crash(cast: Cast) -> None:
    response = Client().post("/accounts/login/", {"username": "я" * 5000, "password": "x"})
    assert response.status_code in (200, 400)
