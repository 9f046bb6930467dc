"""Random input to the public form, sent as a person sends it (the challenge read and answered,
or answered wrong): never a 5xx, and either one whole submission with every file it carried, or
nothing at all, in the database and in the file store."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from dozor.submissions.models import Submission, SubmissionFile
from tests.conftest import Cast
from tests.evidence.conftest import jpeg_bytes, stored_files
from tests.submissions.conftest import send

FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PRINTABLE = st.characters(blacklist_categories=("Cc", "Cs"))
plain = st.text(PRINTABLE, min_size=1, max_size=200)
odd = st.one_of(
    st.text(max_size=400),
    st.just("ж" * 20_001),
    st.just("x" * 1_001),
    st.sampled_from(["", " ", "\x00", "<script>alert(1)</script>", "'; DROP TABLE x; --"]),
)
# Mostly what a person writes, so that many forms go through; now and then something odd.
texts = st.one_of(plain, plain, plain, plain, odd)
contents = st.one_of(
    st.just(jpeg_bytes(b"fuzz")),
    st.binary(max_size=4000),
    st.just(b""),
    st.just(b"%PDF-1.4\n" + b"0" * 300),
    st.just(jpeg_bytes() + b"\0" * (1024 * 1024 + 10)),  # over the 1 MB the test allows
)
# Names the test client can send at all (it refuses to build a file named "" or "..").
file_names = st.text(PRINTABLE, min_size=1, max_size=300).filter(
    lambda name: os.path.basename(name) not in {"", ".", ".."}
)
files = st.lists(
    st.tuples(file_names, contents),
    max_size=3,
)
forms = st.fixed_dictionaries(
    {
        "title": texts,
        "what_happened": texts,
        "when_text": texts,
        "where_text": texts,
        "contact": texts,
    },
    optional={
        "do_not_contact": st.sampled_from(["on", "", "x"]),
        "wants_legal_help": st.sampled_from(["on", "", "false"]),
        "wants_asylum_help": st.sampled_from(["on", "1"]),
        "website": st.sampled_from(["", "http://spam.example", " "]),
        "answer": st.sampled_from(["", "abc", "-1", "99999", "0"]),
    },
)


@pytest.fixture
def small_files(settings: Any) -> None:
    settings.DOZOR_EVIDENCE_FILE_MAX_MB = 1
    settings.DOZOR_INTAKE_RATE_PER_HOUR = 0


@FUZZ
@given(fields=forms, attached=files)
def test_random_input_to_the_public_form_keeps_all_or_nothing(
    receiving: Cast, small_files: None, fields: dict[str, Any], attached: list[Any]
) -> None:
    before = (Submission.objects.count(), SubmissionFile.objects.count(), len(stored_files()))
    response = send(Client(), files=attached or None, **fields)
    assert response.status_code < 500
    event(f"answered {response.status_code}")
    after = (Submission.objects.count(), SubmissionFile.objects.count(), len(stored_files()))
    if response.status_code == 200:
        assert after[0] == before[0] + 1
        assert after[1] == before[1] + len(attached)
        assert after[2] == before[2] + len(attached)
    else:
        assert response.status_code == 400, response.status_code
        assert after == before
