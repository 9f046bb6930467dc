"""Writes of estimation: start a run, execute it stratum by stratum, cancel it, reproduce it."""

from __future__ import annotations

import datetime
import logging
import math
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

import lazy_loader
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dozor.accounts import policy
from dozor.accounts.models import User
from dozor.analysis import mse
from dozor.analysis.capture_table import SETTINGS_CLASSES, run_estimate
from dozor.audit import services as audit
from dozor.estimation import outcomes, replicates, selectors
from dozor.estimation.models import (
    EstimateRun,
    FigureKind,
    PublishedFigure,
    PublishedSeries,
    RunStatus,
)
from dozor.records.models import SourceList

# Loaded when first used: this module is imported as Django starts (by the URLs' views), and
# every `dozor` command would otherwise pay for NumPy and pandas.
if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy_loader.load("numpy")

logger = logging.getLogger("dozor.estimation")

POSTERIOR_BINS = 30
MAX_SEED = 2**31 - 1
REPRODUCE_TOLERANCE = 1e-6
# Set by the run itself, never by the person asking.
RESERVED_SETTINGS = frozenset({"seed", "backend"})
# Asks for every method.
ALL_METHODS = "all"

MSG_UNKNOWN_METHOD = _(
    "“%(value)s” is not a method: choose loglinear, lcmcr or dga, or all of them."
)
MSG_BAD_SEED = _("The seed must be a whole number from 0 to %(max)s; got “%(value)s”.")
MSG_UNKNOWN_SETTING = _(
    "“%(name)s” is not a setting of the method(s) %(method)s; known: %(known)s."
)
MSG_BAD_SETTING = _("The setting “%(name)s” = “%(value)s” is not usable: %(reason)s.")
MSG_NO_ORGANISATION_RUN = _("Only signed-in users can start an estimate.")
MSG_RUN_FINISHED = _("This run has already finished; there is nothing to cancel.")
MSG_PUBLISH_NOT_DONE = _("Only a finished run's figures can be published; this run is %(status)s.")
MSG_PUBLISH_NO_RESULT = _("This run has no result for the group “%(stratum)s” by %(method)s.")
MSG_PUBLISH_REFUSED = _(
    "The estimator refused this group, so there is no estimate to publish; the documented "
    "count can be published."
)
MSG_PUBLISH_FLAGGED = _(
    "This estimate is marked “%(status)s” and is not a figure to quote; publish it once a run "
    "gives a result without that mark."
)
MSG_PUBLISH_KIND = _("“%(value)s” is not a kind of figure: choose estimate or documented.")


def _settings_of(method: str) -> list[str]:
    return sorted({f.name for f in fields(SETTINGS_CLASSES[method])} - RESERVED_SETTINGS)


def _switches(methods: Sequence[str]) -> set[str]:
    """The settings that are on or off (LCMCR's ``adaptive``): their defaults are booleans."""
    return {
        f.name
        for method in methods
        for f in fields(SETTINGS_CLASSES[method])
        if isinstance(f.default, bool)
    } - RESERVED_SETTINGS


def settings_for(method: str, settings: dict[str, Any]) -> dict[str, Any]:
    """The run's settings that ``method`` has: with several methods, each takes its own."""
    known = set(_settings_of(method))
    return {name: value for name, value in settings.items() if name in known}


def _settings_check(methods: Sequence[str], settings: dict[str, Any]) -> dict[str, Any]:
    allowed = sorted({name for method in methods for name in _settings_of(method)})
    switches = _switches(methods)
    for name, value in settings.items():
        if name not in allowed:
            raise ValidationError(
                MSG_UNKNOWN_SETTING,
                code="unknown_setting",
                params={"name": name, "method": ", ".join(methods), "known": ", ".join(allowed)},
            )
        if isinstance(value, bool) != (name in switches) or not isinstance(
            value, int | float | str | type(None)
        ):
            reason = "yes or no" if name in switches else "expected a number or a word"
            raise ValidationError(
                MSG_BAD_SETTING,
                code="bad_setting",
                params={"name": name, "value": value, "reason": reason},
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


def methods_check(methods: str | Sequence[str] | None) -> list[str]:
    """The methods asked for, each once: the default method first when it is among them (its
    figure is the run's figure, see EstimateRun.method), then the others in the order given;
    none: the default method.

    ``all`` stands for every method. Raises ValidationError (MSG_UNKNOWN_METHOD) for a method
    that does not exist.
    """
    if methods is None or isinstance(methods, str):
        methods = [methods] if methods else []
    chosen: list[str] = []
    for value in methods:
        name = str(value).strip().lower()
        if name == ALL_METHODS:
            names = list(SETTINGS_CLASSES)
        elif name in SETTINGS_CLASSES:
            names = [name]
        else:
            raise ValidationError(
                MSG_UNKNOWN_METHOD, code="unknown_method", params={"value": value}
            )
        chosen += [n for n in names if n not in chosen]
    default = default_method()
    if default in chosen:
        chosen.remove(default)
        chosen.insert(0, default)
    return chosen or [default]


def default_method() -> str:
    """The method of a run that names none (DOZOR_ESTIMATION_DEFAULT_METHOD)."""
    return str(django_settings.DOZOR_ESTIMATION_DEFAULT_METHOD)


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
    method: str | Sequence[str] | None = None,
    stratify_by: str,
    lists: Sequence[str | int] | None = None,
    country: str = "",
    seed: int | str | None = None,
    settings: dict[str, Any] | None = None,
    linkage_replicates: int | str | None = 0,
) -> EstimateRun:
    """Validate the request and store a queued run; a worker executes it.

    ``method`` is one method, several (each is run on every stratum, with the same seed), or
    ``all``; none: the default method. ``settings`` apply to every method that has them.
    Everything is checked first (methods, stratification, lists, country, seed, settings, the
    number of replicate linkages), so a bad request stores nothing and raises ValidationError
    with a message naming what is wrong.
    """
    if not isinstance(user, User) or not user.is_authenticated or not user.is_active:
        raise ValidationError(MSG_NO_ORGANISATION_RUN, code="no_user")
    methods = methods_check(method)
    selectors.stratification_check(stratify_by)
    country = selectors.country_check(country)
    chosen = selectors.source_lists_resolve(user=user, choices=lists)
    checked_settings = _settings_check(methods, settings or {})
    linkage_replicates = replicates.replicates_check(linkage_replicates)
    run = EstimateRun.objects.create(
        organisation_id=user.organisation_id,
        created_by=user,
        method=methods[0],
        methods=methods,
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
            "methods": methods,
            "stratify_by": stratify_by,
            "country": country,
            "lists": [source.pk for source in chosen],
            "seed": run.seed,
            "linkage_replicates": run.linkage_replicates,
        },
    )
    return run


def estimate_run_export_record(*, run: EstimateRun, user: User, file_format: str) -> None:
    """One audit entry per run's results written as a file: counts only, never names."""
    audit.audit_record(
        action=audit.Action.EXPORT,
        user=user,
        target=run,
        changes={"export": "estimate_run", "format": file_format, "names": False},
    )


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
        audit.audit_record(
            action=audit.Action.UPDATE,
            user=user,
            target=run,
            changes={"cancel_requested": {"before": False, "after": True}, "status": run.status},
        )
    logger.info("estimate run %s: cancellation requested by %s", run.pk, user.username)
    return run


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
    keep = (
        "selection",
        "models_compared",
        "saturated_models_left_out",
        "rhat",
        "ess",
        "posterior_mean",
        "chain_seeds",
    )
    details = {
        k: _finite(v) if isinstance(v, float) else v for k, v in result.details.items() if k in keep
    }
    diagnostics = result.details.get("diagnostics")
    if diagnostics:
        details["diagnostics"] = _stored(diagnostics)
    return details


def _stored(value: Any) -> Any:
    """A value as JSON stores it: NumPy numbers as Python's, infinities and NaN as None."""
    if isinstance(value, dict):
        return {str(k): _stored(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_stored(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return _finite(value)
    return value


def stratum_estimate(
    *,
    stratum: str,
    histories: mse.CaptureHistories,
    method: str,
    settings: dict[str, Any],
    seed: int,
) -> dict[str, Any]:
    """One stratum's result as stored: the estimate, or the estimator's refusal.

    Cautions are stored as codes with parameters (``"cautions"``), with the estimate's
    ``"status"`` (ok, not_converged, prior_driven); a refusal as ``"refusal"`` (code and
    parameters) beside its English ``"error"``. ``dozor.estimation.messages`` says them in the
    interface language; results stored before held English ``"warnings"`` instead.
    """
    base = {
        "stratum": stratum,
        "observed": histories.observed,
        "list_totals": histories.list_totals(),
    }
    try:
        # The one way every path runs a method (dozor mse too): same settings, same seed.
        result = run_estimate(histories, method=method, settings=settings, seed=seed)
    except mse.MSEError as error:
        return {
            **base,
            "error": str(error),
            "error_kind": type(error).__name__,
            "refusal": error.to_dict(),
        }
    return {
        **base,
        "estimate": _finite(result.estimate),
        "lower": _finite(result.lower),
        "upper": _finite(result.upper),
        "level": result.level,
        "model": result.model,
        "se": _finite(result.se),
        "status": result.status,
        "cautions": [caution.to_dict() for caution in result.cautions],
        "details": _details(result),
        "posterior": _posterior(result),
        "error": "",
    }


ProgressCallback = Callable[[EstimateRun, str, str], None]


def _cancel_requested(run_id: int) -> bool:
    return bool(
        EstimateRun.objects.filter(pk=run_id).values_list("cancel_requested", flat=True).first()
    )


def _finish(run_id: int, status: RunStatus, **values: Any) -> None:
    EstimateRun.objects.filter(pk=run_id).update(
        status=status, finished_at=_now(), updated_at=_now(), **values
    )


def method_result(
    *, stratum: str, histories: mse.CaptureHistories, method: str, run: EstimateRun
) -> dict[str, Any]:
    """One stratum's result by one of the run's methods, with the run's settings and seed."""
    result = stratum_estimate(
        stratum=stratum,
        histories=histories,
        method=method,
        settings=settings_for(method, run.settings),
        seed=run.seed,
    )
    return {**result, "method": method}


def estimate_run_execute(*, run_id: int, progress: ProgressCallback | None = None) -> EstimateRun:
    """Claim a queued run and compute it, stratum by stratum and method by method, storing
    progress as it goes.

    The claim is one conditional UPDATE, so a run is executed once even when the web process's
    thread and a `dozor estimate --run-pending` worker both see it. The cancel flag is read before
    each stratum and method. The data are those the run's creator may see now.
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
            lists=run_lists(run),
            country=run.country,
        )
        strata = table.strata()
        methods = run.method_list
        run.data_hash = table.sha256()
        run.progress_total = len(strata) * len(methods) + run.linkage_replicates
        EstimateRun.objects.filter(pk=run.pk).update(
            data_hash=run.data_hash, progress_total=run.progress_total, updated_at=_now()
        )
        results: list[dict[str, Any]] = []
        for key, histories in strata.items():
            for method in methods:
                if progress:
                    progress(run, key, method)
                if _cancel_requested(run.pk):
                    _finish(run.pk, RunStatus.CANCELLED)
                    run.refresh_from_db()
                    return run
                results.append(
                    method_result(stratum=key, histories=histories, method=method, run=run)
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


def _published_values(result: dict[str, Any], method: str, kind: str) -> dict[str, Any]:
    if kind == FigureKind.DOCUMENTED:
        return {
            "method": "",
            "documented": int(result["observed"]),
            "figure": float(result["observed"]),
            "lower": None,
            "upper": None,
            "level": None,
            "cautions": [],
        }
    found = outcomes.status(result, method)
    if found == outcomes.REFUSED:
        raise ValidationError(MSG_PUBLISH_REFUSED, code="refused")
    if found in outcomes.FLAGGED:
        raise ValidationError(
            MSG_PUBLISH_FLAGGED,
            code="flagged",
            params={"status": outcomes.STATUS_LABELS.get(found, found)},
        )
    return {
        "method": method,
        "documented": int(result["observed"]),
        "figure": float(result["estimate"]),
        "lower": _finite(result.get("lower")),
        "upper": _finite(result.get("upper")),
        "level": _finite(result.get("level")),
        "cautions": list(result.get("cautions") or result.get("warnings") or []),
    }


REVISION_FIELDS = ("method", "documented", "figure", "lower", "upper", "level")


@transaction.atomic
def estimate_publish(
    *,
    user: User,
    run: EstimateRun,
    stratum: str,
    method: str | None = None,
    kind: str = FigureKind.ESTIMATE,
) -> PublishedFigure:
    """Publish one group's figure of a finished run: its estimate by ``method`` (default: the
    run's first method) or its documented count, as the figure the organisation quotes.

    The figure becomes the next revision of its series (organisation, what, grouping, group,
    country, lists, period), kept with the date and the publisher and never changed. Publishing
    the same figure from the same run again adds no revision. An estimate that was refused, did
    not converge or is driven by the prior is not published (ValidationError).
    """
    policy.require(user, "estimate.publish", run)
    if kind not in FigureKind.values:
        raise ValidationError(MSG_PUBLISH_KIND, code="kind", params={"value": kind})
    run = EstimateRun.objects.get(pk=run.pk)
    if run.status != RunStatus.DONE:
        raise ValidationError(
            MSG_PUBLISH_NOT_DONE, code="not_done", params={"status": run.get_status_display()}
        )
    method = method or run.method
    result = run.result_for(stratum, method)
    if result is None:
        raise ValidationError(
            MSG_PUBLISH_NO_RESULT,
            code="no_result",
            params={"stratum": stratum, "method": outcomes.method_name(method)},
        )
    values = _published_values(result, method, kind)
    series, _created = PublishedSeries.objects.get_or_create(
        organisation_id=run.organisation_id,
        kind=kind,
        stratify_by=run.stratify_by,
        stratum=stratum,
        country=run.country,
        lists_key=selectors.lists_key(run.list_ids),
        period=selectors.period_of(run.stratify_by, stratum),
        defaults={"lists": run.lists},
    )
    series = PublishedSeries.objects.select_for_update().get(pk=series.pk)
    latest = series.revisions.order_by("-number").first()
    if (
        latest is not None
        and latest.run_id == run.pk
        and all(getattr(latest, name) == values[name] for name in REVISION_FIELDS)
    ):
        return latest
    series.revision += 1
    series.lists = run.lists
    series.save(update_fields=["revision", "lists"])
    figure = PublishedFigure.objects.create(
        series=series,
        number=series.revision,
        run=run,
        data_hash=run.data_hash,
        seed=run.seed,
        published_at=_now(),
        published_by=user,
        **values,
    )
    audit.audit_record(
        action=audit.Action.PUBLISH,
        user=user,
        target=figure,
        changes={
            "kind": kind,
            "stratify_by": run.stratify_by,
            "stratum": stratum,
            "country": run.country,
            "lists": sorted(run.list_ids),
            "period": series.period,
            "revision": figure.number,
            "run": run.pk,
            **{name: values[name] for name in REVISION_FIELDS},
            "names": False,
        },
    )
    return figure


def _linkage_intervals(
    run: EstimateRun,
    user: User,
    results: list[dict[str, Any]],
    progress: ProgressCallback | None,
    *,
    store_progress: bool = True,
) -> list[dict[str, Any]] | None:
    """The results with the interval that carries linkage uncertainty (estimation.replicates):
    each replicate linkage is estimated by every method of the run, with its settings."""
    strata = len(results)

    def replicate_started(number: int, total: int) -> None:
        run.progress_done = min(strata + number - 1, run.progress_total)
        if store_progress:
            EstimateRun.objects.filter(pk=run.pk).update(
                progress_done=run.progress_done, updated_at=_now()
            )
        if progress:
            progress(run, f"replicate linkage {number} of {total}", ", ".join(run.method_list))

    return replicates.linkage_intervals(
        user=user,
        stratify_by=run.stratify_by,
        lists=run_lists(run),
        country=run.country,
        settings={method: settings_for(method, run.settings) for method in run.method_list},
        seed=run.seed,
        replicates=run.linkage_replicates,
        plain=results,
        estimate=stratum_estimate,
        progress=replicate_started,
        cancelled=(lambda: _cancel_requested(run.pk)) if store_progress else None,
    )


def run_lists(run: EstimateRun) -> list[Any]:
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

    Nothing is stored. The comparison covers the data hash and, per stratum and method, the
    documented count, the estimate and the interval, and the interval with linkage uncertainty
    when the run has one (with what its replicates were drawn from).
    """
    table = selectors.capture_table(
        user=user, stratify_by=run.stratify_by, lists=run_lists(run), country=run.country
    )
    results = []
    for key, histories in table.strata().items():
        for method in run.method_list:
            if progress:
                progress(run, key, method)
            results.append(method_result(stratum=key, histories=histories, method=method, run=run))
    if run.linkage_replicates:
        results = _linkage_intervals(run, user, results, progress, store_progress=False) or results
    differences = []
    stored = {(r["stratum"], run.result_method(r)): r for r in run.results}
    fresh = {(r["stratum"], r["method"]): r for r in results}
    for key, method in sorted(set(stored) | set(fresh)):
        where = f"stratum {key}, {method}" if len(run.method_list) > 1 else f"stratum {key}"
        if (key, method) not in fresh or (key, method) not in stored:
            side = "stored" if (key, method) in stored else "new"
            differences.append(f"{where}: only in the {side} run")
            continue
        before, now = stored[key, method], fresh[key, method]
        for name in ("observed", "estimate", "lower", "upper"):
            if _differs(before.get(name), now.get(name)):
                differences.append(
                    f"{where}: {name} stored {before.get(name)}, now {now.get(name)}"
                )
        if bool(before.get("error")) != bool(now.get("error")):
            differences.append(f"{where}: refused in one run and not in the other")
        differences.extend(replicates.linkage_differences(where, before, now, differs=_differs))
    return Reproduction(
        run_id=run.pk,
        stored_hash=run.data_hash,
        data_hash=table.sha256(),
        differences=differences,
        results=results,
    )
