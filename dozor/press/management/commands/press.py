from __future__ import annotations

import datetime
import json
import logging
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import CommandError, CommandParser

from dozor.accounts.models import User
from dozor.accounts.policy import may
from dozor.analysis.text import ItemFailure, read_path
from dozor.commands import DozorCommand
from dozor.press.services import MSG_LOCKED_DRAFTING, draft_create
from dozor.records.models import SourceList
from dozor.records.services import source_list_create
from dozor.security.crypto import KeyringLocked
from dozor.security.keyring import keyring

logger = logging.getLogger("dozor.press")

MSG_NO_USER = "'{user}' is not a documenter or administrator of an organisation."
MSG_NO_SOURCE_LIST = (
    "There is no source list '{name}'. Check the name, or pass --new-source-list to create a "
    "press-scan list of that name for your organisation."
)
MSG_OTHER_ORGANISATION = "The source list '{name}' belongs to another organisation."
MSG_NO_PATH = "{path}: no such file or folder."


class Command(DozorCommand):
    help = (
        "Draft reports from press texts: `dozor press FILE|FOLDER|FEED.xml --source-list NAME "
        "--user NAME`. Text files may start with `Date: YYYY-MM-DD` and `URL: ...` lines; RSS "
        "and Atom feeds are read from disk, never fetched. A text already drafted in the source "
        "list is skipped. Drafts wait for review on the Press page; nothing is published."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH", help="text file, folder or feed")
        parser.add_argument("--source-list", required=True, help="the press source list's name")
        parser.add_argument("--user", required=True, help="who drafts them (a documenter)")
        parser.add_argument(
            "--new-source-list",
            action="store_true",
            help="create the source list (kind press_scan) if it does not exist",
        )
        parser.add_argument(
            "--published", help="publication date YYYY-MM-DD for texts that carry none"
        )
        parser.add_argument("--language", choices=("ru", "en"), help="instead of detecting it")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"]).select_related("organisation").first()
        if user is None or not may(user, "source_list.write") or user.organisation is None:
            raise CommandError(MSG_NO_USER.format(user=options["user"]))
        if keyring().locked:
            raise CommandError(str(MSG_LOCKED_DRAFTING))
        source_list = self._source_list(options, user)
        published = None
        if options["published"]:
            try:
                published = datetime.date.fromisoformat(options["published"])
            except ValueError:
                raise CommandError(
                    f"--published {options['published']}: write the date as YYYY-MM-DD."
                ) from None
        paths = [Path(p) for p in options["paths"]]
        for path in paths:
            if not path.exists():
                raise CommandError(MSG_NO_PATH.format(path=path))
        summary: dict[str, list[dict[str, Any]]] = {"drafted": [], "present": [], "failed": []}
        for path in paths:
            for item in read_path(path, published=published):
                if isinstance(item, ItemFailure):
                    summary["failed"].append({"origin": item.origin, "reason": item.reason})
                    continue
                try:
                    draft, created = draft_create(
                        source_list=source_list,
                        text=item.text,
                        published=item.published,
                        user=user,
                        url=item.url,
                        origin=item.origin,
                        language=options["language"] or item.language,
                    )
                except (ValidationError, PermissionDenied) as error:
                    reason = "; ".join(getattr(error, "messages", [str(error)]))
                    summary["failed"].append({"origin": item.origin, "reason": reason})
                    continue
                except KeyringLocked as error:
                    raise CommandError(str(error)) from None
                entry = {"origin": item.origin, "draft": draft.pk}
                summary["drafted" if created else "present"].append(entry)
        logger.info(
            "press: %s drafted, %s present, %s failed",
            *(len(summary[key]) for key in ("drafted", "present", "failed")),
        )
        self._print(summary, as_json=options["json"])
        if summary["failed"] and not summary["drafted"] and not summary["present"]:
            raise CommandError("No text could be drafted.")

    def _source_list(self, options: dict[str, Any], user: User) -> SourceList:
        name = options["source_list"]
        source_list = SourceList.objects.filter(name=name).first()
        if source_list is None:
            if not options["new_source_list"]:
                raise CommandError(MSG_NO_SOURCE_LIST.format(name=name))
            assert user.organisation is not None
            try:
                return source_list_create(
                    name=name, kind="press_scan", organisation=user.organisation, user=user
                )
            except ValidationError as error:
                raise CommandError(f"--source-list: {'; '.join(error.messages)}") from None
        if source_list.organisation_id != user.organisation_id:
            raise CommandError(MSG_OTHER_ORGANISATION.format(name=name))
        return source_list

    def _print(self, summary: dict[str, list[dict[str, Any]]], *, as_json: bool) -> None:
        if as_json:
            counts = {key: len(items) for key, items in summary.items()}
            self.stdout.write(json.dumps({**counts, "items": summary}, ensure_ascii=False))
            return
        self.stdout.write(
            f"Drafted {len(summary['drafted'])}, already present {len(summary['present'])}, "
            f"failed {len(summary['failed'])}."
        )
        for item in summary["drafted"]:
            self.stdout.write(f"  drafted  {item['origin']} (draft {item['draft']})")
        for item in summary["present"]:
            self.stdout.write(f"  present  {item['origin']} (draft {item['draft']})")
        for item in summary["failed"]:
            self.stdout.write(f"  failed   {item['origin']}: {item['reason']}")
