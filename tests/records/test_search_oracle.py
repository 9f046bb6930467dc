"""Search through the token tables finds exactly what opening every record and comparing finds.

The oracle below decrypts every visible incident's summary, its people's names and its reports'
victims, and applies the rules the list's search promises (selectors._text_matches): in titles,
beginnings of words and of their Snowball stems; in summaries and names, whole words, beginnings
of words from MIN_PREFIX to MAX_PREFIX letters, names in declined forms through their stems, and
names searched only where the user sees them. The list page, searched through its
search box, must list the same incidents, before and after an edit, a re-read of a partner's
file with a corrected mapping (a new revision of its report) and a key rotation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
import snowballstemmer
from django.core.management import call_command

from dozor.accounts.models import User
from dozor.analysis.text import name_forms, name_like
from dozor.linkage.services import incident_create_from_reports
from dozor.records import selectors
from dozor.records.models import Incident, Report, report_victim_names
from dozor.records.selectors import incidents_visible, names_searchable
from dozor.security.crypto import KeyRing, key_generate, normalise, tokens, word_matches
from dozor.security.keyring import keyring, keyring_set
from dozor.security.keys import NewKey, keyring_rotate
from tests.conftest import Cast
from tests.factories import IncidentFactory, SourceListFactory
from tests.records.test_views import form_data

pytestmark = pytest.mark.django_db

# Summaries and people as a documenter records them: declined names, shared words and stems.
INCIDENTS = (
    ("Нападение на рынке", "Султонова избили у рынка, дворник вызвал полицию.", "Далер Султонов"),
    ("Поджог двери", "Неизвестные подожгли дверь квартиры Султоновой.", "Мадина Султонова"),
    ("Угрозы в подъезде", "Соседи угрожали Каримзоде расправой.", "Фарход Каримзода"),
    ("Нападение у метро", "Двое напали на правозащитника у метро.", ""),
    ("Листовки", "На двери мечети расклеили листовки с угрозами.", "Анна Белова"),
)
QUERIES = (
    "султон",
    "Султонов",
    "Султонова",
    "Султоновой",
    "султ",
    "су",
    "Далер",
    "Далер Султонов",
    "Мадина Каримзода",
    "Каримзоде",
    "Каримзода",
    "Фарх",
    "дворник",
    "дверь",
    "двер",
    "угроз",
    "правозащитника",
    "правозащитн",
    "правозащитни",
    "правозащитник",
    "у метро",
    "метро двое",
    "листовки мечети",
    "гараж",
    "нападение",
)
# A partner's file whose first mapping reads the witness as the victim; the corrected one reads
# the victim ("Дворник Рустам", as the partner wrote him).
PARTNER_CSV = (
    "id,Дата,Тип,Свидетель,Пострадавший\n1,04.12.2008,нападение,Анна Белова,Дворник Рустам\n"
)
MAPPING = """
version: 1
name: {name}
id_column: id
fields:
  date: {{column: Дата, type: date, formats: ["%d.%m.%Y"]}}
  incident_type: {{column: Тип, type: code, vocabulary: incident_type}}
  victims: {{column: {victims}, type: people}}
"""


def stems(word: str) -> set[str]:
    return {snowballstemmer.stemmer(language).stemWord(word) for language in ("russian", "english")}


def title_match(query_words: list[str], title: str) -> bool:
    """Every query word begins a word of the title, or one of its stems begins a stem of one."""
    return bool(query_words) and all(
        any(
            word.startswith(q) or any(s.startswith(t) for s in stems(word) for t in stems(q))
            for word in tokens(title)
        )
        for q in query_words
    )


def visible_people_match(query_words: list[str], names: list[str]) -> bool:
    """Every query word is a word or beginning of a word of one of the names."""
    return any(
        all(any(word_matches(q, w, prefixes=True) for w in tokens(name)) for q in query_words)
        for name in names
    )


def oracle(user: User, text: str) -> set[str]:
    """Open every visible incident and compare: what the search must find."""
    every_word = tokens(text)
    words = [word for word in every_word if len(word) >= 2]
    found = set()
    for incident in incidents_visible(user).prefetch_related("people", "report_links__report"):
        if title_match(words, incident.title):
            found.add(incident.reference)
            continue
        if not words:
            continue
        summary_words = tokens(incident.summary)
        in_summary = all(
            any(word_matches(q, w, prefixes=True) for w in summary_words) for q in words
        )
        names = [person.name for person in incident.people.all() if person.name]
        if names_searchable(user) and incident.organisation_id == user.organisation_id:
            if in_summary or visible_people_match(words, names):
                found.add(incident.reference)
            continue
        if any(name_like(word) for word in every_word) or not in_summary:
            continue
        forms = {normalise(form) for word in words for form in name_forms(word)} | set(words)
        victims = [report_victim_names(link.report.fields) for link in incident.report_links.all()]
        named = any(
            word_matches(form, w, prefixes=True)
            for form in forms
            for name in names + victims
            for w in tokens(name)
        )
        if not named:
            found.add(incident.reference)
    return found


def listed(cast: Cast, who: str, text: str) -> set[str]:
    """The references the incident list shows for a search typed into its search box."""
    response = cast.client(who).get("/incidents/", {"q": text})
    assert response.status_code == 200
    shown = set(re.findall(r'href="/incidents/([^/"]+)/"', response.content.decode()))
    return shown & set(Incident.objects.values_list("reference", flat=True))


def assert_search_agrees(cast: Cast) -> None:
    for who in ("owner", "reader", "outsider"):
        user = getattr(cast, who)
        for text in QUERIES:
            assert listed(cast, who, text) == oracle(user, text), (who, text)


def create_by_form(cast: Cast, title: str, summary: str, name: str, confidentiality: str) -> str:
    data = form_data(title=title, summary=summary, confidentiality=confidentiality)
    data["person-0-name"] = name
    data["person-0-pseudonym"] = "Victim A" if name else ""
    response = cast.client("owner").post("/incidents/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return str(response["Location"]).rstrip("/").rsplit("/", 1)[-1]


@pytest.fixture
def recorded(cast: Cast) -> list[str]:
    cast.incident.delete()
    references = [
        create_by_form(cast, title, summary, name, "public" if number % 2 else "restricted")
        for number, (title, summary, name) in enumerate(INCIDENTS)
    ]
    # Another organisation's public incident: its names are never searched by cast's users.
    IncidentFactory(
        organisation=cast.other_organisation,
        confidentiality="public",
        title="Избиение",
        summary="Султонова избили у дома.",
    )
    return references


@pytest.fixture(autouse=True)
def fresh_ring() -> Iterator[None]:
    keyring_set(None)
    yield
    keyring_set(None)


@pytest.mark.parametrize("few_matches", [selectors.FEW_MATCHES, 1, 0])
def test_search_finds_what_decrypting_every_record_finds(
    cast: Cast, recorded: list[str], monkeypatch: pytest.MonkeyPatch, few_matches: int
) -> None:
    """Whatever the number of matches that decides how the database is asked
    (selectors._in_any): every part read first, some, or none."""
    monkeypatch.setattr(selectors, "FEW_MATCHES", few_matches)
    assert_search_agrees(cast)


def test_a_stem_of_a_name_finds_every_declined_form(cast: Cast, recorded: list[str]) -> None:
    assert {recorded[0], recorded[1]} <= listed(cast, "owner", "Султон")


def test_search_agrees_after_an_edit(cast: Cast, recorded: list[str]) -> None:
    data = form_data(
        title="Поджог двери",
        summary="Неизвестные облили бензином машину правозащитника.",
        confidentiality="public",
    )
    data["person-0-name"] = "Зарина Каримзода"
    data["person-0-pseudonym"] = "Victim A"
    response = cast.client("owner").post(f"/incidents/{recorded[1]}/edit/", data)
    assert response.status_code == 302
    assert recorded[1] not in listed(cast, "owner", "Султонова")
    assert recorded[1] in listed(cast, "owner", "бензин")
    assert_search_agrees(cast)


def test_search_agrees_after_a_revision_from_a_corrected_mapping(
    cast: Cast, recorded: list[str], tmp_path: Path
) -> None:
    partner = SourceListFactory(name="Партнёр", organisation=cast.organisation)
    csv = tmp_path / "partner.csv"
    csv.write_text(PARTNER_CSV, encoding="utf-8")
    first, corrected = tmp_path / "first.yaml", tmp_path / "corrected.yaml"
    first.write_text(MAPPING.format(name="first", victims="Свидетель"), encoding="utf-8")
    corrected.write_text(MAPPING.format(name="corrected", victims="Пострадавший"), encoding="utf-8")
    common = ["--source-list", partner.name, "--user", cast.owner.username]
    call_command("import", str(csv), "--mapping", str(first), *common, stdout=StringIO())
    incident = incident_create_from_reports(user=cast.owner, reports=list(Report.objects.all()))
    incident.summary = "Дворника избили у метро."
    incident.confidentiality = "public"
    incident.save()
    before = listed(cast, "outsider", "дворник")
    call_command("import", "--remap", "--mapping", str(corrected), *common, stdout=StringIO())
    assert Report.objects.filter(revision=2).exists()
    # The victim's name now holds the word, so a reader who may not see names no longer finds it.
    assert incident.reference in before
    assert incident.reference not in listed(cast, "outsider", "дворник")
    assert_search_agrees(cast)


def test_search_agrees_after_a_key_rotation(cast: Cast, recorded: list[str]) -> None:
    new = NewKey(ring=KeyRing(key_generate()))
    keyring_rotate(old=keyring(), new=new)
    keyring_set(new.ring)
    assert recorded[0] in listed(cast, "owner", "Далер")
    assert_search_agrees(cast)
