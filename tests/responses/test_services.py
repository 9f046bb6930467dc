"""Writes: events are appended and corrected, never changed; dialogue is per organisation."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dozor.accounts.models import Role
from dozor.responses import selectors, services
from dozor.responses.models import MSG_VERDICT_OUTCOME, ResponseEvent
from dozor.responses.services import (
    MSG_ALREADY_CORRECTED,
    MSG_ALREADY_ON_LIST,
    EventInput,
    RaisingInput,
)
from tests.conftest import Cast
from tests.factories import UserFactory
from tests.responses.factories import BodyFactory, ResponseEventFactory

DAY = datetime.date(2008, 12, 10)


def test_an_event_is_appended(cast: Cast) -> None:
    event = services.event_add(
        incident=cast.incident,
        user=cast.owner,
        data=EventInput(kind="case_opened", date=DAY, articles=("ru_cc_116",)),
    )
    assert event.articles == ["ru_cc_116"]
    assert selectors.incident_status(cast.incident).stage == "investigation"


def test_a_verdict_without_its_outcome_is_refused(cast: Cast) -> None:
    with pytest.raises(ValidationError) as caught:
        services.event_add(
            incident=cast.incident, user=cast.owner, data=EventInput(kind="verdict", date=DAY)
        )
    assert caught.value.message_dict["verdict_outcome"] == [str(MSG_VERDICT_OUTCOME)]
    assert not ResponseEvent.objects.exists()


def test_an_unknown_article_is_refused(cast: Cast) -> None:
    with pytest.raises(ValidationError) as caught:
        services.event_add(
            incident=cast.incident,
            user=cast.owner,
            data=EventInput(kind="case_opened", date=DAY, articles=("ru_cc_999",)),
        )
    assert "articles" in caught.value.message_dict


def test_a_future_date_is_refused(cast: Cast) -> None:
    future = datetime.datetime.now(tz=datetime.UTC).date() + datetime.timedelta(days=3)
    with pytest.raises(ValidationError):
        services.event_add(
            incident=cast.incident, user=cast.owner, data=EventInput(kind="detained", date=future)
        )


def test_a_sentence_field_on_another_kind_is_refused(cast: Cast) -> None:
    with pytest.raises(ValidationError) as caught:
        services.event_add(
            incident=cast.incident,
            user=cast.owner,
            data=EventInput(kind="charged", date=DAY, sentence_months=12),
        )
    assert "sentence_months" in caught.value.message_dict


@pytest.mark.parametrize("who", ["reader", "outsider"])
def test_only_the_owning_documenters_record_events(cast: Cast, who: str) -> None:
    with pytest.raises(PermissionDenied):
        services.event_add(
            incident=cast.incident,
            user=getattr(cast, who),
            data=EventInput(kind="detained", date=DAY),
        )


def test_a_correction_supersedes_and_keeps_the_original(cast: Cast) -> None:
    wrong = ResponseEventFactory(incident=cast.incident, kind="closed", date=DAY)
    services.event_correct(
        event=wrong, user=cast.owner, data=EventInput(kind="suspended", date=DAY)
    )
    assert ResponseEvent.objects.filter(pk=wrong.pk).exists()
    assert selectors.incident_status(cast.incident).stage == "suspended"


def test_an_event_is_corrected_once(cast: Cast) -> None:
    wrong = ResponseEventFactory(incident=cast.incident, kind="closed", date=DAY)
    services.event_correct(
        event=wrong, user=cast.owner, data=EventInput(kind="suspended", date=DAY)
    )
    with pytest.raises(ValidationError) as caught:
        services.event_correct(
            event=wrong, user=cast.owner, data=EventInput(kind="closed", date=DAY)
        )
    assert caught.value.messages == [str(MSG_ALREADY_CORRECTED)]


def test_a_case_is_on_the_raise_list_once(cast: Cast) -> None:
    services.raise_list_add(incident=cast.incident, user=cast.owner, priority="high", reason="x")
    with pytest.raises(ValidationError) as caught:
        services.raise_list_add(incident=cast.incident, user=cast.owner, priority="low", reason="y")
    assert caught.value.message_dict["incident"] == [str(MSG_ALREADY_ON_LIST)]


def test_an_advocate_logs_a_raising(cast: Cast) -> None:
    advocate = UserFactory(organisation=cast.organisation, role=Role.ADVOCATE)
    raising = services.raising_log(
        incident=cast.incident,
        user=advocate,
        data=RaisingInput(
            raised_on=DAY,
            raised_by="A. Advocate",
            body=BodyFactory(),
            channel="meeting",
            request="Open a case",
            follow_up_due=DAY + datetime.timedelta(days=30),
        ),
    )
    assert raising.organisation == cast.organisation
    assert raising.is_open


def test_a_reply_before_the_raising_is_refused(cast: Cast) -> None:
    with pytest.raises(ValidationError) as caught:
        services.raising_log(
            incident=cast.incident,
            user=cast.owner,
            data=RaisingInput(
                raised_on=DAY,
                raised_by="A",
                body=BodyFactory(),
                channel="letter",
                request="Open a case",
                reply="No",
                reply_on=DAY - datetime.timedelta(days=1),
            ),
        )
    assert "reply_on" in caught.value.message_dict


@pytest.mark.parametrize("who", ["reader", "outsider"])
def test_readers_and_outsiders_log_no_dialogue(cast: Cast, who: str) -> None:
    with pytest.raises(PermissionDenied):
        services.raise_list_add(
            incident=cast.incident, user=getattr(cast, who), priority="high", reason="x"
        )
