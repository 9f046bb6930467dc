from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.http import QueryDict

from dozor.accounts.models import User
from dozor.commands import DozorCommand
from dozor.exports import listing, services, writers
from dozor.exports.forms import FORMATS, OdihrForm
from dozor.records.forms import IncidentFilterForm
from dozor.security.filemodes import private_write_bytes

MSG_NO_USER = "--user {name}: there is no active user of that name."
MSG_NO_ORGANISATION = "--user {name}: belongs to no organisation, so has no submission to build."
MSG_BAD_OPTION = "--{option}: {problem}"
MSG_FORMAT_FOR_LIST = "--format {format}: the incident list is written as csv or json."
MSG_FORMAT_FOR_ODIHR = "--format {format}: the ODIHR submission is written as xlsx or csv."
MSG_CANNOT_WRITE = "--out {path}: cannot write the file: {reason}"

# The incident list's filters: command-line option -> the list page's query parameter.
LIST_OPTIONS = {
    "text": "q",
    "date_from": "date_from",
    "date_to": "date_to",
    "country": "country",
    "region": "region",
    "bias": "bias",
    "type": "type",
    "status": "status",
    "defenders": "defenders",
    "sort": "sort",
}
QUERY_TO_OPTION = {query: option.replace("_", "-") for option, query in LIST_OPTIONS.items()}


class Command(DozorCommand):
    help = (
        "Export incidents within the rights of --user. `export odihr` writes the civil-society "
        "submission to ODIHR's hate-crime report for a country and year (one row per incident "
        "the user's organisation marked; no names, no free text) as XLSX or CSV. "
        "`export incidents` writes the incident list with the same filters as the list page, "
        "as CSV or JSON (names only where the user may see them), each incident with the "
        "reports it is made of: their count and source lists' kinds, and for the user's own "
        "organisation's lists each report's list, identifier, revision and link (person or "
        "model); see docs/odihr.md. Every export is written to the audit trail."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=("odihr", "incidents"), help="which export")
        parser.add_argument("--user", required=True, help="whose rights apply (a user name)")
        parser.add_argument(
            "--format", required=True, choices=("xlsx", "csv", "json"), help="the file format"
        )
        parser.add_argument("--out", required=True, help="the file to write ('-': standard out)")
        parser.add_argument("--year", help="odihr: the report year")
        parser.add_argument("--lang", choices=("en", "ru"), default="en", help="odihr: language")
        group = parser.add_argument_group("incidents: filters, as on the list page")
        group.add_argument("--text", help="words in the title, summary or a name")
        group.add_argument("--date-from", help="first day, YYYY-MM-DD")
        group.add_argument("--date-to", help="last day, YYYY-MM-DD")
        group.add_argument("--country", help="ISO 3166-1 code (odihr: required)")
        group.add_argument("--region", help="ISO 3166-2 code, e.g. RU-SPE")
        group.add_argument("--bias", help="bias motivation code (dozor vocab bias_motivation)")
        group.add_argument("--type", help="incident type code (dozor vocab incident_type)")
        group.add_argument("--status", help="verification status code")
        group.add_argument("--defenders", choices=("yes", "no"), help="defenders targeted")
        group.add_argument("--sort", help="order of the rows, e.g. -date, date, reference")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["user"]
        user = User.objects.filter(username=name, is_active=True).first()
        if user is None:
            raise CommandError(MSG_NO_USER.format(name=name))
        if options["what"] == "odihr":
            content, rows = self._odihr(user, options)
        else:
            content, rows = self._incidents(user, options)
        out = options["out"]
        if out == "-":
            sys.stdout.buffer.write(content)
            return
        try:
            private_write_bytes(Path(out), content)
        except OSError as error:
            raise CommandError(MSG_CANNOT_WRITE.format(path=out, reason=error.strerror)) from None
        self.stdout.write(f"Wrote {rows} incident(s) to {out}")

    def _odihr(self, user: User, options: dict[str, Any]) -> tuple[bytes, int]:
        if options["format"] not in FORMATS:
            raise CommandError(MSG_FORMAT_FOR_ODIHR.format(format=options["format"]))
        if user.organisation_id is None:
            raise CommandError(MSG_NO_ORGANISATION.format(name=user.username))
        form = OdihrForm(
            {"country": options["country"] or "", "year": options["year"] or "", "lang": "en"}
        )
        if not form.is_valid():
            raise CommandError(_form_problems(form.errors, {}))
        country, year = form.cleaned_data["country"], form.cleaned_data["year"]
        exported = services.odihr_export(
            user=user,
            country=country,
            year=year,
            language=options["lang"],
            file_format=options["format"],
        )
        return exported.content, exported.rows

    def _incidents(self, user: User, options: dict[str, Any]) -> tuple[bytes, int]:
        if options["format"] not in ("csv", "json"):
            raise CommandError(MSG_FORMAT_FOR_LIST.format(format=options["format"]))
        query = QueryDict(mutable=True)
        for option, parameter in LIST_OPTIONS.items():
            if options.get(option):
                query[parameter] = options[option]
        form = IncidentFilterForm(query or None)
        if form.is_bound and not form.is_valid():
            raise CommandError(_form_problems(form.errors, QUERY_TO_OPTION))
        filters = form.filters()
        incidents = listing.export_queryset(user=user, filters=filters)
        count = incidents.count()
        services.export_record(
            user=user,
            kind="incidents",
            file_format=options["format"],
            rows=count,
            parameters=listing.audit_parameters(user, filters, incidents),
        )
        records = listing.records(user, incidents)
        if options["format"] == "csv":
            header = listing.csv_header(user)
            text = "".join(
                writers.csv_lines(header, (listing.csv_cells(r, header) for r in records))
            )
        else:
            text = "".join(listing.json_chunks(records))
        return text.encode("utf-8"), count


def _form_problems(errors: Any, names: dict[str, str]) -> str:
    return "\n".join(
        MSG_BAD_OPTION.format(option=names.get(field, field), problem=" ".join(messages))
        for field, messages in errors.items()
    )
