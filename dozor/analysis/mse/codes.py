"""Every caution and refusal the estimators can give, as a code with its English wording.

The analysis speaks in codes with parameters (numbers, strings, lists); an interface renders
them in its own language (``dozor.estimation.messages`` does, in English and Russian). The
English templates here serve the command line ``dozor mse`` and logs: they are ``str.format``
templates over the parameters, lists already joined with commas.

A caution's code decides the status of the estimate it is attached to (see
:func:`status_of`): the codes in :data:`NOT_CONVERGED_CODES` make it ``"not_converged"``, those
in :data:`PRIOR_DRIVEN_CODES` ``"prior_driven"``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

#: An upper limit beyond this multiple of the number observed says the data cannot bound N.
UPPER_MULTIPLE = 5

STATUS_OK = "ok"
STATUS_NOT_CONVERGED = "not_converged"
STATUS_PRIOR_DRIVEN = "prior_driven"
STATUSES = (STATUS_OK, STATUS_NOT_CONVERGED, STATUS_PRIOR_DRIVEN)

CAUTION_TEMPLATES: dict[str, str] = {
    # the data, whatever the method
    "two_lists": (
        "only two lists: the estimate rests entirely on the assumption that the two lists are "
        "independent, which the data cannot test"
    ),
    "three_lists": (
        "only three lists: dependence between the lists and heterogeneity of capture cannot "
        "both be modelled, and the data cannot tell which is at work; a fourth list, grouping "
        "into more alike strata or a covariate would help"
    ),
    "list_holds_everything": (
        "list(s) {lists} hold every observed individual; either the list is complete (then no "
        "estimation is needed) or the other lists were drawn from it, and an estimate near the "
        "observed count says nothing about those never recorded"
    ),
    "few_observed": (
        "only {observed} individuals observed (fewer than {minimum}): the estimate is fragile"
    ),
    "thin_overlap": (
        "only {on_several} individuals appear on more than one list; the overlap that drives "
        "the estimate is very thin"
    ),
    "sparse_table": (
        "{empty} of {cells} observable histories have no individual; models with interactions "
        "may not be identifiable"
    ),
    "strata_too_small": (
        "strata {strata} have fewer than {minimum} observed individuals and were left out; "
        "estimate them with a coarser stratification or report them as observed counts only"
    ),
    # identifiability, every method
    "upper_beyond_multiple": (
        "the upper limit ({upper:,.0f}) is more than {multiple} times the number observed "
        "({observed:,}): the data say little about how many were missed, and the interval "
        "reflects the model's assumptions or the prior more than the data"
    ),
    "upper_unbounded": "the profile likelihood does not bound N from above",
    # log-linear models
    "saturated_model": (
        "model {model} has as many parameters ({parameters}) as the table has observable "
        "histories ({cells}): it fits any data, so the data cannot check it, and N follows only "
        "from the untestable assumption that the highest-order interaction is zero"
    ),
    "heterogeneous_capture": (
        "every pair of the {lists} lists shares more cases than chance (all {pairs} pairwise "
        "interactions positive, the weakest an odds ratio of {weakest_odds_ratio:.2f}; p = "
        "{p:.3g}): the mark of cases that differ in how easily they are recorded, which models "
        "of dependence between lists absorb into interactions; their estimate and interval are "
        "then likely off: use lcmcr, which models such differences, or group into more alike "
        "strata"
    ),
    "chao_eta_dropped": "Chao parameters {parameters} were negative and set to 0",
    "lack_of_fit": (
        "the log-linear model {model} does not fit the table (deviance {deviance:.1f} on {df} "
        "degrees of freedom, p = {p:.3g}): the lists depend on each other, or cases differ in "
        "how easily they are recorded, in ways no pairwise dependence explains; the estimate is "
        "likely biased: compare with lcmcr, which models such differences, or group into more "
        "alike strata"
    ),
    # LCMCR
    "lcmcr_not_converged": (
        "the sampler's diagnostics ({failed}) did not pass within its time budget "
        "({seconds:g} of {max_seconds:g} s, {sweeps:,} sweeps per chain, K = {K}): give it a "
        "longer budget (max_seconds), allow more latent classes (max_K) or group the data into "
        "more alike strata; do not report this figure"
    ),
    "list_dependence": (
        "the log-linear model {model}, which fits the table and models dependence between "
        "particular lists ({pairs} pair(s)), gives {estimate:,} [{lower:,}-{upper:,}], and this "
        "estimate lies outside that interval: latent classes mimic lists that share their "
        "sources poorly, and LCMCR "
        "then tends to put the total too low; compare the methods (method all) and prefer the "
        "log-linear figure if those lists are known to share sources"
    ),
    "chains_disagree": "chains disagree (R-hat {rhat:.3f} > {limit})",
    "few_effective_draws": (
        "the effective sample size of N is only {ess:.0f} (at least {target:.0f} needed)"
    ),
    "all_classes_used": "all {K} latent classes were used; allow more classes (max_K)",
    # dga
    "complete_graph": (
        "the graph in which every list depends on every other carries posterior probability "
        "{probability:.2f}: it fits any data, so N is not identified by the data and the "
        "estimate is the prior's; a further list, grouping into more alike strata or a "
        "covariate would help"
    ),
    "posterior_truncated": (
        "{percent:.1f}% of the posterior of N lies in the top tenth of the range searched (up "
        "to {max_n:,}); the posterior is truncated there and the upper limit depends on that "
        "range: the lists overlap too little"
    ),
    "no_dominant_graph": (
        "no graph has posterior probability above 0.1 (best {best:.3f}); the estimate averages "
        "over many different dependence structures"
    ),
    # combined replicates (linkage uncertainty)
    "replicates_cautioned": (
        "{cautioned} of {replicates} replicate estimates carried cautions of their own"
    ),
}

CAUTION_CODES: tuple[str, ...] = tuple(CAUTION_TEMPLATES)

NOT_CONVERGED_CODES = frozenset({"lcmcr_not_converged"})
PRIOR_DRIVEN_CODES = frozenset(
    {"saturated_model", "complete_graph", "upper_beyond_multiple", "upper_unbounded"}
)

REFUSAL_TEMPLATES: dict[str, str] = {
    # the facade
    "unknown_method": "unknown method {method!r}; choose one of {methods}",
    "bad_settings_type": "settings for {method!r} must be {expected}",
    "unknown_setting": "unknown setting(s) {names} for {method!r}; known: {known}",
    "setting_too_small": "setting {name} must be at least {minimum}, got {value}",
    "setting_not_positive": "setting {name} must be greater than 0, got {value}",
    "unknown_backend": "backend must be 'numba' or 'numpy', got {backend!r}",
    "bad_level": "the interval level must be between 0.5 and 1, got {level}",
    # reading capture histories
    "not_a_frame": "expected a pandas DataFrame, got {type}",
    "no_rows": "the table has no rows",
    "duplicate_columns": "duplicate column names: {columns}",
    "count_column_missing": "count column {column!r} not found; the columns are {columns}",
    "list_columns_missing": "list column(s) {missing} not found; the columns are {columns}",
    "count_column_is_list": "column {column!r} cannot be both a list and the count",
    "duplicate_lists": "a list is named twice: {lists}",
    "too_few_list_columns": "capture histories need at least 2 list columns, got {count}: {lists}",
    "too_many_lists": "at most {maximum} lists are supported, got {count}",
    "not_zero_one": (
        "column {column!r}, row {row!r}: expected 0 or 1 (on the list or not), got {value!r}"
    ),
    "bad_count": (
        "count column {column!r}, row {row!r}: expected a non-negative whole number, got {value!r}"
    ),
    "observed_on_no_list": (
        "row {row!r}: the history is on no list (all zeros) but its count is {count}; nobody "
        "can be observed on no list - remove the row (the number of people on no list is what "
        "is estimated)"
    ),
    "nothing_observed": "no individual is observed (all counts are zero)",
    "histories_shape": (
        "histories must be a matrix with one column per list ({lists}), got shape {shape}"
    ),
    "counts_shape": "counts must have one entry per history ({histories}), got shape {shape}",
    "not_binary": "histories must contain only 0 and 1",
    "negative_count": "counts must be non-negative",
    "zero_history_observed": "the all-zero history cannot have been observed",
    "table_size": "a table for {lists} lists needs {cells} cells, got {size}",
    "zero_cell_not_zero": "cell 0 (the all-zero history) must be 0",
    "unknown_lists": "unknown list(s): {lists}",
    "stratum_column_missing": "stratum column {column!r} not found; the columns are {columns}",
    "stratum_value_missing": "stratum column {column!r}, row {row!r}: missing value",
    "no_stratum_large_enough": "no stratum has at least {minimum} observed individuals",
    "unknown_stratum": "no such group {stratum!r}; the groups are {strata}",
    "several_strata": "the table has several groups; choose one with --stratum: {strata}",
    # what the data can support
    "too_few_lists": (
        "{lists} list(s) given; multiple systems estimation needs at least {minimum}. With two "
        "lists the estimate rests entirely on the assumption that being on one list has nothing "
        "to do with being on the other, and no data can test that assumption (accept it "
        "explicitly with allow_two_lists=True, or --allow-two-lists on the command line)"
    ),
    "empty_lists": "list(s) {lists} hold no observed individual; remove them",
    "no_overlap": (
        "no individual appears on more than one list; without overlap between lists the number "
        "never observed cannot be estimated"
    ),
    # log-linear models
    "bad_history": "history {history!r} must have one 0/1 digit per list ({count}: {lists})",
    "all_zero_history_excluded": (
        "the all-zero history cannot be excluded: it is what is estimated"
    ),
    "unknown_selection": (
        "unknown selection {selection!r}; use 'aic', 'bic', 'stepwise' or 'average'"
    ),
    "unknown_criterion": "criterion must be 'aic' or 'bic', got {criterion!r}",
    "empty_model_name": "empty model name {model!r}",
    "unknown_model": "unknown model {model!r}; use M0, Mt, Mh <form> or Mth <form>",
    "unknown_model_base": "model base must be 'M0' or 'Mt', got {base!r}",
    "unknown_heterogeneity": (
        "unknown heterogeneity {heterogeneity!r}; use one of {choices} or none"
    ),
    "heterogeneity_form_missing": "{model} needs a heterogeneity form, one of {choices}",
    "bad_heterogeneity_parameter": "cannot read the parameter in {form!r}",
    "interactions_need_mt": "interactions need base 'Mt'",
    "bad_interaction": "interaction {term!r} must be two list names joined by ':'",
    "bad_interaction_pair": "interaction {pair} does not name two different lists",
    "bad_history_index": "history index {index} is not an observable history for {lists} lists",
    "heterogeneity_needs_three_lists": "heterogeneity models need at least 3 lists",
    "regression_failed": "the Poisson regression failed: {reason}",
    "interaction_without_overlap": (
        "model {model} has no finite maximum-likelihood estimate: no individual is on both "
        "lists of {pairs}"
    ),
    "model_diverges": (
        "model {model} has no finite maximum-likelihood estimate (a parameter diverges; the "
        "data cannot identify this model)"
    ),
    "too_many_models": (
        "{interactions} candidate interactions give {models} models (more than {limit}); use "
        "stepwise selection"
    ),
    "no_model_fits": "no hierarchical log-linear model could be fitted",
    "only_saturated_models": (
        "every log-linear model that fits these data has as many parameters as the table has "
        "observable histories, so none identifies N; use another method or more lists"
    ),
    "no_models_to_average": "no models to average",
    # dga
    "dga_lists": (
        "model averaging over decomposable graphs is available for 3 to 5 lists, not {lists}"
    ),
    # combining replicates
    "no_replicates": "no replicate estimates to combine",
    "replicate_without_interval": (
        "replicate {index} has no finite interval on the log scale of the number missing"
    ),
}

REFUSAL_CODES: tuple[str, ...] = tuple(REFUSAL_TEMPLATES)


def _plain(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return value


def english(templates: dict[str, str], code: str, params: dict[str, Any]) -> str:
    """The English sentence of a code; a list parameter is joined with commas."""
    return templates[code].format(**{k: _plain(v) for k, v in params.items()})


def status_of(codes: Iterable[str]) -> str:
    """``"not_converged"`` before ``"prior_driven"`` before ``"ok"``."""
    seen = set(codes)
    if seen & NOT_CONVERGED_CODES:
        return STATUS_NOT_CONVERGED
    if seen & PRIOR_DRIVEN_CODES:
        return STATUS_PRIOR_DRIVEN
    return STATUS_OK
