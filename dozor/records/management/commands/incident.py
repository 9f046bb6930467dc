from __future__ import annotations

import datetime
import logging
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from dozor.accounts.models import Organisation, User
from dozor.accounts.policy import may
from dozor.commands import DozorCommand
from dozor.records.services import BiasInput, IncidentInput, incident_create

logger = logging.getLogger("dozor.records")

DATE_FORMS = (
    (re.compile(r"^\d{4}-\d{2}-\d{2}$"), "day"),
    (re.compile(r"^\d{4}-\d{2}$"), "month"),
    (re.compile(r"^\d{4}$"), "year"),
)


def parse_date(text: str, option: str) -> tuple[datetime.date, str]:
    """A date written YYYY-MM-DD, YYYY-MM or YYYY, with the precision that form implies."""
    for pattern, precision in DATE_FORMS:
        if pattern.match(text):
            parts = [int(part) for part in text.split("-")] + [1, 1]
            try:
                return datetime.date(parts[0], parts[1], parts[2]), precision
            except ValueError as error:
                raise CommandError(f"{option} {text}: not a real date ({error}).") from None
    raise CommandError(f"{option} {text}: write the date as YYYY-MM-DD, YYYY-MM or YYYY.")


class Command(DozorCommand):
    help = (
        "Record one incident: `dozor incident add --title ... --type ... --date 2008-12-04 "
        "--region RU-SPE --bias racist_xenophobic --user NAME`. Codes are those of "
        "`dozor vocab`. Nothing is stored unless every field is valid."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="record a new incident")
        add.add_argument("--user", required=True, help="who records it (a documenter)")
        add.add_argument("--title", required=True)
        add.add_argument("--type", required=True, dest="incident_type", help="incident_type code")
        add.add_argument("--date", help="YYYY-MM-DD, YYYY-MM or YYYY; omit if unknown")
        add.add_argument("--date-end", help="last possible day, for a range")
        add.add_argument("--country", default="RU", help="ISO 3166-1 code (default RU)")
        add.add_argument("--region", default="", help="ISO 3166-2 code, e.g. RU-MOW")
        add.add_argument("--locality", default="")
        add.add_argument(
            "--bias", action="append", default=[], help="bias_motivation code (repeatable)"
        )
        add.add_argument("--killed", type=int, default=0)
        add.add_argument("--injured", type=int, default=0)
        add.add_argument("--summary", default="")
        add.add_argument("--summary-language", default="ru", choices=("ru", "en"))
        add.add_argument("--confidentiality", default="restricted")
        add.add_argument("--verification", default="unverified", help="verification_status code")
        add.add_argument("--defenders", action="store_true", help="a defender was targeted")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"]).select_related("organisation").first()
        if user is None or not may(user, "incident.create"):
            raise CommandError(
                f"'{options['user']}' is not a documenter or administrator of an organisation."
            )
        assert isinstance(user.organisation, Organisation)
        date_start = date_end = None
        precision = "unknown"
        if options["date"]:
            date_start, precision = parse_date(options["date"], "--date")
        if options["date_end"]:
            date_end, _ = parse_date(options["date_end"], "--date-end")
            precision = "range"
        data = IncidentInput(
            title=options["title"],
            incident_type=options["incident_type"],
            date_start=date_start,
            date_end=date_end,
            date_precision=precision,
            country=options["country"].upper(),
            region=options["region"].upper(),
            locality=options["locality"],
            killed=options["killed"],
            injured=options["injured"],
            summary=options["summary"],
            summary_language=options["summary_language"],
            confidentiality=options["confidentiality"],
            verification_status=options["verification"],
            defender_targeted=options["defenders"],
            biases=tuple(BiasInput(motivation=code) for code in options["bias"]),
        )
        try:
            incident = incident_create(organisation=user.organisation, user=user, data=data)
        except ValidationError as error:
            problems = [
                f"  {field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
            ]
            logger.warning("incident add refused: fields %s", sorted(error.message_dict))
            raise CommandError("Incident not saved:\n" + "\n".join(problems)) from None
        self.stdout.write(f"Saved incident {incident.reference}.")
