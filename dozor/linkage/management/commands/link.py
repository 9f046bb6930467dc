from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import CommandError, CommandParser

from dozor.analysis.linkage import EngineUnavailableError, LinkageInputError, coverage_lines
from dozor.commands import DozorCommand
from dozor.linkage.models import LinkageRun
from dozor.linkage.services import field_left_out_sentence, linkage_run_create
from dozor.security.models import User
from dozor.security.policy import may

MSG_NOT_A_WRITER = "'{user}' is not a documenter or administrator of an organisation."
MSG_BAD_THRESHOLD = "--threshold {value}: give a probability between 0 and 1, e.g. 0.1."
MSG_FIELD_LEFT_OUT = "Left out of some reports: {sentence}"


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise CommandError(MSG_BAD_THRESHOLD.format(value=text)) from None
    if not 0 <= value <= 1:
        raise CommandError(MSG_BAD_THRESHOLD.format(value=text))
    return value


class Command(DozorCommand):
    help = (
        "Find the reports that describe the same incident. Scores every plausible pair of the "
        "reports of your organisation's own source lists (Splink, parameters estimated without "
        "labels and improved by the decisions your organisation already made), and puts the "
        "pairs at or above --threshold into the review queue on the Linkage page. Nothing is "
        "merged: reports join incidents only when someone confirms them there. --engine spark "
        "scores the pairs with the same model on Apache Spark (needs pyspark and Java), its "
        "parameters estimated on DuckDB over a sample of at most 200,000 reports, for data that "
        "outgrows one machine. It compares what the reports give and says what it left out: a "
        "comparison no report can feed (no report has a victim's name, say), and a field that "
        "cannot be read in some reports (a date 'nan'), left out of those reports only. When "
        "the reports give too little to link, it stops and says what to map."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="who runs it (a documenter)")
        parser.add_argument(
            "--engine", choices=("duckdb", "spark"), default="duckdb", help="where Splink runs"
        )
        parser.add_argument(
            "--threshold",
            default="0.1",
            help="lowest match probability a pair needs to enter the review queue (default 0.1)",
        )
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        self.link(options)

    def link(self, options: dict[str, Any]) -> None:
        """The run: score the organisation's reports and fill the review queue."""
        threshold = _probability(options["threshold"])
        user = User.objects.filter(username=options["user"]).select_related("organisation").first()
        if user is None or not may(user, "linkage.use"):
            raise CommandError(MSG_NOT_A_WRITER.format(user=options["user"]))
        try:
            run, result = linkage_run_create(
                user=user, engine=options["engine"], threshold=threshold
            )
        except (ValidationError, PermissionDenied, LinkageInputError) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from None
        except EngineUnavailableError as error:
            raise CommandError(str(error)) from None
        figures = {
            "run": run.pk,
            "engine": run.engine,
            "reports": run.reports,
            "candidate_pairs": run.pairs,
            "clusters": run.clusters,
            "threshold": run.threshold,
            "seconds": run.seconds,
            "timings": {k: round(v, 2) for k, v in result.timings.items()},
            # compared, left_out, lacking, notes, fields_left_out
            **run.coverage,
        }
        if options["json"]:
            self.stdout.write(json.dumps(figures))
            return
        self.stdout.write(
            f"{run.reports} reports, {run.pairs} candidate pairs at or above {run.threshold}, "
            f"{run.clusters} likely incidents ({run.engine}, {run.seconds:.1f} s). "
            "Review them on the Linkage page."
        )
        for line in _coverage_lines(run):
            self.stdout.write(line)


def _coverage_lines(run: LinkageRun) -> list[str]:
    """What the run compared and left out, in words."""
    lines = coverage_lines(run.coverage)
    lines.extend(
        MSG_FIELD_LEFT_OUT.format(sentence=field_left_out_sentence(item))
        for item in run.coverage.get("fields_left_out", ())
    )
    return lines
