# Russian text is the point of these fixtures, so Cyrillic letters that look Latin are intended.
"""A reviewer works through the linkage queue with the keyboard alone, in a real browser: each key
decides a pair (or skips it) and the next pair replaces it without the page being left."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from dozor.linkage.models import CandidatePair, LinkageRun, LinkDecision
from tests.browser.conftest import screenshot
from tests.browser.test_incident_flow import sign_in
from tests.conftest import Cast
from tests.factories import ReportFactory, SourceListFactory

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SEARCH = {
    "date_precision": "day",
    "region": "RU-SPE",
    "locality": "Санкт-Петербург",
    "incident_type": "search_raid",
    "killed": 0,
    "injured": 0,
}


def six_pairs(cast: Cast) -> list[CandidatePair]:
    """Six candidate pairs of one run, strongest first: two lists' reports of searches."""
    ngo = SourceListFactory(organisation=cast.organisation, name="Список НКО")
    press = SourceListFactory(organisation=cast.organisation, name="Пресса", kind="press_scan")
    run = LinkageRun.objects.create(
        organisation=cast.organisation, started_by=cast.owner, threshold=0.1
    )
    pairs = []
    for number in range(6):
        day = f"2021-11-{number + 10}"
        first = ReportFactory(
            source_list=ngo,
            fields={
                **SEARCH,
                "date": day,
                "target_organisation": "ЛГБТ-инициатива «Радужный мост»",
                "title": f"Обыск в офисе «Радужного моста» №{number}",
                "summary": "Полиция провела обыск в офисе, изъяли компьютеры и документы.",
            },
        )
        second = ReportFactory(
            source_list=press,
            fields={
                **SEARCH,
                "date": day,
                "target_organisation": "Правозащитный центр «Северный маяк»",
                "title": f"Обыск в офисе «Северного маяка» №{number}",
                "summary": "Полиция провела обыск в офисе, изъяли ноутбуки и телефоны.",
            },
        )
        pairs.append(
            CandidatePair.objects.create(
                run=run,
                report_a=first,
                report_b=second,
                match_probability=0.99 - number / 10,
                match_weight=5.0 - number,
            )
        )
    return pairs


def pair_path(pair: CandidatePair) -> re.Pattern[str]:
    return re.compile(rf"/linkage/pairs/{pair.pk}/$")


def test_a_reviewer_works_through_five_pairs_with_the_keyboard_alone(
    transactional_db: None, live_server, cast: Cast, page: Page
) -> None:
    pairs = six_pairs(cast)
    sign_in(page, live_server.url, "owner")
    page.goto(f"{live_server.url}/linkage/pairs/{pairs[0].pk}/")
    expect(page.locator("h1")).to_have_text("Same incident?")
    expect(page.locator("table.pair mark").first).to_be_visible()
    for key in ("S", "D", "U", "N"):
        expect(page.locator(f"kbd:text-is('{key}')")).to_be_visible()
    page.set_viewport_size({"width": 1366, "height": 900})
    screenshot(page, "linkage-pair-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "linkage-pair-390")
    page.set_viewport_size({"width": 1366, "height": 900})

    # A full page load would forget this; replacing the pair in place keeps it.
    page.evaluate("window.stayedOnThePage = true")
    # Same incident, different incidents, unsure, skip, same incident.
    for number, key in enumerate(("KeyS", "KeyD", "KeyU", "KeyN", "KeyS")):
        page.keyboard.press(key)
        expect(page).to_have_url(pair_path(pairs[number + 1]))
        expect(page.locator("h1")).to_have_text("Same incident?")
        expect(page.locator("table.pair thead")).to_contain_text(str(pairs[number + 1].report_a))
        assert page.evaluate("window.stayedOnThePage") is True
    expect(page.locator(".messages")).to_contain_text("Decision saved.")

    decisions = {
        (decision.report_a_id, decision.decision)
        for decision in LinkDecision.objects.filter(decided_by=cast.owner)
    }
    assert decisions == {
        (pairs[0].report_a_id, "match"),
        (pairs[1].report_a_id, "no_match"),
        (pairs[2].report_a_id, "unsure"),
        (pairs[4].report_a_id, "match"),
    }

    # Back goes to the pair before, as the address says.
    page.go_back()
    expect(page).to_have_url(pair_path(pairs[4]))
    expect(page.locator("table.pair thead")).to_contain_text(str(pairs[4].report_a))


def test_without_script_the_decision_buttons_still_post_and_open_the_next_pair(
    transactional_db: None, live_server, cast: Cast, browser
) -> None:
    pairs = six_pairs(cast)
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "owner")
        page.goto(f"{live_server.url}/linkage/pairs/{pairs[0].pk}/")
        page.get_by_role("button", name=re.compile(r"^Different incidents")).click()
        expect(page).to_have_url(pair_path(pairs[1]))
        page.get_by_role("link", name=re.compile(r"^Next pair")).click()
        expect(page).to_have_url(pair_path(pairs[2]))
    finally:
        context.close()
    decision = LinkDecision.objects.get()
    assert (decision.report_a_id, decision.decision) == (pairs[0].report_a_id, "no_match")
