"""The incident list's rows, written in Python, read as the template wrote them cell by cell."""

from __future__ import annotations

import datetime

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation

from dozor.records.models import Incident
from dozor.records.selectors import ListRow, list_rows
from tests.conftest import Cast
from tests.factories import IncidentBiasFactory, IncidentFactory

pytestmark = pytest.mark.django_db

# The rows as records/incident_list.html rendered them before {% incident_rows %}, the date as
# records/_date.html gave it (less the newline at the end of that file).
TEMPLATE_ROWS = """{% load i18n dozor %}{% for incident in page %}
    <tr>
      <td><a href="{% url 'records:incident_detail' incident.reference %}">{{ incident.reference }}</a></td>
      <td>{% if incident.date_precision == "unknown" %}{% translate "date unknown" %}{% elif incident.date_precision == "year" %}{{ incident.date_start|date:"Y" }}{% elif incident.date_precision == "month" %}{{ incident.date_start|date:"m.Y" }}{% elif incident.date_precision == "range" %}{{ incident.date_start|date:"d.m.Y" }}–{{ incident.date_end|date:"d.m.Y" }}{% else %}{{ incident.date_start|date:"d.m.Y" }}{% endif %}</td>
      <td>{{ incident.title }}{% if incident.defender_targeted %} <span class="tag">{% translate "defenders" %}</span>{% endif %}</td>
      <td>{{ incident.region|region_name|default:incident.country }}</td>
      <td>{{ incident.incident_type|term:"incident_type" }}</td>
      <td>{% for bias in incident.biases.all %}{{ bias.motivation|term:"bias_motivation" }}{% if not forloop.last %}; {% endif %}{% endfor %}</td>
      <td class="num">{{ incident.killed }}</td><td class="num">{{ incident.injured }}</td>
      <td>{{ incident.verification_status|term:"verification_status" }}</td>
    </tr>
  {% empty %}
    <tr><td colspan="9">{% translate "No incidents match these filters." %}</td></tr>
  {% endfor %}"""  # noqa: E501 - the template's lines as they were

DAY = datetime.date(2008, 12, 4)


def varied(cast: Cast) -> list[Incident]:
    """Incidents with every date precision, a title to escape, no region, an unknown code, a
    defender, several biases and counts in the thousands."""
    org = cast.organisation
    made = [
        IncidentFactory(
            organisation=org, title="<b>\"Нападение\" & побег</b> в 'Ромашке'", killed=1200
        ),
        IncidentFactory(organisation=org, date_precision="year", defender_targeted=True),
        IncidentFactory(organisation=org, date_precision="month", region="", country="KZ"),
        IncidentFactory(
            organisation=org,
            date_precision="range",
            date_end=DAY + datetime.timedelta(days=3),
            injured=4,
        ),
        IncidentFactory(organisation=org, date_precision="unknown", date_start=None),
        IncidentFactory(organisation=org, incident_type="no_such_type", region="RU-MOW"),
    ]
    IncidentBiasFactory(incident=made[0], motivation="racist_xenophobic")
    IncidentBiasFactory(incident=made[0], motivation="anti_lgbti")
    IncidentBiasFactory(incident=made[1], motivation="not_a_motivation")
    return list(Incident.objects.filter(pk__in=[i.pk for i in made]).prefetch_related("biases"))


def listed(incidents: list[Incident]) -> list[ListRow]:
    """The incidents as the list reads a page of them (list_rows), in the same order."""
    ids = [incident.pk for incident in incidents]
    rows = {row.incident.pk: row for row in list_rows(Incident.objects.filter(pk__in=ids))}
    return [rows[pk] for pk in ids]


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_rows_are_what_the_template_wrote_cell_by_cell(cast: Cast, language: str) -> None:
    incidents = varied(cast)
    request = RequestFactory().get("/incidents/")
    with translation.override(language):
        ours = Template("{% load dozor %}{% incident_rows page %}").render(
            Context({"page": listed(incidents), "request": request})
        )
        template = Template(TEMPLATE_ROWS).render(Context({"page": incidents}))
    assert ours == template
    assert "&lt;b&gt;&quot;Нападение&quot; &amp; побег&lt;/b&gt; в &#x27;Ромашке&#x27;" in ours


def test_no_incident_gives_the_row_that_says_so() -> None:
    with translation.override("ru"):
        ours = Template("{% load dozor %}{% incident_rows page %}").render(Context({"page": []}))
        template = Template(TEMPLATE_ROWS).render(Context({"page": []}))
    assert ours == template


def test_the_list_page_shows_the_rows_escaped(cast: Cast) -> None:
    incident = IncidentFactory(organisation=cast.organisation, title="<script>x</script>")
    page = cast.client("owner").get("/incidents/").content.decode()
    assert f'<a href="/incidents/{incident.reference}/">{incident.reference}</a>' in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>x" not in page
