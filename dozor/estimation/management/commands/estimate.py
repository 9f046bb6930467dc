from __future__ import annotations

import json
import sys
import time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from dozor.analysis.mse import METHODS
from dozor.commands import DozorCommand
from dozor.estimation import replicates, selectors, services
from dozor.estimation.messages import explain
from dozor.estimation.models import STRATIFICATIONS, EstimateRun, RunStatus
from dozor.security.models import User

MSG_NO_USER = "--user {name}: there is no active user of that name."
MSG_NO_RUN = "run {run_id}: there is no such run, or {name} may not see it."
MSG_USER_REQUIRED = "--user NAME is required: estimates use what that user may see."
WAIT_SECONDS = 5


def _number(value: Any) -> str:
    if value is None:
        return "unbounded"
    return f"{float(value):,.0f}"


class Command(DozorCommand):
    help = (
        "Estimate how many incidents no source list recorded (multiple systems estimation), "
        "from the incidents the user may see and the lists their reports came from. "
        "`dozor estimate --user NAME --by year --method loglinear` stores a run, shows its "
        "progress (Ctrl+C cancels it cleanly) and prints documented and estimated counts per "
        "group. `--linkage-replicates 50` adds, beside each interval, one that carries the "
        "uncertainty of the links no person reviewed (50 replicate linkages drawn from the "
        "linkage model's match probabilities, each estimated, combined by Rubin's rules). "
        "`--reproduce RUN_ID` recomputes a stored run and compares; `--run-pending` "
        "executes runs started on the web page (for DOZOR_ESTIMATION_WORKER=command)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", help="whose view of the records to estimate from")
        parser.add_argument(
            "--by",
            default="year",
            help=f"estimate separately by: {', '.join(STRATIFICATIONS)} (default year)",
        )
        parser.add_argument(
            "--method", default="loglinear", help=f"{', '.join(METHODS)} (default loglinear)"
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
            help="a method setting, e.g. samples=500 or K=5 (repeatable)",
        )
        parser.add_argument(
            "--linkage-replicates",
            default="0",
            metavar="R",
            help="draw R replicate linkages of the pairs no person reviewed and give the "
            "interval with linkage uncertainty beside the plain one; "
            f"{replicates.SUGGESTED_REPLICATES} is a good start, each costs one estimate per "
            "group (default 0: off)",
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--reproduce", type=int, metavar="RUN_ID", help="recompute a run")
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
            self.stdout.write(json.dumps(self._as_json(run), ensure_ascii=False))
        else:
            self._print(run)
        if run.status == RunStatus.FAILED:
            raise CommandError(f"run {run.pk} failed: {run.error}")

    @staticmethod
    def _settings(pairs: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for pair in pairs:
            name, sep, text = pair.partition("=")
            if not sep or not name.strip():
                raise CommandError(f"--setting {pair}: write NAME=VALUE, e.g. samples=500.")
            value: Any = text.strip()
            for kind in (int, float):
                try:
                    value = kind(text)
                    break
                except ValueError:
                    continue
            out[name.strip()] = value
        return out

    def _progress(self, run: EstimateRun, stratum: str) -> None:
        done = run.progress_done
        sys.stderr.write(
            f"\r  run {run.pk}: step {done + 1} of {run.progress_total} ({stratum})      "
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

    @staticmethod
    def _as_json(run: EstimateRun) -> dict[str, Any]:
        return {
            "run": run.pk,
            "status": run.status,
            "method": run.method,
            "by": run.stratify_by,
            "country": run.country,
            "lists": run.list_names,
            "settings": run.settings,
            "seed": run.seed,
            "linkage_replicates": run.linkage_replicates,
            "data_hash": run.data_hash,
            "strata": [
                {k: v for k, v in result.items() if k != "posterior"} for result in run.results
            ],
        }

    def _print(self, run: EstimateRun) -> None:
        self.stdout.write(
            f"Run {run.pk}: {run.method}, by {run.stratify_by}, status {run.status}; "
            f"seed {run.seed}; data SHA-256 {run.data_hash}"
        )
        self.stdout.write(f"Lists: {'; '.join(run.list_names)}")
        self.stdout.write(f"{'group':<24} {'documented':>10} {'estimate':>10}  interval")
        for result in run.results:
            label = selectors.stratum_label(run.stratify_by, result["stratum"])
            if result.get("error"):
                self.stdout.write(
                    f"{label:<24} {result['observed']:>10,}  refused: {explain(result['error'])}"
                )
                continue
            self.stdout.write(
                f"{label:<24} {result['observed']:>10,} {_number(result['estimate']):>10}  "
                f"{_number(result['lower'])} to {_number(result['upper'])}"
            )
            for text in result.get("warnings", []):
                self.stdout.write(f"{'':<24} caution: {explain(text)}")
            linkage = replicates.linkage_summary(result)
            if linkage:
                self.stdout.write(f"{'':<24} linkage: {linkage}")
