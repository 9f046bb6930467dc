"""Random pieces, ranges and names sent to the Tella upload endpoints: never a 5xx, and never
anything half-stored. After every request each open upload's pieces follow each other from byte
0 to the bytes it says it received, a closed upload keeps no piece, and the store holds exactly
the pieces and the closed files: no sealed byte that no row accounts for."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dozor.security.files import file_store
from dozor.submissions.models import SubmissionFile
from dozor.tella.models import TellaUpload, TellaUploadPart
from tests.conftest import Cast
from tests.evidence.conftest import jpeg_bytes
from tests.factories import TEST_PASSWORD
from tests.tella.client import TellaPhone

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PHOTO = jpeg_bytes(b"fuzz", size=(64, 64))
numbers = st.one_of(
    st.integers(min_value=0, max_value=len(PHOTO) + 5).map(str),
    st.sampled_from(["-1", "1e3", "0x10", "", " 5", "١٠", "99999999999999999999999"]),
)
ranges = st.one_of(
    st.none(),
    st.builds(lambda a, b, c: f"bytes {a}-{b}/{c}", numbers, numbers, numbers),
    st.text(max_size=40),
)
names = st.one_of(
    st.sampled_from(["photo.jpg", "b9a0c4f2.jpg", "a" * 300, "..", "x\x00y", "фото.jpg"]),
    st.text(min_size=1, max_size=30),
)
steps = st.lists(
    st.tuples(
        st.sampled_from(["put", "put_v2", "head", "close"]),
        names,
        ranges,
        st.integers(min_value=0, max_value=len(PHOTO)),
        st.integers(min_value=0, max_value=len(PHOTO)),
    ),
    min_size=1,
    max_size=6,
)


def assert_nothing_half_stored() -> None:
    for upload in TellaUpload.objects.all():
        pieces = list(upload.parts.order_by("offset"))
        if upload.closed:
            assert pieces == []
            continue
        expected = 0
        for piece in pieces:
            assert piece.offset == expected
            expected += piece.size
        assert expected == upload.received
    stored = set(file_store().ids())
    accounted = set(TellaUploadPart.objects.values_list("file_id", flat=True)) | set(
        SubmissionFile.objects.values_list("file_id", flat=True)
    )
    assert stored == accounted


@FUZZ
@given(steps=steps)
def test_random_pieces_never_answer_5xx_and_leave_nothing_half_stored(
    cast: Cast, steps: list[tuple[str, str, str | None, int, int]]
) -> None:
    phone = TellaPhone()
    assert phone.sign_in(cast.owner.username, TEST_PASSWORD).status == 200
    report_id = phone.report("Fuzz").body["id"]
    for action, name, content_range, start, stop in steps:
        path_name = quote(name, safe="")
        body = PHOTO[min(start, stop) : max(start, stop)]
        if action == "head":
            status = phone.head(report_id, path_name).status
        elif action == "close":
            status = phone.close(report_id, path_name).status
        else:
            status = phone.put_raw(
                report_id, path_name, body, content_range=content_range, v2=action == "put_v2"
            ).status
        assert status < 500, (action, name, content_range)
        assert_nothing_half_stored()
