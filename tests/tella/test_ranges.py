"""parse_content_range: exactly ``bytes START-END/TOTAL`` in decimal digits, END within TOTAL."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dozor.tella.ranges import ByteRange, RangeError, parse_content_range


def test_a_range_gives_its_start_end_length_and_whether_it_completes_the_file() -> None:
    found = parse_content_range("bytes 1048576-2097151/2097152")
    assert found == ByteRange(start=1048576, end=2097151, total=2097152)
    assert found.length == 1048576 and found.completes


@pytest.mark.parametrize(
    "value",
    [
        "",
        "bytes",
        "bytes 0-9",
        "bytes */10",
        "bytes 0-9/*",
        "bits 0-9/10",
        "bytes 0x0-9/10",
        "bytes -1-9/10",
        "bytes 0-9/10, 10-19/20",
        "bytes ٠-٩/١٠",  # Arabic-Indic digits: numbers to int(), not to HTTP
        "bytes 1" + "0" * 19 + "-2/3",
    ],
)
def test_what_is_not_the_shape_is_refused_naming_the_header(value: str) -> None:
    with pytest.raises(RangeError, match="Content-Range: expected"):
        parse_content_range(value)


def test_a_range_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(RangeError, match="before it starts"):
        parse_content_range("bytes 10-9/100")


def test_a_range_reaching_the_total_is_refused() -> None:
    with pytest.raises(RangeError, match="beyond the declared total"):
        parse_content_range("bytes 0-10/10")


@given(st.text(max_size=60))
def test_any_text_is_a_range_or_a_range_error(value: str) -> None:
    try:
        found = parse_content_range(value)
    except RangeError:
        return
    assert 0 <= found.start <= found.end < found.total
