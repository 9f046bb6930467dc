"""Random query strings to the export views: never a 500, never a name in an ODIHR file."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Cast

pytestmark = pytest.mark.django_db

LIST_PARAMETERS = ["q", "date_from", "date_to", "country", "region", "bias", "type", "status",
                   "defenders", "sort", "page"]  # fmt: skip
ODIHR_PARAMETERS = ["country", "year", "lang"]
values = st.one_of(
    st.text(max_size=200),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.sampled_from(["", "RU", "RU-SPE", "2024", "2024-02-30", "-date", "yes", "\x00", "ru"]),
)
FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(
    query=st.dictionaries(st.sampled_from(LIST_PARAMETERS), values, max_size=5),
    file_format=st.sampled_from(["csv", "json", "xml"]),
)
def test_the_list_export_never_fails(cast: Cast, query: dict[str, str], file_format: str) -> None:
    response = cast.client("owner").get(f"/exports/incidents/{file_format}/", query)
    assert response.status_code in (200, 400, 404)
    if response.status_code == 200:
        b"".join(response.streaming_content)  # type: ignore[attr-defined]


@FUZZ
@given(
    query=st.dictionaries(st.sampled_from(ODIHR_PARAMETERS), values, max_size=3),
    path=st.sampled_from(["", "download/csv/", "download/xlsx/", "download/ods/"]),
)
def test_the_odihr_views_never_fail(cast: Cast, query: dict[str, str], path: str) -> None:
    response = cast.client("reader").get(f"/exports/odihr/{path}", query)
    assert response.status_code in (200, 400, 404)


@FUZZ
@given(query=st.one_of(values, st.just("region=RU-SPE\r\nSet-Cookie: x=1")))
def test_the_bulk_mark_never_fails(cast: Cast, query: str) -> None:
    response = cast.client("owner").post("/exports/odihr/mark/", {"query": query, "year": "2024"})
    assert response.status_code == 302
