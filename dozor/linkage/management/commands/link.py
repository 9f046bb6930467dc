from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import CommandError, CommandParser

from dozor.accounts.models import User
from dozor.accounts.policy import may
from dozor.analysis.linkage import EngineUnavailableError, LinkageInputError, coverage_lines
from dozor.commands import DozorCommand
from dozor.linkage.accept import AcceptPlan, accept_batch_create, accept_plan
from dozor.linkage.models import LinkageRun
from dozor.linkage.services import field_left_out_sentence, linkage_run_create
from dozor.linkage.undo import UndoResult, accept_batch_undo

MSG_NOT_A_WRITER = "'{user}' is not a documenter or administrator of an organisation."
MSG_BAD_THRESHOLD = "--threshold {value}: give a probability between 0 and 1, e.g. 0.1."
MSG_FIELD_LEFT_OUT = "Left out of some reports: {sentence}"
MSG_BAD_MIN_PROBABILITY = "--min-probability {value}: give a probability between 0 and 1, e.g. 0.5."
MSG_NEEDS_USER = "the following arguments are required: --user"
MSG_BAD_BATCH = "BATCH {value}: give the number of an accepted batch, e.g. 3."


def _probability(text: str, message: str = MSG_BAD_THRESHOLD) -> float:
    try:
        value = float(text)
    except ValueError:
        raise CommandError(message.format(value=text)) from None
    if not 0 <= value <= 1:
        raise CommandError(message.format(value=text))
    return value


def _writer(username: str | None) -> User:
    if not username:
        raise CommandError(MSG_NEEDS_USER)
    user = User.objects.filter(username=username).select_related("organisation").first()
    if user is None or not may(user, "linkage.use"):
        raise CommandError(MSG_NOT_A_WRITER.format(user=username))
    return user


def _refusal(error: ValidationError | PermissionDenied) -> CommandError:
    return CommandError(" ".join(str(m) for m in getattr(error, "messages", [str(error)])))


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
        "the reports give too little to link, it stops and says what to map.\n\n"
        "dozor link accept --user U [--min-probability P] [--dry-run] [--json] accepts the "
        "model's groups of the latest run: every group of reports joined by pairs at or above P "
        "(default DOZOR_LINKAGE_ACCEPT_PROBABILITY) becomes an incident, every report in no "
        "group an incident of its own; reviewed decisions win over scores, and pairs below P "
        "stay in the review queue. dozor link undo BATCH --user U [--dry-run] undoes such a "
        "batch."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", help="who runs it (a documenter)")
        parser.add_argument(
            "--engine", choices=("duckdb", "spark"), default="duckdb", help="where Splink runs"
        )
        parser.add_argument(
            "--threshold",
            default="0.1",
            help="lowest match probability a pair needs to enter the review queue (default 0.1)",
        )
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")
        actions = parser.add_subparsers(dest="action", metavar="{accept,undo}")
        accept = actions.add_parser(
            "accept",
            help="make the model's groups of the latest run incidents, as one batch",
            description="Turn every group the latest linkage run found at or above "
            "--min-probability into an incident, and every report in no group into an incident "
            "of its own. Reviewed decisions win; reports already in an incident stay there; a "
            "group touching several incidents is left for a person.",
        )
        accept.add_argument("--user", dest="user", help="who accepts (a documenter)")
        accept.add_argument(
            "--min-probability",
            help="lowest match probability that joins two reports "
            "(default DOZOR_LINKAGE_ACCEPT_PROBABILITY)",
        )
        accept.add_argument(
            "--dry-run", action="store_true", help="say what it would do, store nothing"
        )
        accept.add_argument("--json", action="store_true", help="print the figures as JSON")
        undo = actions.add_parser(
            "undo",
            help="undo an accepted batch",
            description="Remove the links an accepted batch made that are still as it left "
            "them, and delete the incidents it created that nothing happened to since; say "
            "which it keeps and why.",
        )
        undo.add_argument("batch", help="the batch's number, as `dozor link accept` printed it")
        undo.add_argument("--user", dest="user", help="who undoes it (a documenter)")
        undo.add_argument(
            "--dry-run", action="store_true", help="say what it would do, change nothing"
        )
        undo.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("action") == "accept":
            self._accept(options)
            return
        if options.get("action") == "undo":
            self._undo(options)
            return
        self.link(options)

    def link(self, options: dict[str, Any]) -> None:
        """The run: score the organisation's reports and fill the review queue."""
        threshold = _probability(options["threshold"])
        user = _writer(options["user"])
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

    def _accept(self, options: dict[str, Any]) -> None:
        text = options.get("min_probability")
        probability = None if text is None else _probability(text, MSG_BAD_MIN_PROBABILITY)
        user = _writer(options["user"])
        try:
            if options["dry_run"]:
                plan = accept_plan(user=user, min_probability=probability)
                batch_id = None
            else:
                batch, plan = accept_batch_create(user=user, min_probability=probability)
                batch_id = batch.pk
        except (ValidationError, PermissionDenied) as error:
            raise _refusal(error) from None
        if options["json"]:
            self.stdout.write(
                json.dumps({"batch": batch_id, "dry_run": options["dry_run"], **plan.as_dict()})
            )
            return
        self.stdout.write(_accept_text(plan, batch_id))

    def _undo(self, options: dict[str, Any]) -> None:
        try:
            batch_id = int(options["batch"])
        except ValueError:
            raise CommandError(MSG_BAD_BATCH.format(value=options["batch"])) from None
        if not 1 <= batch_id <= 2**63 - 1:
            raise CommandError(MSG_BAD_BATCH.format(value=options["batch"]))
        user = _writer(options["user"])
        try:
            result = accept_batch_undo(user=user, batch_id=batch_id, dry_run=options["dry_run"])
        except (ValidationError, PermissionDenied) as error:
            raise _refusal(error) from None
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict()))
            return
        self.stdout.write(_undo_text(result))


def _accept_text(plan: AcceptPlan, batch_id: int | None) -> str:
    head = (
        f"Would accept, at a probability of at least {plan.min_probability}"
        if batch_id is None
        else f"Batch {batch_id}: accepted, at a probability of at least {plan.min_probability}"
    )
    lines = [
        f"{head}, the groups of linkage run {plan.run.pk}:",
        f"  {plan.incidents} new incidents ({len(plan.new_groups)} from groups of reports, "
        f"{len(plan.lone)} from lone reports), {plan.links} reports linked",
        f"  {plan.joined_existing} reports added to {len(plan.joins)} existing incidents",
        f"  {plan.pairs_left} pairs left in the review queue "
        f"(below {plan.min_probability} or kept apart)",
    ]
    if plan.not_in_run:
        lines.append(
            f"  {plan.not_in_run} reports stored after the run were left alone: run "
            "`dozor link` again to include them"
        )
    if plan.left:
        lines.append(f"  {len(plan.left)} groups left for a person:")
        for group in plan.left:
            reports = ", ".join(
                f"{r.source_list.name} #{r.external_id} (report {r.pk})" for r in group.reports
            )
            lines.append(f"    {reports}: {group.reason}")
    if batch_id is not None:
        lines.append(f"Undo it with: dozor link undo {batch_id} --user USER")
    return "\n".join(lines)


def _undo_text(result: UndoResult) -> str:
    verb = "Would undo" if result.dry_run else "Undid"
    lines = [
        f"{verb} batch {result.batch.pk}: {len(result.incidents_deleted)} incidents deleted, "
        f"{result.links_removed} links removed, {len(result.incidents_kept)} incidents kept."
    ]
    lines.extend(f"  kept {reference}: {why}" for reference, why in result.incidents_kept)
    lines.extend(
        f"  kept the link of report {report} to {reference}: {why}"
        for report, reference, why in result.links_kept
    )
    return "\n".join(lines)


def _coverage_lines(run: LinkageRun) -> list[str]:
    """What the run compared and left out, in words."""
    lines = coverage_lines(run.coverage)
    lines.extend(
        MSG_FIELD_LEFT_OUT.format(sentence=field_left_out_sentence(item))
        for item in run.coverage.get("fields_left_out", ())
    )
    return lines
