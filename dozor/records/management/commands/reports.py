"""`dozor reports`: the reports stored from the source lists, as the Reports page shows them."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from dozor.accounts.models import User
from dozor.commands import DozorCommand
from dozor.records.management.commands.sources import MSG_NO_ORGANISATION, user_named
from dozor.records.models import Report, SourceList
from dozor.records.report_selectors import (
    ReportFilters,
    ReportRow,
    ReportShown,
    report_get,
    report_list,
    report_rows,
    report_shown,
    source_lists_visible,
    value_text,
)
from dozor.records.services import report_view_record

DEFAULT_LIMIT = 100
MSG_NO_REPORT = "There is no report {id} that you may see."
MSG_NO_SOURCE_LIST = (
    "--source-list {name}: no such source list in {organisation} (its lists: {known})."
)
MSG_BAD_NUMBER = "{option} {value}: give a whole number of at least 1."


class Command(DozorCommand):
    help = (
        "The reports of your organisation's source lists, as the Reports page shows them: "
        "`dozor reports list --user NAME --batch 12` lists what import 12 stored, "
        "`dozor reports show 345 --user NAME` shows one report, its parsed fields beside the row "
        "as it came. Without the name grant, victims' and perpetrators' names are pseudonyms and "
        "every text has its names taken out, in --json too. Each use is in the audit trail."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="list reports, newest stored first")
        listing.add_argument("--user", required=True, help="whose organisation's reports")
        listing.add_argument("--source-list", help="only this source list's reports")
        listing.add_argument("--batch", type=int, help="only the reports this import stored")
        listing.add_argument(
            "--linked",
            choices=("yes", "no"),
            help="only reports that are part of an incident (yes) or of none (no)",
        )
        listing.add_argument(
            "--limit",
            type=int,
            default=DEFAULT_LIMIT,
            help=f"print at most this many (default {DEFAULT_LIMIT})",
        )
        listing.add_argument("--json", action="store_true")
        show = sub.add_parser("show", help="show one report")
        show.add_argument("id", type=int, help="the report's number (the first column of list)")
        show.add_argument("--user", required=True, help="who looks at it")
        show.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        user = user_named(options["user"])
        if user.organisation_id is None:
            raise CommandError(MSG_NO_ORGANISATION.format(user=user.username))
        if options["action"] == "list":
            self._list(user, options)
        else:
            self._show(user, options)

    def _list(self, user: User, options: dict[str, Any]) -> None:
        for option in ("batch", "limit"):
            value = options[option]
            if value is not None and value < 1:
                raise CommandError(MSG_BAD_NUMBER.format(option=f"--{option}", value=value))
        filters = ReportFilters(
            source_list=self._source_list(user, options["source_list"]),
            batch=options["batch"],
            linked={"yes": True, "no": False}.get(options["linked"] or ""),
        )
        reports = report_list(user=user, filters=filters)
        total = reports.count()
        rows = report_rows(user, list(reports[: options["limit"]]))
        assert user.organisation_id is not None
        report_view_record(
            user=user, names=user.sees_names_of(user.organisation_id), reports=len(rows)
        )
        if options["json"]:
            listing = {"total": total, "reports": [_row_data(row) for row in rows]}
            self.stdout.write(json.dumps(listing, ensure_ascii=False))
            return
        shown = f", the first {len(rows)}" if total > len(rows) else ""
        self.stdout.write(f"{total} reports{shown}")
        for row in rows:
            data = _row_data(row)
            incident = data["incident"]["reference"] if data["incident"] else "-"
            self.stdout.write(
                "\t".join(
                    [
                        str(data["id"]),
                        data["source_list"],
                        f"{data['external_id']} r{data['revision']}",
                        row.date or "-",
                        data["region"] or "-",
                        data["incident_type"] or "-",
                        f"{_count(data['killed'])}/{_count(data['injured'])}",
                        incident,
                        data["title"],
                        "; ".join(data["victims"]),
                    ]
                )
            )

    def _source_list(self, user: User, name: str | None) -> SourceList | None:
        if name is None:
            return None
        lists = source_lists_visible(user)
        source_list = lists.filter(name=name).first()
        if source_list is None:
            raise CommandError(
                MSG_NO_SOURCE_LIST.format(
                    name=name,
                    organisation=user.organisation,
                    known=", ".join(lists.values_list("name", flat=True)[:30]) or "none yet",
                )
            )
        return source_list

    def _show(self, user: User, options: dict[str, Any]) -> None:
        try:
            report = report_get(user=user, pk=options["id"])
        except Report.DoesNotExist:
            raise CommandError(MSG_NO_REPORT.format(id=options["id"])) from None
        shown = report_shown(user, report)
        report_view_record(user=user, names=shown.named, report=report)
        data = _shown_data(shown)
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            return
        self.stdout.write(_shown_text(shown, data))


def _count(value: Any) -> str:
    return "" if value is None else str(value)


def _incident(row_link: Any) -> dict[str, Any] | None:
    if row_link is None:
        return None
    return {
        "reference": row_link.incident.reference,
        # Who linked the report; how (a person's decision or the linkage model) joins here once
        # links record it.
        "linked_by": row_link.linked_by.username if row_link.linked_by else None,
        "linked_at": row_link.linked_at.isoformat(),
    }


def _row_data(row: ReportRow) -> dict[str, Any]:
    report = row.report
    return {
        "id": report.pk,
        "source_list": report.source_list.name,
        "external_id": report.external_id,
        "revision": report.revision,
        "date": row.values.get("date"),
        "date_precision": row.values.get("date_precision"),
        "date_end": row.values.get("date_end"),
        "region": row.values.get("region", ""),
        "incident_type": row.values.get("incident_type", ""),
        "killed": row.values.get("killed"),
        "injured": row.values.get("injured"),
        "title": row.title,
        "victims": row.victims,
        "incident": _incident(row.link),
        "names": row.named,
    }


def _shown_data(shown: ReportShown) -> dict[str, Any]:
    report = shown.report
    return {
        "id": report.pk,
        "source_list": report.source_list.name,
        "external_id": report.external_id,
        "revision": report.revision,
        "received_on": report.received_on.isoformat(),
        "stored_at": report.created_at.isoformat(),
        "names": shown.named,
        "locked": shown.locked,
        "date": shown.date,
        "fields": {field.name: field.value for field in shown.fields},
        "extra": shown.extra,
        "problems": [
            {"field": p.field, "value": p.value, "expected": p.expected} for p in shown.problems
        ],
        "flags": shown.flags,
        "unmapped": shown.unmapped,
        "payload": shown.payload,
        "import": {
            "batch": shown.import_batch,
            "row": shown.import_row,
            "corrected_row": shown.corrected_row,
        },
        "incident": _incident(shown.link),
        "revisions": [{"id": other.pk, "revision": other.revision} for other in shown.revisions],
    }


def _shown_text(shown: ReportShown, data: dict[str, Any]) -> str:
    report = shown.report
    lines = [
        f"Report {report.pk}: {report.source_list.name} #{report.external_id}, "
        f"revision {report.revision}, received {report.received_on:%Y-%m-%d}",
    ]
    if shown.import_batch:
        lines.append(f"  came from import {shown.import_batch}, row {shown.import_row}")
    incident = data["incident"]
    if incident:
        lines.append(
            f"  part of incident {incident['reference']}, linked by {incident['linked_by'] or '-'}"
        )
    else:
        lines.append("  part of no incident")
    if not shown.named:
        lines.append("  names are pseudonyms and taken out of every text (no name grant)")
    lines.append("Fields:")
    lines.extend(f"  {field.label}: {field.text}" for field in shown.fields)
    lines.extend(f"  {key} (extra): {value_text(value)}" for key, value in shown.extra.items())
    for problem in shown.problems:
        lines.append(f"  {problem.field}: {problem.value} is not {problem.expected}")
    if shown.flags:
        lines.append("Flags: " + ", ".join(shown.flags))
    if shown.unmapped:
        lines.append("Values the mapping did not know:")
        lines.extend(f"  {key}: {value_text(value)}" for key, value in shown.unmapped.items())
    lines.append("The row as it came:")
    lines.extend(f"  {column}: {value_text(value)}" for column, value in shown.payload.items())
    if shown.revisions:
        lines.append(
            "Other revisions: "
            + ", ".join(f"r{other.revision} (report {other.pk})" for other in shown.revisions)
        )
    return "\n".join(lines)
