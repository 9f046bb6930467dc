"""Random input to the forms of responses, dialogue, linkage review, evaluation, press review and
user access: never a 500, never a half-written row.

Each form is posted as an administrator of the owning organisation (so that the input reaches
validation) with random values for its own fields; whatever the answer, a refusal leaves every
table of the app as it was.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django import forms
from django.apps import apps
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dozor.accounts.forms import UserAccessForm
from dozor.accounts.models import Role
from dozor.evaluation.forms import AssessmentForm, OfficialStatisticForm, ThresholdForm
from dozor.linkage.forms import ClusterActionForm, DecisionForm, SplitForm
from dozor.linkage.models import CandidatePair, LinkageRun
from dozor.press.forms import DraftReviewForm
from dozor.press.services import draft_create
from dozor.responses.forms import BodyForm, EventForm, RaiseListForm, RaisingForm
from tests.conftest import Cast
from tests.factories import ReportFactory, SourceListFactory, UserFactory

pytestmark = pytest.mark.django_db

values = st.one_of(
    st.text(max_size=300),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.just("x" * 30_000),
    st.sampled_from(["", "0", "-1", "2024-02-30", "9999-99-99", "\x00", "None", "[]", "on"]),
)
FUZZ = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# (what, the form, its address for the cast, the apps whose tables a refusal must leave alone)
FORMS: list[tuple[str, type[forms.Form], Callable[[Cast], str], tuple[str, ...]]] = [
    ("response event", EventForm, lambda c: f"/responses/incident/{c.incident.reference}/",
     ("responses",)),
    ("raising", RaisingForm, lambda c: f"/responses/incident/{c.incident.reference}/raisings/new/",
     ("responses",)),
    ("raise list", RaiseListForm, lambda c: f"/responses/incident/{c.incident.reference}/raise/",
     ("responses",)),
    ("body", BodyForm, lambda c: "/responses/bodies/", ("responses",)),
    ("link decision", DecisionForm, lambda c: f"/linkage/pairs/{candidate_pair(c)}/",
     ("linkage", "records")),
    ("cluster action", ClusterActionForm, lambda c: "/linkage/clusters/", ("linkage", "records")),
    ("split", SplitForm, lambda c: f"/linkage/incidents/{c.incident.reference}/split/",
     ("linkage", "records")),
    ("assessment", AssessmentForm, lambda c: "/evaluation/RU/2008/C3.law/", ("evaluation",)),
    ("thresholds", ThresholdForm, lambda c: "/evaluation/thresholds/", ("evaluation",)),
    ("official statistics", OfficialStatisticForm, lambda c: "/evaluation/official/",
     ("evaluation",)),
    ("press draft review", DraftReviewForm, lambda c: f"/press/{press_draft(c)}/",
     ("press", "records")),
    ("user access", UserAccessForm, lambda c: f"/accounts/users/{c.reader.username}/",
     ("security",)),
]  # fmt: skip


def press_draft(cast: Cast) -> int:
    """A drafted article of the cast's organisation waiting for review; its id."""
    press = SourceListFactory(name="Пресса", kind="press_scan", organisation=cast.organisation)
    text = "В ночь на субботу в Екатеринбурге неизвестные избили Анну Щербакову."
    row, _created = draft_create(
        source_list=press, text=text, published=datetime.date(2024, 3, 4), user=cast.owner
    )
    return int(row.pk)


def candidate_pair(cast: Cast) -> int:
    """Two reports of the cast's organisation that linkage put side by side; the pair's id."""
    fields = {"date": "2009-03-14", "date_precision": "day", "region": "RU-SPE"}
    first, second = (
        ReportFactory(source_list=SourceListFactory(organisation=cast.organisation), fields=fields)
        for _ in range(2)
    )
    run = LinkageRun.objects.create(
        organisation=cast.organisation, started_by=cast.owner, threshold=0.1
    )
    pair = CandidatePair.objects.create(
        run=run, report_a=first, report_b=second, match_probability=0.97, match_weight=5.0
    )
    return int(pair.pk)


def table_counts(app_labels: tuple[str, ...]) -> dict[str, int]:
    """Rows per model of the apps; not of a model Django does not manage (the title words,
    which PostgreSQL's triggers write and SQLite does not have)."""
    return {
        model._meta.label: model._default_manager.count()
        for label in app_labels
        for model in apps.get_app_config(label).get_models()
        if model._meta.managed
    }


@pytest.mark.parametrize(
    ("what", "form", "address", "app_labels"), FORMS, ids=[f[0] for f in FORMS]
)
@FUZZ
@given(data=st.data())
def test_a_form_never_fails_or_half_writes(
    cast: Cast,
    what: str,
    form: type[forms.Form],
    address: Callable[[Cast], str],
    app_labels: tuple[str, ...],
    data: Any,
) -> None:
    # The database lives for the whole test, across examples: set up the form's objects once.
    if not hasattr(cast, "fuzz"):
        admin = UserFactory(organisation=cast.organisation, role=Role.ADMINISTRATOR)
        cast.fuzz = (admin, address(cast))  # type: ignore[attr-defined]
    admin, url = cast.fuzz  # type: ignore[attr-defined]
    client = cast.client("anonymous")
    client.force_login(admin)
    names = sorted(form.base_fields)
    posted = data.draw(st.dictionaries(st.sampled_from(names), values, max_size=len(names)))
    before = table_counts(app_labels)
    response = client.post(url, posted)
    assert response.status_code < 500, what
    if response.status_code != 302:
        assert table_counts(app_labels) == before, what
