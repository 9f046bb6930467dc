"""Model averaging over decomposable graphs against dga's published example."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import gammaln

from dozor.analysis import mse
from dozor.analysis.mse import dga

from .conftest import DATA


@pytest.fixture(scope="module")
def five() -> mse.CaptureHistories:
    return mse.capture_histories_from_frame(pd.read_csv(DATA / "madigan_york_5list_example.csv"))


@pytest.fixture(scope="module")
def three() -> mse.CaptureHistories:
    return mse.capture_histories_from_frame(pd.read_csv(DATA / "madigan_york_3list_example.csv"))


def test_graph_lists_ship_with_the_package() -> None:
    assert [len(dga.load_graphs(j)) for j in (3, 4, 5)] == [8, 61, 822]
    with pytest.raises(mse.TooFewListsError):
        dga.load_graphs(6)


def test_five_list_example_matches_dga(five: mse.CaptureHistories) -> None:
    assert five.observed == 537
    missing = np.arange(1, 301)
    w = dga.bma(five, missing, delta=0.5)
    assert w.shape == (822, 300)
    assert np.isclose(w.sum(), 1.0)
    graph_prob = np.sort(w.sum(axis=1))[::-1][:5]
    # dga README (bma.cr on this example): posterior probabilities of the top five graphs
    published = [0.21707345, 0.16029369, 0.08226562, 0.06535887, 0.05193514]
    np.testing.assert_allclose(graph_prob, published, atol=5e-9)
    # The README's table labels N as missing + 626 (the 3-list example's total, left over
    # in its session); with that labelling its summaries of the best graph are
    # Bayes est. 716, mode 713, 2.5% 687, 97.5% 752.
    names = [dga.graph_name(g, five.lists) for g in dga.load_graphs(5)]
    as_published = dga.DgaPosterior(626, missing, w, names, 0.5, 0.95)
    best = as_published.top_graphs(1)[0]
    assert best["graph"] == "[l1,l2][l1,l3][l2,l4][l4,l5]"
    assert (round(best["bayes_relative"]), best["mode"], best["lower"], best["upper"]) == (
        716,
        713,
        687,
        752,
    )


def test_three_list_example_with_negative_binomial_prior(three: mse.CaptureHistories) -> None:
    missing = np.arange(1, 301)
    n = three.observed + missing
    a, b = 13.14, 55.17  # prior of the dga example
    log_prior = n * np.log(b) - (n + a) * np.log(1 + b) + gammaln(n + a) - gammaln(n + 1)
    w = dga.bma(three, missing, delta=1.0, log_prior_n=log_prior - gammaln(a))
    assert np.isclose(w.sum(), 1.0)
    # internal consistency: the 3 graphs with the 1-2 edge carry nearly all the mass
    names = [dga.graph_name(g, three.lists) for g in dga.load_graphs(3)]
    probs = dict(zip(names, w.sum(axis=1), strict=True))
    assert probs["[l1,l2][l3]"] + probs["[l1,l2][l2,l3]"] + probs["[l1,l2][l1,l3]"] > 0.95


def test_facade(five: mse.CaptureHistories, three: mse.CaptureHistories) -> None:
    for ch in (five, three):
        result = mse.estimate(ch, "dga")
        assert result.method == "dga"
        assert ch.observed <= result.lower < result.estimate < result.upper
        tops = result.details["top_graphs"]
        assert tops[0]["probability"] >= tops[1]["probability"]
    assert mse.estimate(five, "dga").cautions == ()
    assert mse.estimate(three, "dga").caution_codes() == ("three_lists",)


def test_four_lists_and_refusal(five: mse.CaptureHistories) -> None:
    four = five.drop_lists(["l5"])
    result = mse.estimate(four, "dga")
    assert four.observed <= result.lower < result.upper
    uk = mse.capture_histories_from_frame(pd.read_csv(DATA / "UKdat.csv"))
    with pytest.raises(mse.TooFewListsError, match="3 to 5 lists") as caught:
        mse.estimate(uk, "dga")
    assert (caught.value.code, caught.value.params) == ("dga_lists", {"lists": 6})
