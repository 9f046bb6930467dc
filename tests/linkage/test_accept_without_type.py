"""A report that gives no incident type cannot become an incident on its own: `dozor link accept`
leaves it for a person and says what to map, in words, not as a form's field error."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from dozor.linkage.accept import LEFT_NO_TYPE
from dozor.records.models import IncidentReport
from tests.conftest import Cast
from tests.linkage.test_link_robust import import_list, incidents

pytestmark = pytest.mark.django_db


def test_reports_without_an_incident_type_are_left_for_a_person_saying_what_to_map(
    cast: Cast, tmp_path
) -> None:
    rows = incidents(40, 11)
    # The NGO's own reports of incidents the partner did not record give no type.
    untyped = [row if row["in_both"] else {**row, "Тип": ""} for row in rows]
    import_list(tmp_path, cast, "НКО", untyped)
    import_list(tmp_path, cast, "Партнёр", [r for r in rows if r["in_both"]])
    call_command("link", "--user", "owner", "--json", stdout=StringIO())
    out = StringIO()
    call_command("link", "accept", "--user", "owner", "--json", stdout=out)
    result = json.loads(out.getvalue())
    reasons = [group["reason"] for group in result["groups_left"]]
    assert reasons and set(reasons) == {str(LEFT_NO_TYPE)}
    assert len(result["groups_left"]) == sum(not row["in_both"] for row in rows)
    left = {report["id"] for group in result["groups_left"] for report in group["reports"]}
    assert not IncidentReport.objects.filter(report_id__in=left).exists()
    assert IncidentReport.objects.count() == result["links"]
