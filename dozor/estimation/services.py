"""Writes of estimation: start a run, execute it stratum by stratum, cancel it, reproduce it."""

from __future__ import annotations

import datetime
import logging
import math
import secrets
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dozor.analysis import mse
from dozor.audit import services as audit
from dozor.estimation import replicates, selectors
from dozor.estimation.models import EstimateRun, RunStatus
from dozor.security import policy
from dozor.security.models import User

logger = logging.getLogger("dozor.estimation")

POSTERIOR_BINS = 30
MAX_SEED = 2**31 - 1
REPRODUCE_TOLERANCE = 1e-6
SETTINGS_CLASSES: dict[str, type] = {
    "loglinear": mse.LoglinearSettings,
    "lcmcr": mse.LcmcrSettings,
    "dga": mse.DgaSettings,
}
# Set by the run itself, never by the person asking.
RESERVED_SETTINGS = frozenset({"seed", "backend"})

MSG_UNKNOWN_METHOD = _("“%(value)s” is not a method: choose loglinear, lcmcr or dga.")
MSG_BAD_SEED = _("The seed must be a whole number from 0 to %(max)s; got “%(value)s”.")
MSG_UNKNOWN_SETTING = _("“%(name)s” is not a setting of the %(method)s method; known: %(known)s.")
MSG_BAD_SETTING = _("The setting “%(name)s” = “%(value)s” is not usable: %(reason)s.")
MSG_NO_ORGANISATION_RUN = _("Only signed-in users can start an estimate.")
MSG_RUN_FINISHED = _("This run has already finished; there is nothing to cancel.")


def _settings_check(method: str, settings: dict[str, Any]) -> dict[str, Any]:
    cls = SETTINGS_CLASSES[method]
    known = {f.name: f for f in fields(cls)} if hasattr(cls, "__dataclass_fields__") else {}
    allowed = sorted(set(known) - RESERVED_SETTINGS)
    for name, value in settings.items():
        if name not in allowed:
            raise ValidationError(
                MSG_UNKNOWN_SETTING,
                code="unknown_setting",
                params={"name": name, "method": method, "known": ", ".join(allowed)},
            )
        if isinstance(value, bool) or not isinstance(value, int | float | str | type(None)):
            raise ValidationError(
                MSG_BAD_SETTING,
                code="bad_setting",
                params={"name": name, "value": value, "reason": "expected a number or a word"},
            )
    if "level" in settings and not (
        isinstance(settings["level"], int | float) and 0.5 <= settings["level"] < 1
    ):
        raise ValidationError(
            MSG_BAD_SETTING,
            code="bad_setting",
            params={"name": "level", "value": settings["level"], "reason": "0.5 to 0.99"},
        )
    for name in ("K", "burnin", "samples", "thinning", "chains", "max_missing"):
        value = settings.get(name)
        if value is not None and (not isinstance(value, int) or value < 0):
            raise ValidationError(
                MSG_BAD_SETTING,
                code="bad_setting",
                params={"name": name, "value": value, "reason": "a whole number of 0 or more"},
            )
    return dict(settings)


def seed_check(seed: int | str | None) -> int:
    """The seed given, or a fresh one: every run has a seed, so every run can be repeated."""
    if seed is None or seed == "":
        return secrets.randbelow(MAX_SEED + 1)
    try:
        value = int(seed)
    except (TypeError, ValueError):
        value = -1
    if isinstance(seed, bool) or not 0 <= value <= MAX_SEED:
        raise ValidationError(
            MSG_BAD_SEED, code="bad_seed", params={"max": MAX_SEED, "value": seed}
        )
    return value


@transaction.atomic
def estimate_run_start(
    *,
    user: User,
    method: str,
    stratify_by: str,
    lists: Sequence[str | int] | None = None,
    country: str = "",
    seed: int | str | None = None,
    settings: dict[str, Any] | None = None,
    linkage_replicates: int | str | None = 0,
) -> EstimateRun:
    """Validate the request and store a queued run; a worker executes it.

    Everything is checked first (method, stratification, lists, country, seed, settings, the
    number of replicate linkages), so a bad request stores nothing and raises ValidationError
    with a message naming what is wrong.
    """
    if not isinstance(user, User) or not user.is_authenticated or not user.is_active:
        raise ValidationError(MSG_NO_ORGANISATION_RUN, code="no_user")
    if method not in SETTINGS_CLASSES:
        raise ValidationError(MSG_UNKNOWN_METHOD, code="unknown_method", params={"value": method})
    selectors.stratification_check(stratify_by)
    country = selectors.country_check(country)
    chosen = selectors.source_lists_resolve(user=user, choices=lists)
    checked_settings = _settings_check(method, settings or {})
    linkage_replicates = replicates.replicates_check(linkage_replicates)
    run = EstimateRun.objects.create(
        organisation_id=user.organisation_id,
        created_by=user,
        method=method,
        stratify_by=stratify_by,
        country=country,
        lists=[{"id": source.pk, "name": source.name} for source in chosen],
        settings=checked_settings,
        seed=seed_check(seed),
        linkage_replicates=linkage_replicates,
    )
    audit.audit_record(
        action=audit.Action.ESTIMATE,
        user=user,
        target=run,
        changes={
            "method": method,
            "stratify_by": stratify_by,
            "country": country,
            "lists": [source.pk for source in chosen],
            "seed": run.seed,
            "linkage_replicates": run.linkage_replicates,
        },
    )
    return run


def estimate_run_cancel(*, run: EstimateRun, user: User) -> EstimateRun:
    """Ask a run to stop. A queued run stops at once; a running one after its current stratum.

    Only who started it, or an administrator of its organisation, may: a colleague's analysis
    is not stopped by everyone who can see it.
    """
    policy.require(user, "estimate.cancel", run)
    with transaction.atomic():
        run = EstimateRun.objects.select_for_update().get(pk=run.pk)
        if run.finished:
            raise ValidationError(MSG_RUN_FINISHED, code="finished")
        run.cancel_requested = True
        if run.status == RunStatus.QUEUED:
            run.status = RunStatus.CANCELLED
            run.finished_at = _now()
        run.save(update_fields=["cancel_requested", "status", "finished_at", "updated_at"])
    logger.info("estimate run %s: cancellation requested by %s", run.pk, user.username)
    return run


def estimate_run_export_record(*, user: User, run: EstimateRun, file_format: str) -> None:
    """The audit entry of a run's results leaving Dozor as a file: counts, never names."""
    audit.audit_record(
        action=audit.Action.EXPORT,
        user=user,
        target=run,
        changes={"export": "estimate_run", "format": file_format, "names": False},
    )


def _now() -> datetime.datetime:
    return timezone.now()


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _posterior(result: mse.Estimate) -> dict[str, list[float]] | None:
    """The posterior of the total, as a histogram small enough to store with the run."""
    if result.method == "lcmcr":
        draws = np.asarray(result.details["trace_N"], dtype=float).ravel()
        counts, edges = np.histogram(draws, bins=POSTERIOR_BINS)
        weights = counts / max(counts.sum(), 1)
    elif result.method == "dga":
        values = np.asarray(result.details["posterior_N_values"], dtype=float)
        probabilities = np.asarray(result.details["posterior_N_probabilities"], dtype=float)
        keep = probabilities > probabilities.max() * 1e-4
        values, probabilities = values[keep], probabilities[keep]
        bins = min(POSTERIOR_BINS, max(len(values), 1))
        weights, edges = np.histogram(values, bins=bins, weights=probabilities)
    else:
        return None
    return {
        "edges": [round(float(e), 3) for e in edges],
        "weights": [round(float(w), 6) for w in weights],
    }


def _details(result: mse.Estimate) -> dict[str, Any]:
    keep = ("selection", "models_compared", "rhat", "ess", "posterior_mean", "chain_seeds")
    return {
        k: _finite(v) if isinstance(v, float) else v for k, v in result.details.items() if k in keep
    }


def stratum_estimate(
    *,
    stratum: str,
    histories: mse.CaptureHistories,
    method: str,
    settings: dict[str, Any],
    seed: int,
) -> dict[str, Any]:
    """One stratum's result as stored: the estimate, or the estimator's refusal."""
    overrides = dict(settings)
    if method == "lcmcr":
        overrides["seed"] = seed
    base = {
        "stratum": stratum,
        "observed": histories.observed,
        "list_totals": histories.list_totals(),
    }
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", mse.MSEWarning)
            result = mse.estimate(histories, method, **overrides)
    except mse.MSEError as error:
        return {**base, "error": str(error), "error_kind": type(error).__name__}
    return {
        **base,
        "estimate": _finite(result.estimate),
        "lower": _finite(result.lower),
        "upper": _finite(result.upper),
        "level": result.level,
        "model": result.model,
        "se": _finite(result.se),
        "warnings": list(result.warnings),
        "details": _details(result),
        "posterior": _posterior(result),
        "error": "",
    }


ProgressCallback = Callable[[EstimateRun, str], None]


def _cancel_requested(run_id: int) -> bool:
    return bool(
        EstimateRun.objects.filter(pk=run_id).values_list("cancel_requested", flat=True).first()
    )


def _finish(run_id: int, status: RunStatus, **values: Any) -> None:
    EstimateRun.objects.filter(pk=run_id).update(
        status=status, finished_at=_now(), updated_at=_now(), **values
    )


def estimate_run_execute(*, run_id: int, progress: ProgressCallback | None = None) -> EstimateRun:
    """Claim a queued run and compute it, stratum by stratum, storing progress as it goes.

    The claim is one conditional UPDATE, so a run is executed once even when the web process's
    thread and a `dozor estimate --run-pending` worker both see it. The cancel flag is read before
    each stratum. The data are those the run's creator may see now.
    """
    claimed = EstimateRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=_now(), updated_at=_now()
    )
    run = EstimateRun.objects.select_related("created_by").get(pk=run_id)
    if not claimed:
        return run
    try:
        table = selectors.capture_table(
            user=run.created_by,
            stratify_by=run.stratify_by,
            lists=_run_lists(run),
            country=run.country,
        )
        strata = table.strata()
        run.data_hash = table.sha256()
        run.progress_total = len(strata) + run.linkage_replicates
        EstimateRun.objects.filter(pk=run.pk).update(
            data_hash=run.data_hash, progress_total=run.progress_total, updated_at=_now()
        )
        results: list[dict[str, Any]] = []
        for key, histories in strata.items():
            if progress:
                progress(run, key)
            if _cancel_requested(run.pk):
                _finish(run.pk, RunStatus.CANCELLED)
                run.refresh_from_db()
                return run
            results.append(
                stratum_estimate(
                    stratum=key,
                    histories=histories,
                    method=run.method,
                    settings=run.settings,
                    seed=run.seed,
                )
            )
            run.progress_done = len(results)
            EstimateRun.objects.filter(pk=run.pk).update(
                results=results, progress_done=run.progress_done, updated_at=_now()
            )
        if run.linkage_replicates:
            linked = _linkage_intervals(run, run.created_by, results, progress)
            if linked is None:
                _finish(run.pk, RunStatus.CANCELLED)
                run.refresh_from_db()
                return run
            EstimateRun.objects.filter(pk=run.pk).update(
                results=linked, progress_done=run.progress_total, updated_at=_now()
            )
        _finish(run.pk, RunStatus.DONE)
    except KeyboardInterrupt:
        EstimateRun.objects.filter(pk=run.pk).update(cancel_requested=True)
        _finish(run.pk, RunStatus.CANCELLED)
        raise
    except ValidationError as error:
        _finish(run.pk, RunStatus.FAILED, error=" ".join(error.messages))
    except Exception as error:
        logger.exception("estimate run %s failed", run.pk)
        _finish(run.pk, RunStatus.FAILED, error=f"{type(error).__name__}: {error}")
    run.refresh_from_db()
    return run


def _linkage_intervals(
    run: EstimateRun,
    user: User,
    results: list[dict[str, Any]],
    progress: ProgressCallback | None,
    *,
    store_progress: bool = True,
) -> list[dict[str, Any]] | None:
    """The results with the interval that carries linkage uncertainty (estimation.replicates)."""
    strata = len(results)

    def replicate_started(number: int, total: int) -> None:
        run.progress_done = min(strata + number - 1, run.progress_total)
        if store_progress:
            EstimateRun.objects.filter(pk=run.pk).update(
                progress_done=run.progress_done, updated_at=_now()
            )
        if progress:
            progress(run, f"replicate linkage {number} of {total}")

    return replicates.linkage_intervals(
        user=user,
        stratify_by=run.stratify_by,
        lists=_run_lists(run),
        country=run.country,
        method=run.method,
        settings=run.settings,
        seed=run.seed,
        replicates=run.linkage_replicates,
        plain=results,
        estimate=stratum_estimate,
        progress=replicate_started,
        cancelled=(lambda: _cancel_requested(run.pk)) if store_progress else None,
    )


def _run_lists(run: EstimateRun) -> list[Any]:
    from dozor.records.models import SourceList

    by_id = SourceList.objects.in_bulk(run.list_ids)
    missing = [item["name"] for item in run.lists if int(item["id"]) not in by_id]
    if missing:
        raise ValidationError(
            selectors.MSG_UNKNOWN_LIST,
            code="unknown_list",
            params={
                "value": ", ".join(missing),
                "known": ", ".join(s.name for s in by_id.values()),
            },
        )
    return [by_id[pk] for pk in run.list_ids]


@dataclass(frozen=True)
class Reproduction:
    """What recomputing a stored run gave, and where it differs."""

    run_id: int
    stored_hash: str
    data_hash: str
    differences: list[str] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)

    @property
    def same_data(self) -> bool:
        return self.stored_hash == self.data_hash

    @property
    def reproduced(self) -> bool:
        return self.same_data and not self.differences


def _differs(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is not b
    return abs(float(a) - float(b)) > REPRODUCE_TOLERANCE * max(1.0, abs(float(a)))


def estimate_run_reproduce(
    *, run: EstimateRun, user: User, progress: ProgressCallback | None = None
) -> Reproduction:
    """Recompute a finished run with its stored settings and seed on the data ``user`` sees.

    Nothing is stored. The comparison covers the data hash and, per stratum, the documented
    count, the estimate and the interval, and the interval with linkage uncertainty when the
    run has one (with what its replicates were drawn from).
    """
    table = selectors.capture_table(
        user=user, stratify_by=run.stratify_by, lists=_run_lists(run), country=run.country
    )
    results = []
    for key, histories in table.strata().items():
        if progress:
            progress(run, key)
        results.append(
            stratum_estimate(
                stratum=key,
                histories=histories,
                method=run.method,
                settings=run.settings,
                seed=run.seed,
            )
        )
    if run.linkage_replicates:
        results = _linkage_intervals(run, user, results, progress, store_progress=False) or results
    differences = []
    stored = {r["stratum"]: r for r in run.results}
    fresh = {r["stratum"]: r for r in results}
    for key in sorted(set(stored) | set(fresh)):
        if key not in fresh or key not in stored:
            differences.append(
                f"stratum {key}: only in the {'stored' if key in stored else 'new'} run"
            )
            continue
        for name in ("observed", "estimate", "lower", "upper"):
            if _differs(stored[key].get(name), fresh[key].get(name)):
                differences.append(
                    f"stratum {key}: {name} stored {stored[key].get(name)}, "
                    f"now {fresh[key].get(name)}"
                )
        if bool(stored[key].get("error")) != bool(fresh[key].get("error")):
            differences.append(f"stratum {key}: refused in one run and not in the other")
        differences.extend(
            replicates.linkage_differences(key, stored[key], fresh[key], differs=_differs)
        )
    return Reproduction(
        run_id=run.pk,
        stored_hash=run.data_hash,
        data_hash=table.sha256(),
        differences=differences,
        results=results,
    )
