"""{% incident_path %} gives the incident page's path exactly as {% url %} does."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template
from django.urls import reverse, set_script_prefix

from tests.conftest import Cast
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r'<td><a href="([^"]+)">([^<]+)</a></td>')


def test_the_lists_rows_link_each_incident_to_its_page(cast: Cast) -> None:
    for _ in range(3):
        IncidentFactory(organisation=cast.organisation)
    page = cast.client("owner").get("/incidents/").content.decode()
    links = LINK.findall(page)
    assert len(links) == 4
    for path, reference in links:
        assert path == reverse("records:incident_detail", args=[reference])


def test_the_path_carries_the_script_prefix_of_the_request() -> None:
    """Dozor served under a sub-path (SCRIPT_NAME, set by the WSGI handler per request)."""
    set_script_prefix("/dozor/")
    try:
        path = Template("{% load dozor %}{% incident_path 'RU-2008-00001' %}").render(Context())
    finally:
        set_script_prefix("/")
    assert path == "/dozor/incidents/RU-2008-00001/"


@pytest.mark.parametrize("reference", ["RU-2008-00001", "ru-1", "RU-2008-0001ä", "a b", "x%y"])
def test_the_tag_gives_what_url_gives(reference: str) -> None:
    tag = Template("{% load dozor %}{% incident_path reference %}")
    url = Template("{% url 'records:incident_detail' reference %}")
    context = {"reference": reference}
    assert tag.render(Context(context)) == url.render(Context(context))
