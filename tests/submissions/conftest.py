"""Sending the public form as a person does: open the page, read the sum in the picture, write
the answer. The test reads the sum the way the picture is drawn from its token (the test knows
the site's key, as a person's eyes know the picture); nothing in the form's check is bypassed."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from dozor.submissions import challenge
from tests.conftest import Cast

TOKEN = re.compile(r'name="challenge" value="([^"]+)"')
ACCOUNT = "Нас задержали у метро Курская, в автозаке били дубинками"
CONTACT = "Signal: +7 900 555-01-02, после 20:00"


def form_url(lang: str | None = None) -> str:
    return reverse("report:report_form") + (f"?lang={lang}" if lang else "")


def challenge_of(page: Any) -> str:
    found = TOKEN.search(page.content.decode())
    assert found, "the form should carry a challenge"
    return found.group(1)


def answer_to(token: str) -> str:
    """The sum the picture of ``token`` shows."""
    first, second = challenge.question(challenge.nonce_of(token))
    return str(first + second)


def send(
    client: Client,
    *,
    files: list[tuple[str, bytes]] | None = None,
    lang: str | None = None,
    answer: str | None = None,
    **fields: Any,
) -> Any:
    """Open the form, read its sum, fill it in and send it; the answer to the response."""
    token = challenge_of(client.get(form_url(lang)))
    data: dict[str, Any] = {
        "title": "Задержание",
        "what_happened": ACCOUNT,
        "when_text": "12 марта, вечером",
        "where_text": "Москва, Курская",
        "contact": CONTACT,
        "challenge": token,
        "answer": answer_to(token) if answer is None else answer,
        "website": "",
        **fields,
    }
    if files:
        data["files"] = [SimpleUploadedFile(name, content) for name, content in files]
    return client.post(form_url(lang), data)


@pytest.fixture
def receiving(cast: Cast, settings: Any) -> Cast:
    """Organisation A receives the public form (there are two organisations, so it is named)."""
    settings.DOZOR_INTAKE_ORGANISATION = cast.organisation.name
    return cast
