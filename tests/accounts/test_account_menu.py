"""The account corner of every page: user, two-factor, API token and sign-out links sit in one
menu."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from dozor.accounts.models import Role
from tests.conftest import Cast
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def part(page: str, pattern: str) -> str:
    found = re.search(pattern, page, re.S)
    assert found, pattern
    return found.group(0)


def menu(page: str) -> str:
    return part(page, r'<details class="account-menu">.*?</details>')


def nav(page: str) -> str:
    return part(page, r"<nav>.*?</nav>")


@pytest.mark.parametrize("who", ["owner", "colleague", "reader", "outsider"])
def test_the_menu_holds_two_factor_and_sign_out(cast: Cast, who: str) -> None:
    page = cast.client(who).get("/incidents/").content.decode()
    assert 'href="/accounts/two-factor/"' in menu(page)
    assert 'action="/accounts/logout/"' in menu(page)


@pytest.mark.parametrize("who", ["owner", "reader"])
def test_the_menu_leads_to_ones_api_tokens(cast: Cast, who: str) -> None:
    page = cast.client(who).get("/incidents/").content.decode()
    assert 'href="/accounts/tokens/"' in menu(page)


def test_the_navigation_bar_holds_no_account_link(cast: Cast) -> None:
    page = cast.client("owner").get("/incidents/").content.decode()
    assert "/accounts/" not in nav(page)


def test_the_menu_names_the_user_and_organisation(cast: Cast) -> None:
    page = cast.client("owner").get("/incidents/").content.decode()
    assert f"owner · {cast.organisation.name}" in part(menu(page), r"<summary>.*?</summary>")


def test_an_administrator_finds_the_users_page_in_the_menu(cast: Cast) -> None:
    admin = UserFactory(organisation=cast.organisation, role=Role.ADMINISTRATOR)
    client = Client()
    client.force_login(admin)
    page = client.get("/incidents/").content.decode()
    assert 'href="/accounts/users/"' in menu(page)


def test_a_documenter_has_no_users_link(cast: Cast) -> None:
    page = cast.client("owner").get("/incidents/").content.decode()
    assert "/accounts/users/" not in page


def test_anonymous_gets_no_account_menu(cast: Cast) -> None:
    page = cast.client("anonymous").get("/accounts/login/").content.decode()
    assert "account-menu" not in page
