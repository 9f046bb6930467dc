from __future__ import annotations

import datetime
import json
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from dozor.audit.models import Action, AuditEntry
from dozor.audit.selectors import audit_count, audit_verify, refusals_all
from dozor.commands import DozorCommand

MAX_PROBLEMS_SHOWN = 100
MSG_BAD_HOURS = "--hours {hours}: give a whole number of hours, 1 or more."


class Command(DozorCommand):
    help = (
        "Check the audit trail and read its refusal log. `dozor audit verify` recomputes every "
        "entry's hash and its link to the entry before it, and names each entry that was "
        "edited, deleted or moved; it exits with status 1 when it finds any. `dozor audit "
        "refusals` lists the refused requests (who, method and path, answer, address) and the "
        "refusal alerts of the last --hours (24 by default), newest first, of every user and "
        "signed-out visitor."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "action",
            choices=["verify", "refusals"],
            help="verify: check the hash chain; refusals: list refused requests and alerts",
        )
        parser.add_argument("--hours", type=int, default=24, help="refusals: how far back")
        parser.add_argument("--user", help="refusals: only this user's")
        parser.add_argument("--alerts", action="store_true", help="refusals: only the alerts")
        parser.add_argument("--json", action="store_true", help="refusals: as JSON lines")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "refusals":
            self._refusals(options)
            return
        problems = []
        for problem in audit_verify():
            problems.append(problem)
            if len(problems) <= MAX_PROBLEMS_SHOWN:
                self.stderr.write(str(problem))
        if problems:
            raise CommandError(f"The audit trail has {len(problems)} problem(s); see above.")
        self.stdout.write(f"The audit trail is intact: {audit_count()} entries, chain verified.")

    def _refusals(self, options: dict[str, Any]) -> None:
        if options["hours"] < 1:
            raise CommandError(MSG_BAD_HOURS.format(hours=options["hours"]))
        since = timezone.now() - datetime.timedelta(hours=options["hours"])
        entries = refusals_all().filter(at__gte=since)
        if options["user"]:
            entries = entries.filter(actor=options["user"])
        if options["alerts"]:
            entries = entries.filter(action=Action.REFUSAL_ALERT)
        count = 0
        for entry in entries.iterator():
            count += 1
            self.stdout.write(_as_json(entry) if options["json"] else _as_line(entry))
        if not options["json"]:
            self.stdout.write(
                f"{count} refused request(s) and alert(s) in the last {options['hours']} hour(s)."
            )


def _as_line(entry: AuditEntry) -> str:
    when = entry.at.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")
    who = entry.actor or "(signed out)"
    where = entry.ip_address or entry.origin or "-"
    if entry.action == Action.REFUSAL_ALERT:
        changes = entry.changes
        return (
            f"{when}  ALERT    {who}  {changes.get('refusals')} refusals within "
            f"{changes.get('minutes')} minutes  from {where}"
        )
    changes = entry.changes
    return (
        f"{when}  refused  {who}  {changes.get('method')} {changes.get('path')}  "
        f"{changes.get('status')}  from {where}"
    )


def _as_json(entry: AuditEntry) -> str:
    return json.dumps(
        {
            "entry": entry.pk,
            "at": entry.at.astimezone(datetime.UTC).isoformat(),
            "action": entry.action,
            "user": entry.actor,
            "address": entry.ip_address,
            "browser": entry.user_agent,
            **entry.changes,
        },
        ensure_ascii=False,
    )
