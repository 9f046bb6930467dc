"""The public form's challenge: its token tells nothing of the answer, lives an hour and is
spent once; what is remembered of spent ones is gone once they would have expired anyway."""

from __future__ import annotations

import datetime
import time

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from dozor.submissions import challenge
from dozor.submissions.models import SpentChallenge, Submission
from tests.conftest import Cast
from tests.submissions.conftest import ACCOUNT, answer_to, challenge_of, form_url


def test_the_token_names_a_nonce_and_nothing_of_the_sum() -> None:
    token = challenge.challenge_new()
    payload = signing.loads(token, salt=challenge.SALT)
    assert set(payload) == {"n"}, "a signed token is readable: it must not hold the sum"


def test_the_sum_is_the_same_each_time_the_picture_is_asked_for() -> None:
    token = challenge.challenge_new()
    assert challenge.image_png(token) == challenge.image_png(token)


def test_a_token_an_hour_old_is_refused_and_nothing_is_kept(
    receiving: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = Client()
    token = challenge_of(client.get(form_url()))
    answer = answer_to(token)
    later = time.time() + challenge.MAX_AGE.total_seconds() + 60
    monkeypatch.setattr(signing.time, "time", lambda: later)
    page = client.post(form_url(), {"what_happened": ACCOUNT, "challenge": token, "answer": answer})
    assert page.status_code == 400
    assert "more than an hour old" in page.content.decode()
    assert Submission.objects.count() == 0


def test_a_wrong_answer_spends_the_token_too(receiving: Cast) -> None:
    token = challenge.challenge_new()
    with pytest.raises(challenge.ChallengeFailed):
        challenge.challenge_check(token, "0")
    with pytest.raises(challenge.ChallengeFailed) as again:
        challenge.challenge_check(token, answer_to(token))
    assert "used already" in again.value.message


def test_spent_challenges_are_forgotten_once_their_tokens_have_expired(db: None) -> None:
    old = SpentChallenge.objects.create(
        nonce="old", spent_at=timezone.now() - challenge.MAX_AGE - datetime.timedelta(minutes=1)
    )
    recent = SpentChallenge.objects.create(nonce="recent", spent_at=timezone.now())
    token = challenge.challenge_new()
    challenge.challenge_check(token, answer_to(token))
    remaining = set(SpentChallenge.objects.values_list("pk", flat=True))
    assert old.pk not in remaining and recent.pk in remaining
