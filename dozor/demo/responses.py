"""Seeded synthetic official responses for the demo incidents: plain Python, no Django.

The shape follows Russian monitoring: most hate crimes never reach a criminal case, a minority of
cases has the hate motive qualified, fewer still end in a verdict that recognises it; cases are
suspended or simply stall. Names of authorities are generic, never a real official's.

``demo_responses(incidents, seed=...)`` returns the events of every documented incident; the same
incidents and seed always give the same events.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterable
from dataclasses import dataclass

from dozor.demo.dataset import DemoIncident

# No event of the synthetic world is dated after this day, whenever the demo is loaded.
AS_OF = datetime.date(2025, 6, 30)
STATE_ACTS = frozenset(
    {"search_raid", "seizure", "detention", "prosecution", "harassment", "smear"}
)
REPORT_RATE = {"homicide": 0.95, "physical_assault": 0.5, "arson": 0.6, "threat": 0.25}
DEFAULT_REPORT_RATE = 0.3
# Of the incidents reported to the police, the share in which a criminal case is opened.
OPENING_RATE = {"homicide": 0.97, "physical_assault": 0.5, "arson": 0.55, "threat": 0.3}
DEFAULT_OPENING_RATE = 0.35
PLAIN_ARTICLES = {
    "homicide": "ru_cc_105_1",
    "physical_assault": "ru_cc_111_1",
    "arson": "ru_cc_167",
    "threat": "ru_cc_119_1",
    "property_damage": "ru_cc_214_1",
    "desecration": "ru_cc_244_1",
}
HATE_ARTICLES = {
    "homicide": "ru_cc_105_2_l",
    "physical_assault": "ru_cc_111_2_e",
    "arson": "ru_cc_213_1_b",
    "threat": "ru_cc_119_2",
    "property_damage": "ru_cc_214_2",
    "desecration": "ru_cc_244_2_b",
}
SOURCES = (
    "Сообщение пресс-службы Следственного комитета",
    "Материалы уголовного дела",
    "Сообщение адвоката потерпевшего",
    "Публикация в местных СМИ",
    "Ответ прокуратуры на обращение",
    "Картотека районного суда",
)


@dataclass(frozen=True, slots=True)
class DemoResponseEvent:
    incident_key: str
    order: int  # position in the incident's list of events, from 0
    kind: str
    date: datetime.date
    authority: str
    source: str
    note: str = ""
    articles: tuple[str, ...] = ()
    verdict_outcome: str = ""
    motive_recognised: bool | None = None
    sentence_kind: str = ""
    sentence_months: int | None = None
    sentence_suspended: bool | None = None
    statement_kind: str = ""
    corrects: int | None = None  # the order of the event this one corrects


class _Case:
    def __init__(self, incident: DemoIncident, rng: random.Random) -> None:
        self.incident = incident
        self.rng = rng
        self.events: list[DemoResponseEvent] = []
        self.date = incident.date

    def later(self, low: int, high: int) -> datetime.date:
        self.date = self.date + datetime.timedelta(days=self.rng.randint(low, high))
        return self.date

    def add(self, kind: str, authority: str, **extra: object) -> bool:
        if self.date > AS_OF:
            return False
        self.events.append(
            DemoResponseEvent(
                incident_key=self.incident.key,
                order=len(self.events),
                kind=kind,
                date=self.date,
                authority=authority,
                source=self.rng.choice(SOURCES),
                **extra,  # type: ignore[arg-type]
            )
        )
        return True


def _authorities(incident: DemoIncident) -> dict[str, str]:
    place = incident.locality or "региона"
    return {
        "police": f"Отдел полиции, {place}",
        "investigators": f"Следственный отдел СК России, {place}",
        "prosecutor": f"Прокуратура, {place}",
        "court": f"Районный суд, {place}",
        "appeal": "Областной (краевой) суд",
        "press": "Пресс-служба ГУ МВД",
    }


def _case(incident: DemoIncident, rng: random.Random) -> list[DemoResponseEvent]:
    case = _Case(incident, rng)
    who = _authorities(incident)
    kind = incident.incident_type
    if rng.random() < 0.07:
        statement = rng.choices(
            ["denial", "other_explanation", "acknowledgement", "condemnation"], [3, 4, 2, 1]
        )[0]
        saved = case.date
        case.later(1, 20)
        case.add("official_statement", who["press"], statement_kind=statement)
        case.date = saved
    if rng.random() >= REPORT_RATE.get(kind, DEFAULT_REPORT_RATE):
        return case.events
    case.later(0, 6)
    if not case.add("reported_to_police", who["police"]):
        return case.events
    if rng.random() >= OPENING_RATE.get(kind, DEFAULT_OPENING_RATE):
        case.later(5, 30)
        case.add("refusal_to_open", who["police"], note="Отказ за отсутствием состава преступления")
        return case.events
    case.later(1, 25)
    hate = rng.random() < (0.45 if kind == "homicide" else 0.25)
    article = (HATE_ARTICLES if hate else PLAIN_ARTICLES).get(kind, "ru_cc_213_1_a")
    case.add("case_opened", who["investigators"], articles=(article,))
    if rng.random() < 0.03 and case.events:
        wrong = case.events[-1]
        case.add(
            "case_opened",
            who["investigators"],
            articles=(article,),
            note="Уточнена дата возбуждения дела",
            corrects=wrong.order,
        )
    if not hate and rng.random() < 0.12:
        case.later(10, 120)
        hate = case.add(
            "motive_added",
            who["investigators"],
            articles=(HATE_ARTICLES.get(kind, "ru_cc_213_1_b"),),
        )
    elif hate and rng.random() < 0.15:
        case.later(20, 150)
        if case.add("motive_dropped", who["prosecutor"]):
            hate = False
    if rng.random() >= (0.8 if kind == "homicide" else 0.45):
        case.later(60, 400)
        case.add(
            "suspended", who["investigators"], note="Лицо, подлежащее привлечению, не установлено"
        )
        return case.events
    case.later(3, 90)
    case.add("suspect_identified", who["investigators"])
    if rng.random() < 0.85:
        case.later(0, 20)
        case.add("detained", who["police"])
    if rng.random() >= 0.85:
        case.later(30, 300)
        case.add("closed", who["investigators"], note="Дело прекращено")
        return case.events
    case.later(20, 120)
    final_article = (HATE_ARTICLES if hate else PLAIN_ARTICLES).get(kind, "ru_cc_213_1_a")
    case.add("charged", who["investigators"], articles=(final_article,))
    case.later(30, 150)
    if not case.add("sent_to_court", who["prosecutor"]):
        return case.events
    case.later(60, 300)
    outcome = rng.choices(["convicted", "acquitted", "dismissed"], [88, 4, 8])[0]
    recognised = hate and outcome == "convicted" and rng.random() < 0.85
    if not case.add(
        "verdict",
        who["court"],
        verdict_outcome=outcome,
        motive_recognised=recognised if outcome == "convicted" else None,
        articles=(final_article,) if outcome == "convicted" else (),
    ):
        return case.events
    if outcome == "convicted":
        sentence = rng.choices(
            ["imprisonment", "compulsory_labour", "correctional_labour", "fine"], [60, 15, 10, 15]
        )[0]
        months = None
        suspended: bool | None = None
        if sentence == "imprisonment":
            months = rng.choice([12, 18, 24, 36, 48, 60, 96, 120, 180, 240])
            suspended = months <= 36 and rng.random() < 0.4
        elif sentence in ("compulsory_labour", "correctional_labour"):
            months = rng.choice([3, 6, 12])
        case.add(
            "sentence",
            who["court"],
            sentence_kind=sentence,
            sentence_months=months,
            sentence_suspended=suspended,
        )
        if rng.random() < 0.2:
            case.later(20, 90)
            case.add("appeal", who["appeal"])
    return case.events


def demo_responses(incidents: Iterable[DemoIncident], *, seed: int) -> list[DemoResponseEvent]:
    """The response events of the documented incidents, deterministic from ``seed``."""
    rng = random.Random(seed * 7_919 + 104_729)
    events: list[DemoResponseEvent] = []
    for incident in sorted(incidents, key=lambda item: item.key):
        if not incident.documented or incident.incident_type in STATE_ACTS:
            continue
        events.extend(_case(incident, rng))
    return events


@dataclass(frozen=True, slots=True)
class DemoBody:
    name: str
    kind: str
    country: str


@dataclass(frozen=True, slots=True)
class DemoRaising:
    incident_key: str
    body: str  # DemoBody.name
    raised_on: datetime.date
    channel: str
    request: str
    reply: str
    reply_on: datetime.date | None
    follow_up_due: datetime.date | None
    status: str
    impact: str


DEMO_BODIES = (
    DemoBody("Генеральная прокуратура Российской Федерации", "prosecutor", "RU"),
    DemoBody("Следственный комитет Российской Федерации", "investigative_committee", "RU"),
    DemoBody("Уполномоченный по правам человека в Российской Федерации", "ombudsman", "RU"),
    DemoBody("Embassy of a participating State (demo)", "embassy", ""),
    DemoBody("OSCE Human Dimension meeting (demo)", "intergovernmental", ""),
)
REQUESTS = (
    "Просим сообщить, возбуждено ли уголовное дело и по какой статье.",
    "Просим рассмотреть квалификацию по мотиву ненависти.",
    "Please inform us of the state of the investigation and whether the hate motive is examined.",
    "Просим возобновить приостановленное расследование.",
)
REPLIES = {
    "no_response": "",
    "token_response": "Обращение направлено по подведомственности.",
    "denied": "Оснований для вмешательства не усматривается.",
    "acted": "Постановление о приостановлении отменено, расследование возобновлено.",
}


def demo_dialogue(
    incidents: Iterable[DemoIncident], events: Iterable[DemoResponseEvent], *, seed: int
) -> tuple[list[tuple[str, str, str]], list[DemoRaising]]:
    """A raise list (incident key, priority, reason) and raisings of the cases worst handled:
    killings and assaults with no charge, most recent first."""
    rng = random.Random(seed * 31 + 7)
    charged = {event.incident_key for event in events if event.kind == "charged"}
    candidates = sorted(
        (
            incident
            for incident in incidents
            if incident.documented
            and incident.incident_type in ("homicide", "physical_assault")
            and incident.key not in charged
            and incident.date.year >= 2019
        ),
        key=lambda incident: (-incident.killed, incident.date, incident.key),
        reverse=False,
    )[:12]
    entries = []
    raisings = []
    for position, incident in enumerate(candidates):
        priority = "high" if incident.killed else ("medium" if position % 2 else "low")
        reason = (
            "Убийство без обвиняемых" if incident.killed else "Нападение без возбуждённого дела"
        )
        entries.append((incident.key, priority, reason))
        if position % 3 == 2:
            continue
        raised_on = min(incident.date + datetime.timedelta(days=rng.randint(60, 400)), AS_OF)
        impact = rng.choices(list(REPLIES), [4, 3, 2, 1])[0]
        reply_on = (
            raised_on + datetime.timedelta(days=rng.randint(20, 60)) if REPLIES[impact] else None
        )
        status = "closed" if impact in ("denied", "acted") else "awaiting_reply"
        raisings.append(
            DemoRaising(
                incident_key=incident.key,
                body=DEMO_BODIES[position % len(DEMO_BODIES)].name,
                raised_on=raised_on,
                channel=rng.choice(["letter", "meeting", "submission"]),
                request=rng.choice(REQUESTS),
                reply=REPLIES[impact],
                reply_on=reply_on,
                follow_up_due=raised_on + datetime.timedelta(days=90)
                if status != "closed"
                else None,
                status=status,
                impact=impact,
            )
        )
    return entries, raisings
