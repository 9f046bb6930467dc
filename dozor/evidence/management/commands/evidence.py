from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError, CommandParser

from dozor.accounts.models import User
from dozor.commands import DozorCommand
from dozor.evidence import selectors
from dozor.evidence.custody import custody_render
from dozor.evidence.models import Attachment
from dozor.evidence.services import evidence_text_read, evidence_verify
from dozor.printing import PdfUnavailable
from dozor.security.filemodes import private_write_bytes

PROGRESS_EVERY = 100
MSG_NO_USER = "--user {name}: there is no active user of that name."
MSG_NO_ATTACHMENT = "attachment {id}: no evidence file with this number that {name} may see."
MSG_MAY_NOT_OPEN = (
    "attachment {id}: {name} may not open this file (it needs the names permission of its "
    "organisation), so may not have its custody record."
)


class Command(DozorCommand):
    help = (
        "Check the evidence files, or write one file's custody record. `dozor evidence verify` "
        "reads every stored file back from the encrypted store, recomputes its SHA-256 and "
        "compares it with the one taken when the file was received; it names each file that is "
        "missing, damaged or changed, and exits with status 1 when it finds any. `dozor "
        "evidence custody ID --user NAME --format json|pdf --output FILE` writes the custody "
        "record of attachment ID (its hashes, its receipt, what it is evidence of, its copies "
        "and every access in the audit trail) for a court or a UN submission; producing it is "
        "itself in the audit trail. `dozor evidence text` reads the words of every document "
        "(PDF, DOCX, ODT, XLSX) that has none yet into the search index, for files received "
        "before Dozor read them or while reading failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        actions.add_parser("verify", help="re-hash every file")
        actions.add_parser("text", help="read the text of documents that have none yet")
        custody = actions.add_parser("custody", help="write one file's custody record")
        custody.add_argument("attachment", type=int, metavar="ID", help="the attachment number")
        custody.add_argument(
            "--user", required=True, help="who produces it (a user who may open the file)"
        )
        custody.add_argument("--format", choices=("json", "pdf"), default="pdf")
        custody.add_argument("--output", required=True, help="the file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "custody":
            self._custody(options)
        elif options["action"] == "text":
            self._text()
        else:
            self._verify()

    def _text(self) -> None:
        def progress(checked: int) -> None:
            if checked % PROGRESS_EVERY == 0:
                self.stderr.write(f"{checked} documents read…")

        checked, found = evidence_text_read(progress=progress)
        self.stdout.write(
            f"Read {checked} documents without text; {found} had text, now searchable."
        )

    def _custody(self, options: dict[str, Any]) -> None:
        name = options["user"]
        user = User.objects.filter(username=name, is_active=True).first()
        if user is None:
            raise CommandError(MSG_NO_USER.format(name=name))
        try:
            attachment = selectors.attachment_get(user=user, attachment_id=options["attachment"])
        except Attachment.DoesNotExist:
            raise CommandError(
                MSG_NO_ATTACHMENT.format(id=options["attachment"], name=name)
            ) from None
        try:
            content, _content_type = custody_render(
                user=user, attachment=attachment, file_format=options["format"]
            )
        except PermissionDenied:
            raise CommandError(MSG_MAY_NOT_OPEN.format(id=attachment.pk, name=name)) from None
        except PdfUnavailable as error:
            raise CommandError(str(error)) from None
        out = Path(options["output"])
        private_write_bytes(out, content)
        self.stdout.write(f"Wrote the custody record of attachment {attachment.pk} to {out}")

    def _verify(self) -> None:
        def progress(checked: int) -> None:
            if checked % PROGRESS_EVERY == 0:
                self.stderr.write(f"{checked} files checked…")

        checked, problems = evidence_verify(progress=progress)
        for problem in problems:
            self.stderr.write(
                f"attachment {problem.attachment_id} (file {problem.file_id}): {problem.problem}"
            )
        if problems:
            raise CommandError(
                f"{len(problems)} of {checked} evidence files are missing, damaged or changed; "
                "see above."
            )
        self.stdout.write(f"All {checked} evidence files are as they were received.")
