"""The import's number among a report's readable facts: what lets the Reports list show what one
import stored without opening every report, for new reports and for those stored before."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.apps import apps
from django.urls import reverse

from dozor.records.models import IMPORT_BATCH_FACT, Report
from dozor.security.crypto import KeyRing
from dozor.security.keyring import keyring_set
from tests.conftest import Cast
from tests.records.imported import Imported, import_named

pytestmark = pytest.mark.django_db

backfill = importlib.import_module("dozor.records.migrations.0006_report_import_batch_fact")


@pytest.fixture
def imported(cast: Cast, tmp_path: Path) -> Imported:
    return import_named(tmp_path, cast.owner)


@pytest.fixture
def locked() -> Iterator[None]:
    keyring_set(KeyRing.locked_because("no key given"))
    yield
    keyring_set(None)


def stored_before_the_fact(report: Report) -> None:
    """The report as a Dozor that did not yet keep the import's number left it."""
    facts = {k: v for k, v in report.facts.items() if k != IMPORT_BATCH_FACT}
    Report.objects.filter(pk=report.pk).update(facts=facts)


def test_an_imported_report_carries_its_imports_number(imported: Imported) -> None:
    assert imported.named.facts[IMPORT_BATCH_FACT] == imported.batch.pk


def test_reports_stored_before_get_the_number_when_dozor_is_updated(
    imported: Imported, cast: Cast
) -> None:
    stored_before_the_fact(imported.named)
    backfill.import_batch_facts(apps, None)
    assert Report.objects.get(pk=imported.named.pk).facts[IMPORT_BATCH_FACT] == imported.batch.pk
    page = cast.client("owner").get(reverse("reports:report_list"), {"batch": imported.batch.pk})
    assert f'href="/reports/{imported.named.pk}/"' in page.content.decode()


def test_without_the_key_the_update_changes_nothing(imported: Imported, locked: None) -> None:
    stored_before_the_fact(imported.named)
    backfill.import_batch_facts(apps, None)
    assert IMPORT_BATCH_FACT not in Report.objects.get(pk=imported.named.pk).facts


def test_the_other_facts_stay_as_they_were(imported: Imported) -> None:
    before = dict(imported.named.facts)
    stored_before_the_fact(imported.named)
    backfill.import_batch_facts(apps, None)
    assert Report.objects.get(pk=imported.named.pk).facts == before
