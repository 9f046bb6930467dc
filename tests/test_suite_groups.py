"""`make test` runs the suite with `--dist loadgroup`: the tests of a module marked xdist_group
share fixtures made once (a demo home, a linked data set, a Spark session), and run on one worker.
pytest 9.2 changed node ids so that pytest-xdist 3.8 silently stopped grouping
(pytest-dev/pytest-xdist#1386); each worker then rebuilt every shared fixture. This test fails
when grouping is lost again."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.xdist_group("suite-groups")


def test_a_grouped_test_runs_in_its_group_under_loadgroup(request: pytest.FixtureRequest) -> None:
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("the suite is not distributed with --dist loadgroup")
    assert request.node.nodeid.endswith("@suite-groups"), (
        "pytest-xdist does not group this pytest's tests; use the versions of constraints.txt"
    )
