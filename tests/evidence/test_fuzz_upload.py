"""Random input to the evidence upload form, sent as a documenter's browser sends it: odd file
names, sizes, types, kinds and dates. Never a 5xx, and either every file of the upload is kept
(a row, a sealed file and its preview's) or nothing at all, in the database and in the store."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http.multipartparser import MultiPartParser
from django.urls import reverse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from dozor.evidence.models import Attachment, Preview
from tests.conftest import Cast
from tests.evidence.conftest import jpeg_bytes, pdf_bytes, stored_files

FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PRINTABLE = st.characters(blacklist_categories=("Cc", "Cs"))
PDF = pdf_bytes("fuzz")
contents = st.one_of(
    st.just(jpeg_bytes(b"fuzz")),
    st.just(jpeg_bytes(b"again")),
    st.just(PDF),
    st.just(PDF),
    st.binary(max_size=4000),
    st.just(b""),
    st.just(b"%PDF-1.4\n" + b"0" * 300),  # a PDF's first bytes, then nothing a PDF holds
    st.just(b"MZ" + b"\0" * 500),  # a Windows program
    st.just(jpeg_bytes() + b"\0" * (1024 * 1024 + 10)),  # over the 1 MB the test allows
)
# Names a file can have on a disk (at most 255 bytes), that Django's parser receives at all: it
# drops a file whose name is empty once its path and unprintable characters are taken away.
file_names = st.text(PRINTABLE, min_size=1, max_size=120).filter(
    lambda name: (
        MultiPartParser.sanitize_file_name(None, name) is not None  # type: ignore[arg-type]
        and len(name.encode()) <= 255
    )
)
forms = st.fixed_dictionaries(
    # Mostly what the form offers, so that many uploads are kept; now and then anything.
    {
        "kind": st.one_of(
            *[st.sampled_from(["photo", "medical", "official", "other"])] * 4, st.text()
        )
    },
    optional={
        "description": st.one_of(*[st.text(max_size=100)] * 3, st.just("ж" * 2001)),
        "made_on": st.one_of(
            *[st.just(""), st.dates().map(str)] * 2, st.text(max_size=20), st.just("2024-02-30")
        ),
    },
)


@pytest.fixture
def small_files(settings: Any) -> None:
    settings.DOZOR_EVIDENCE_FILE_MAX_MB = 1
    settings.DOZOR_EVIDENCE_UPLOAD_MAX_MB = 2


@FUZZ
@given(fields=forms, attached=st.lists(st.tuples(file_names, contents), max_size=3))
def test_random_uploads_keep_every_file_or_none_and_never_fail(
    cast: Cast, small_files: None, fields: dict[str, Any], attached: list[Any]
) -> None:
    before = (Attachment.objects.count(), Preview.objects.count(), len(stored_files()))
    url = reverse("evidence:incident_attach", args=[cast.incident.reference])
    data = {**fields, "files": [SimpleUploadedFile(name, body) for name, body in attached]}
    response = cast.client("owner").post(url, data, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    kept = Attachment.objects.count() - before[0]
    event(f"kept {kept} of {len(attached)}")
    if kept:
        assert kept == len(attached)
        assert "kept as evidence" in page
        # Every file in the store is a kept file or the preview made of one: nothing else.
        previews = Preview.objects.exclude(file_id="").count()
        assert len(stored_files()) == Attachment.objects.count() + previews
    else:
        assert "Nothing was kept" in page
        assert (Attachment.objects.count(), Preview.objects.count(), len(stored_files())) == before
