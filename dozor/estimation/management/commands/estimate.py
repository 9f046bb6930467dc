from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import CommandError, CommandParser

from dozor.accounts.models import User
from dozor.analysis.mse import METHODS
from dozor.commands import DozorCommand
from dozor.estimation import presenting, replicates, selectors, services
from dozor.estimation.models import STRATIFICATIONS, EstimateRun, FigureKind, RunStatus

MSG_NO_USER = "--user {name}: there is no active user of that name."
MSG_NO_RUN = "run {run_id}: there is no such run, or {name} may not see it."
MSG_USER_REQUIRED = "--user NAME is required: estimates use what that user may see."
MSG_TABLE_CHANGED = (
    "--write-table {path}: the records changed while run {run_id} ran, so the table now is not "
    "the one it used (SHA-256 {stored}); nothing was written. Run the estimate again."
)
MSG_TABLE_UNWRITABLE = "--write-table {path}: cannot write the file ({error})."
MSG_TABLE_WRITTEN = (
    "Capture histories written to {path} (SHA-256 {hash}); `dozor mse {path} --stratum GROUP "
    "--method METHOD --seed {seed}{settings}` gives this run's figures."
)
# The options of `dozor mse` that turn an on/off setting off (a setting left on needs none).
MSE_SWITCHES_OFF = {
    "adaptive": " --fixed",
    "heterogeneity_check": " --no-heterogeneity-check",
    "dependence_check": " --no-dependence-check",
}


def _mse_option(name: str, value: Any) -> str:
    """A run's setting as the `dozor mse` option that gives it."""
    if isinstance(value, bool):
        return "" if value else MSE_SWITCHES_OFF.get(name, f" --{name} {value}")
    return f" --{name} {value}"


MSG_PUBLISH_STRATUM = "--publish needs --stratum GROUP: the group whose figure to publish."
MSG_PUBLISH_ONE_METHOD = "--publish takes one --method: the method whose estimate to publish."
MSG_PUBLISHED = (
    "Published the {kind} of group {stratum} as revision {number} on {date}: {figure}. "
    "Every revision: Published figures on the Estimates page."
)
WAIT_SECONDS = 5


class Command(DozorCommand):
    help = (
        "Estimate how many incidents no source list recorded (multiple systems estimation), "
        "from the incidents the user may see and the lists their reports came from. "
        "`dozor estimate --user NAME --by year --method loglinear lcmcr` stores a run, shows "
        "its progress (Ctrl+C cancels it cleanly) and prints documented and estimated counts "
        "per group and method, and whether the methods agree. Without --method the default "
        "method (DOZOR_ESTIMATION_DEFAULT_METHOD) runs; `--method all` runs every one. "
        "`--linkage-replicates 50` adds, beside each interval, one that carries the "
        "uncertainty of the links no person reviewed (50 replicate linkages drawn from the "
        "linkage model's match probabilities, each estimated, combined by Rubin's rules). "
        "`--write-table FILE` writes the capture histories the run used, for `dozor mse`. "
        "`--reproduce RUN_ID` recomputes a stored run and compares; `--publish RUN_ID --stratum "
        "GROUP` publishes a figure of it (analysts and administrators); `--run-pending` executes "
        "runs started on the web page (for DOZOR_ESTIMATION_WORKER=command)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", help="whose view of the records to estimate from")
        parser.add_argument(
            "--by",
            default="year",
            help=f"estimate separately by: {', '.join(STRATIFICATIONS)} (default year)",
        )
        parser.add_argument(
            "--method",
            nargs="+",
            metavar="METHOD",
            help=f"one or more of {', '.join(METHODS)}, or all (default: the default method, "
            "DOZOR_ESTIMATION_DEFAULT_METHOD)",
        )
        parser.add_argument(
            "--lists",
            nargs="+",
            metavar="LIST",
            help="source lists (ids or exact names) to treat as lists; "
            "default: every list that recorded an incident the user may see",
        )
        parser.add_argument("--country", default="", help="only incidents in this country (RU)")
        parser.add_argument("--seed", help="random seed (default: a new one, printed)")
        parser.add_argument(
            "--setting",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="a method setting, e.g. samples=500, K=5 or adaptive=no (repeatable)",
        )
        parser.add_argument(
            "--write-table",
            metavar="FILE",
            help="write the run's capture-history table (stratum, one 0/1 column per list, "
            "count) as CSV, for `dozor mse`",
        )
        parser.add_argument(
            "--linkage-replicates",
            default="0",
            metavar="R",
            help="draw R replicate linkages of the pairs no person reviewed and give the "
            "interval with linkage uncertainty beside the plain one; "
            f"{replicates.SUGGESTED_REPLICATES} is a good start, each costs one estimate per "
            "group and method (default 0: off)",
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--reproduce", type=int, metavar="RUN_ID", help="recompute a run")
        parser.add_argument(
            "--publish",
            type=int,
            metavar="RUN_ID",
            help="publish a figure of a finished run as the one the organisation quotes: the "
            "estimate of --stratum GROUP by --method (default: the run's first method), or with "
            "--documented its documented count",
        )
        parser.add_argument("--stratum", metavar="GROUP", help="with --publish: the group")
        parser.add_argument(
            "--documented",
            action="store_true",
            help="with --publish: the documented count rather than the estimate",
        )
        parser.add_argument(
            "--run-pending", action="store_true", help="execute the queued runs, then exit"
        )
        parser.add_argument(
            "--wait", action="store_true", help="with --run-pending: keep waiting for new runs"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["run_pending"]:
            self._run_pending(wait=options["wait"])
            return
        if not options["user"]:
            raise CommandError(MSG_USER_REQUIRED)
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(MSG_NO_USER.format(name=options["user"]))
        if options["reproduce"] is not None:
            self._reproduce(user, options["reproduce"], as_json=options["json"])
            return
        if options["publish"] is not None:
            self._publish(user, options)
            return
        table_path = Path(options["write_table"]) if options["write_table"] else None
        if table_path is not None and not table_path.parent.is_dir():
            raise CommandError(MSG_TABLE_UNWRITABLE.format(path=table_path, error="no such folder"))
        try:
            run = services.estimate_run_start(
                user=user,
                method=options["method"],
                stratify_by=options["by"],
                lists=options["lists"],
                country=options["country"],
                seed=options["seed"],
                settings=self._settings(options["setting"]),
                linkage_replicates=options["linkage_replicates"],
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        run = self._execute(run)
        if options["json"]:
            self.stdout.write(json.dumps(presenting.run_json(run), ensure_ascii=False))
        else:
            for line in presenting.run_text(run):
                self.stdout.write(line)
        if run.status == RunStatus.FAILED:
            raise CommandError(f"run {run.pk} failed: {run.error}")
        if table_path is not None and run.status == RunStatus.DONE:
            self._write_table(run, user, table_path)

    def _write_table(self, run: EstimateRun, user: User, path: Path) -> None:
        """The table the run used: rebuilt, and written only if its hash is the run's."""
        table = selectors.capture_table(
            user=user,
            stratify_by=run.stratify_by,
            lists=services.run_lists(run),
            country=run.country,
        )
        if table.sha256() != run.data_hash:
            raise CommandError(
                MSG_TABLE_CHANGED.format(path=path, run_id=run.pk, stored=run.data_hash)
            )
        try:
            path.write_text(table.to_csv(), encoding="utf-8")
        except OSError as error:
            raise CommandError(MSG_TABLE_UNWRITABLE.format(path=path, error=error)) from None
        sys.stderr.write(
            MSG_TABLE_WRITTEN.format(
                path=path,
                hash=run.data_hash,
                seed=run.seed,
                settings="".join(_mse_option(name, value) for name, value in run.settings.items()),
            )
            + "\n"
        )

    @staticmethod
    def _settings(pairs: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for pair in pairs:
            name, sep, text = pair.partition("=")
            if not sep or not name.strip():
                raise CommandError(f"--setting {pair}: write NAME=VALUE, e.g. samples=500.")
            value: Any = text.strip()
            switch = {"true": True, "yes": True, "false": False, "no": False}
            if value.lower() in switch:
                out[name.strip()] = switch[value.lower()]
                continue
            for kind in (int, float):
                try:
                    value = kind(text)
                    break
                except ValueError:
                    continue
            out[name.strip()] = value
        return out

    def _progress(self, run: EstimateRun, stratum: str, method: str) -> None:
        done = run.progress_done
        sys.stderr.write(
            f"\r  run {run.pk}: step {done + 1} of {run.progress_total} ({stratum}, {method})    "
        )
        sys.stderr.flush()

    def _execute(self, run: EstimateRun) -> EstimateRun:
        try:
            run = services.estimate_run_execute(run_id=run.pk, progress=self._progress)
        except KeyboardInterrupt:
            sys.stderr.write(f"\nrun {run.pk} cancelled; the groups finished before are kept.\n")
            raise SystemExit(130) from None
        sys.stderr.write("\n")
        return run

    def _run_pending(self, *, wait: bool) -> None:
        while True:
            queued = list(
                EstimateRun.objects.filter(status=RunStatus.QUEUED)
                .order_by("created_at", "id")
                .values_list("pk", flat=True)
            )
            for run_id in queued:
                self.stdout.write(f"executing run {run_id}")
                run = self._execute(EstimateRun.objects.get(pk=run_id))
                self.stdout.write(f"run {run.pk}: {run.status}")
            if not wait:
                if not queued:
                    self.stdout.write("no queued runs")
                return
            time.sleep(WAIT_SECONDS)

    def _publish(self, user: User, options: dict[str, Any]) -> None:
        run_id = options["publish"]
        try:
            run = selectors.run_get(user=user, run_id=run_id)
        except EstimateRun.DoesNotExist:
            raise CommandError(MSG_NO_RUN.format(run_id=run_id, name=user.username)) from None
        if not options["stratum"]:
            raise CommandError(MSG_PUBLISH_STRATUM)
        methods = options["method"] or []
        if len(methods) > 1:
            raise CommandError(MSG_PUBLISH_ONE_METHOD)
        try:
            figure = services.estimate_publish(
                user=user,
                run=run,
                stratum=options["stratum"],
                method=methods[0] if methods else None,
                kind=FigureKind.DOCUMENTED if options["documented"] else FigureKind.ESTIMATE,
            )
        except PermissionDenied as error:
            raise CommandError(str(error)) from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        series = figure.series
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "series": series.pk,
                        "kind": series.kind,
                        "stratum": series.stratum,
                        "period": series.period,
                        "revision": figure.number,
                        "method": figure.method,
                        "documented": figure.documented,
                        "figure": figure.figure,
                        "lower": figure.lower,
                        "upper": figure.upper,
                        "run": run.pk,
                        "published_at": figure.published_at.isoformat(),
                    }
                )
            )
            return
        self.stdout.write(
            MSG_PUBLISHED.format(
                kind=series.kind,
                stratum=series.stratum,
                number=figure.number,
                date=figure.published_at.date().isoformat(),
                figure=f"{figure.figure:,.0f}",
            )
        )

    def _reproduce(self, user: User, run_id: int, *, as_json: bool) -> None:
        try:
            run = selectors.run_get(user=user, run_id=run_id)
        except EstimateRun.DoesNotExist:
            raise CommandError(MSG_NO_RUN.format(run_id=run_id, name=user.username)) from None
        if run.status != RunStatus.DONE:
            raise CommandError(f"run {run_id} is {run.status}: only finished runs can be compared.")
        try:
            outcome = services.estimate_run_reproduce(run=run, user=user, progress=self._progress)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        sys.stderr.write("\n")
        if as_json:
            self.stdout.write(
                json.dumps(
                    {
                        "run": run.pk,
                        "reproduced": outcome.reproduced,
                        "same_data": outcome.same_data,
                        "stored_hash": outcome.stored_hash,
                        "data_hash": outcome.data_hash,
                        "differences": outcome.differences,
                    }
                )
            )
        else:
            self.stdout.write(f"stored data hash: {outcome.stored_hash}")
            self.stdout.write(f"current data hash: {outcome.data_hash}")
            if not outcome.same_data:
                self.stdout.write(
                    "The capture histories differ: records or links changed since the run, or "
                    "you see different records than its author."
                )
            for line in outcome.differences:
                self.stdout.write(f"  {line}")
            if outcome.reproduced:
                self.stdout.write(f"Run {run.pk} reproduced: same data, same results.")
        if not outcome.reproduced:
            raise CommandError(f"run {run.pk} was not reproduced")
