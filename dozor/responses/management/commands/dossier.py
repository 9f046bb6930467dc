from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from dozor.accounts.models import User
from dozor.commands import DozorCommand
from dozor.printing import html_standalone
from dozor.records.models import Incident
from dozor.records.selectors import incident_get
from dozor.responses import selectors
from dozor.responses.dossier import DossierUnavailable, dossier_render
from dozor.security.filemodes import private_write_bytes, private_write_text

MSG_NO_USER = "--user {name}: there is no active user of that name."
MSG_NOT_VISIBLE = "{reference}: no incident with this reference that {name} may see."
MSG_NO_REFERENCES = "Give incident references, or --raise-list for the user's raise list."


class Command(DozorCommand):
    help = (
        "Print a case dossier for officials: the facts, bias indicators, victims (by pseudonym "
        "unless --names), the official response as a timeline, sources, the dialogue history and "
        "the open requests of one or more incidents, in English or Russian, as PDF (or HTML with "
        "an .html --out), with each case's evidence files (kind, dates, SHA-256) and the photos "
        "chosen with --image, printed without their metadata. Only incidents the --user may see "
        "are printed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("references", nargs="*", metavar="REF", help="incident references")
        parser.add_argument("--user", required=True, help="whose rights apply (a user name)")
        parser.add_argument("--lang", choices=("en", "ru"), default="en", help="dossier language")
        parser.add_argument("--out", required=True, help="the file to write: FILE.pdf or FILE.html")
        parser.add_argument(
            "--raise-list", action="store_true", help="the cases on the user's raise list"
        )
        parser.add_argument(
            "--names",
            action="store_true",
            help="victims' names instead of pseudonyms, where the user may see names",
        )
        parser.add_argument(
            "--image",
            action="append",
            type=int,
            default=[],
            metavar="ID",
            help="print this photo of the cases' evidence, without its metadata (repeatable)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["user"]
        user = User.objects.filter(username=name, is_active=True).first()
        if user is None:
            raise CommandError(MSG_NO_USER.format(name=name))
        references = list(options["references"])
        if options["raise_list"]:
            references += [entry.incident.reference for entry in selectors.raise_list(user)]
        if not references:
            raise CommandError(MSG_NO_REFERENCES)
        incidents = []
        for reference in references:
            try:
                incidents.append(incident_get(user=user, reference=reference))
            except Incident.DoesNotExist:
                raise CommandError(MSG_NOT_VISIBLE.format(reference=reference, name=name)) from None
        out = Path(options["out"])
        as_html = out.suffix.lower() == ".html"
        try:
            content = dossier_render(
                user=user,
                incidents=incidents,
                language=options["lang"],
                with_names=options["names"],
                file_format="html" if as_html else "pdf",
                images=options["image"],
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        except DossierUnavailable as error:
            raise CommandError(str(error)) from None
        if as_html:
            private_write_text(out, html_standalone(content.decode("utf-8")))
        else:
            private_write_bytes(out, content)
        self.stdout.write(f"Wrote the dossier of {len(incidents)} incident(s) to {out}")
