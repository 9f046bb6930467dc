from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from dozor.accounts.models import User
from dozor.audit.services import report_file_record
from dozor.commands import DozorCommand
from dozor.evaluation.rendering import card_html
from dozor.printing import PdfUnavailable, html_standalone, html_to_pdf
from dozor.reporting.annual import annual_html
from dozor.security.filemodes import private_write_bytes, private_write_text
from dozor.vocab.geography import country_exists

MSG_NO_USER = "--user {name}: there is no active user of that name."
MSG_COUNTRY = "--country {value}: not an ISO 3166 two-letter country code."


class Command(DozorCommand):
    help = (
        "Write a report as PDF (or HTML with an .html --out), in English or Russian, from the "
        "data the --user may see. `card`: the report card of a country and year against the OSCE "
        "commitments. `annual`: the annual statistical report with charts and a map; --public "
        "suppresses counts under 5 (and, where rows add up to a total shown, one more as x)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=self.kinds())
        parser.add_argument("--country", default="RU", help="ISO 3166 code (default RU)")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--lang", choices=("en", "ru"), default="en")
        parser.add_argument("--out", required=True, help="FILE.pdf or FILE.html")
        parser.add_argument("--user", required=True, help="whose rights apply (a user name)")
        parser.add_argument(
            "--public", action="store_true", help="for publication: counts under 5 show as <5"
        )

    def kinds(self) -> tuple[str, ...]:
        return ("card", "annual")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["user"]
        user = User.objects.filter(username=name, is_active=True).first()
        if user is None:
            raise CommandError(MSG_NO_USER.format(name=name))
        country = options["country"].upper()
        if not country_exists(country):
            raise CommandError(MSG_COUNTRY.format(value=options["country"]))
        if not 1990 <= options["year"] <= 2100:
            raise CommandError("--year: between 1990 and 2100.")
        if options["kind"] == "card":
            html = card_html(
                user=user, country=country, year=options["year"], language=options["lang"]
            )
        else:
            html = annual_html(
                user=user,
                country=country,
                year=options["year"],
                language=options["lang"],
                public=options["public"],
            )
        out = Path(options["out"])
        if out.suffix.lower() == ".html":
            private_write_text(out, html_standalone(html))
        else:
            try:
                private_write_bytes(out, html_to_pdf(html))
            except PdfUnavailable as error:
                raise CommandError(str(error)) from None
        written = {
            "user": user,
            "country": country,
            "year": options["year"],
            "file_format": "html" if out.suffix.lower() == ".html" else "pdf",
            "language": options["lang"],
            "public": options["public"],
        }
        report_file_record(kind=options["kind"], **written)
        self.stdout.write(
            f"Wrote the {options['kind']} report of {country} {options['year']} to {out}"
        )
