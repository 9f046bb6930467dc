from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dozor.analysis.mse import (
    CaptureDataError,
    CaptureHistories,
    DegenerateDataError,
    MSEError,
    MSEWarning,
    TooFewListsError,
    capture_histories_from_frame,
    check_histories,
    split_by_stratum,
)

from .conftest import DATA


def test_individual_rows_are_aggregated(hare: CaptureHistories) -> None:
    assert hare.lists == ("c1", "c2", "c3", "c4", "c5", "c6")
    assert hare.observed == 68
    # Rcapture's descriptive(hare): occasions 1..6 catch 16, 28, 20, 26, 23, 32 hares
    assert list(hare.list_totals().values()) == [16, 28, 20, 26, 23, 32]
    # two hares were caught all six times
    full = np.asarray(hare.histories).sum(axis=1) == 6
    assert int(np.asarray(hare.counts)[full].sum()) == 2


def test_count_column_is_detected(hiv: CaptureHistories) -> None:
    assert hiv.lists == ("c1", "c2", "c3", "c4")
    assert hiv.observed == 1896
    on_one = np.asarray(hiv.histories).sum(axis=1) == 1
    assert int(np.asarray(hiv.counts)[on_one].sum()) == 1774  # Rcapture's HIV example


def test_explicit_columns_and_duplicates_added() -> None:
    df = pd.DataFrame({"a": [1, 1, 0], "b": [0, 0, 1], "c": [1, 1, 1], "n": [2, 3, 4]})
    ch = capture_histories_from_frame(df, lists=["a", "b", "c"], count_column="n")
    assert ch.observed == 9
    table = ch.full_table()
    assert table[0b101] == 5 and table[0b110] == 4


def test_full_table_round_trip(hiv: CaptureHistories) -> None:
    again = CaptureHistories.from_table(hiv.full_table(), hiv.lists)
    assert np.array_equal(again.full_table(), hiv.full_table())


@pytest.mark.parametrize(
    ("frame", "kwargs", "fragment"),
    [
        (pd.DataFrame({"a": [1, 2], "b": [0, 1], "c": [1, 1]}), {}, "column 'a', row 1"),
        (pd.DataFrame({"a": [1, None], "b": [0, 1], "c": [1, 1]}), {}, "column 'a', row 1"),
        (
            pd.DataFrame({"a": [1, 0], "b": [0, 1], "c": [1, 1], "count": [1, -3]}),
            {},
            "count column 'count', row 1",
        ),
        (
            pd.DataFrame({"a": [1, 0], "b": [0, 1], "c": [1, 1], "count": [1, 2.5]}),
            {},
            "non-negative whole number",
        ),
        (
            pd.DataFrame({"a": [1, 0], "b": [0, 0], "c": [1, 0], "count": [1, 7]}),
            {},
            "row 1: the history is on no list",
        ),
        (pd.DataFrame({"a": [1], "b": [0]}), {"count_column": "weight"}, "'weight' not found"),
        (pd.DataFrame({"a": [1], "b": [0]}), {"lists": ["a", "z"]}, "list column(s) z not found"),
        (pd.DataFrame(), {}, "no rows"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(
    frame: pd.DataFrame, kwargs: dict[str, object], fragment: str
) -> None:
    with pytest.raises(CaptureDataError) as info:
        capture_histories_from_frame(frame, **kwargs)  # type: ignore[arg-type]
    assert fragment in str(info.value)
    assert isinstance(info.value, MSEError)


def test_one_list_is_refused() -> None:
    with pytest.raises(TooFewListsError):
        capture_histories_from_frame(pd.DataFrame({"a": [1, 1], "count": [3, 4]}))


def test_two_lists_refused_unless_explicit() -> None:
    ch = capture_histories_from_frame(
        pd.DataFrame({"a": [1, 0, 1], "b": [0, 1, 1], "count": [781, 254, 167]})
    )
    with pytest.raises(TooFewListsError, match="no data can test"):
        check_histories(ch)
    cautions = check_histories(ch, allow_two_lists=True)
    assert [c.code for c in cautions] == ["two_lists"]


def test_degenerate_data_refused_and_cautioned() -> None:
    no_overlap = CaptureHistories.from_table([0, 5, 6, 0, 7, 0, 0, 0], ["a", "b", "c"])
    with pytest.raises(DegenerateDataError, match="more than one list") as caught:
        check_histories(no_overlap)
    assert caught.value.code == "no_overlap"
    empty_list = capture_histories_from_frame(
        pd.DataFrame({"a": [1, 1], "b": [1, 0], "c": [0, 0], "count": [3, 4]})
    )
    with pytest.raises(DegenerateDataError, match="hold no observed") as caught:
        check_histories(empty_list)
    assert (caught.value.code, caught.value.params) == ("empty_lists", {"lists": ["c"]})
    # list "a" holds everybody, few individuals, thin overlap
    everything = CaptureHistories.from_table([0, 5, 0, 2, 0, 1, 0, 0], ["a", "b", "c"])
    cautions = {c.code: c.params for c in check_histories(everything)}
    assert cautions["list_holds_everything"] == {"lists": ["a"]}
    assert cautions["few_observed"] == {"observed": 8, "minimum": 30}
    assert cautions["thin_overlap"] == {"on_several": 3}


def test_split_by_stratum_warns_about_small_strata() -> None:
    df = pd.read_csv(DATA / "HIV.csv")
    both = pd.concat([df.assign(region="north"), df.assign(region="south", freq=df.freq // 50)])
    with pytest.warns(MSEWarning, match="south"):
        parts = split_by_stratum(both, "region", count_column="freq", min_observed=100)
    assert list(parts) == ["north"]
    assert parts["north"].observed == 1896
    assert parts["north"].lists == ("c1", "c2", "c3", "c4")
    with pytest.raises(CaptureDataError, match="stratum column 'zone' not found"):
        split_by_stratum(both, "zone")
