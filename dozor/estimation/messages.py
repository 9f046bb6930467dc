"""The estimator's cautions and refusals, said to people in their own language.

dozor.analysis.mse knows nothing of Django: it returns cautions and refusals as codes with
parameters (``dozor.analysis.mse.CAUTION_CODES``, ``REFUSAL_CODES``). Here each code has its
message, translatable, with the parameters put in as the interface language writes numbers.

Results stored before the codes existed hold English sentences (``"warnings"``, ``"error"``);
those are shown as they came, marked as such: they are never read back into codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

CAUTION_MESSAGES: dict[str, Promise] = {
    "two_lists": _(
        "Only two lists: the estimate rests entirely on the assumption that they recorded "
        "incidents independently of each other, which no data can test."
    ),
    "three_lists": _(
        "Only three lists: dependence between the lists and differences in how easily "
        "incidents get recorded cannot both be modelled, and the data cannot tell which is at "
        "work. A fourth list, grouping into more alike groups or a covariate would help."
    ),
    "list_holds_everything": _(
        "The list(s) %(lists)s hold every documented incident: either they are complete or the "
        "other lists were drawn from them, and the estimate says little about incidents no one "
        "recorded."
    ),
    "few_observed": _(
        "Only %(observed)s incidents were documented in this group (fewer than %(minimum)s): "
        "the estimate is fragile."
    ),
    "thin_overlap": _(
        "Only %(on_several)s incidents were recorded by more than one list; the overlap that "
        "drives the estimate is very thin."
    ),
    "sparse_table": _(
        "%(empty)s of the %(cells)s possible combinations of lists hold no incident; models "
        "with dependence between lists may not be identifiable."
    ),
    "strata_too_small": _(
        "The groups %(strata)s have fewer than %(minimum)s documented incidents and were left "
        "out: group more coarsely, or report them as documented counts only."
    ),
    "upper_beyond_multiple": _(
        "The upper limit (%(upper)s) is more than %(multiple)s times the number documented "
        "(%(observed)s): the data say little about how many incidents were missed, and the "
        "interval reflects the model's assumptions more than the data. Do not publish it as a "
        "finding; more lists or more overlap between them would help."
    ),
    "upper_unbounded": _(
        "The data do not bound the estimate from above: the upper limit is unknown. Do not "
        "publish it as a finding; more lists or more overlap between them would help."
    ),
    "saturated_model": _(
        "The model %(model)s has as many parameters (%(parameters)s) as there are combinations "
        "of lists (%(cells)s): it fits any data, so the data cannot check it, and the total "
        "follows only from an assumption nobody can test. Choose a simpler model, or let the "
        "method choose one."
    ),
    "heterogeneous_capture": _(
        "Every pair of the %(lists)s lists shares more incidents than chance would (all "
        "%(pairs)s pairs; the weakest by an odds ratio of %(weakest_odds_ratio)s, p = %(p)s). "
        "That is the mark of incidents that differ in how easily they get recorded: the easy "
        "ones are on many lists. Models of dependence between lists take it for dependence, "
        "and their estimate and interval are then likely off. Use LCMCR, which models such "
        "differences, or group into more alike groups."
    ),
    "chao_eta_dropped": _(
        "Some heterogeneity parameters (%(parameters)s) were negative and were set to zero."
    ),
    "lack_of_fit": _(
        "The log-linear model %(model)s does not fit the table (deviance %(deviance)s on "
        "%(df)s degrees of freedom, p = %(p)s): the lists depend on each other, or incidents "
        "differ in how easily they get recorded, in ways no dependence between two lists "
        "explains. The estimate is likely biased: compare with LCMCR, which models such "
        "differences, or group into more alike groups."
    ),
    "list_dependence": _(
        "The log-linear model %(model)s fits the table and models lists that depend on each "
        "other (%(pairs)s pair(s)); it gives %(estimate)s [%(lower)s–%(upper)s], and this "
        "estimate lies outside that interval. Latent classes mimic lists that share their "
        "sources poorly, and LCMCR "
        "then tends to put the total too low. Compare the methods side by side, and prefer the "
        "log-linear figure if those lists are known to share sources."
    ),
    "lcmcr_not_converged": _(
        "Not converged: the sampler's checks did not pass within its time budget (%(seconds)s "
        "of %(max_seconds)s seconds, %(sweeps)s sweeps per chain, %(K)s classes). Do not "
        "publish this figure. Give it a longer time budget (max_seconds), allow more latent "
        "classes (max_K), or group the incidents into more alike groups."
    ),
    "chains_disagree": _("The sampler's chains disagree (R-hat %(rhat)s, above %(limit)s)."),
    "few_effective_draws": _(
        "Only about %(ess)s independent draws of the total (at least %(target)s are needed for "
        "a stable interval)."
    ),
    "all_classes_used": _("All %(K)s latent classes were used: allow more classes (max_K)."),
    "complete_graph": _(
        "The pattern in which every list depends on every other carries probability "
        "%(probability)s. It fits any data, so the data cannot identify the total and the "
        "figure is the prior's, not the data's. A further list, grouping into more alike "
        "groups or a covariate would help."
    ),
    "posterior_truncated": _(
        "%(percent)s%% of the probability lies at the top of the range searched (up to "
        "%(max_n)s): the lists overlap too little and the upper limit depends on that range."
    ),
    "no_dominant_graph": _(
        "No single pattern of dependence between the lists stands out (the best has "
        "probability %(best)s); the estimate averages over many."
    ),
    "replicates_cautioned": _(
        "%(cautioned)s of the %(replicates)s estimates on alternative linkages carried "
        "cautions of their own."
    ),
}

REFUSAL_MESSAGES: dict[str, Promise] = {
    "unknown_method": _("“%(method)s” is not a method: choose one of %(methods)s."),
    "bad_settings_type": _("The settings of %(method)s must be %(expected)s."),
    "unknown_setting": _("%(names)s: no such setting of the %(method)s method; known: %(known)s."),
    "setting_too_small": _("The setting %(name)s must be at least %(minimum)s; got %(value)s."),
    "setting_not_positive": _("The setting %(name)s must be greater than 0; got %(value)s."),
    "unknown_backend": _("The sampler backend must be numba or numpy; got “%(backend)s”."),
    "bad_level": _("The interval level must be between 0.5 and 1; got %(level)s."),
    "not_a_frame": _("The capture histories must be a table; got %(type)s."),
    "no_rows": _("The table of capture histories has no rows."),
    "duplicate_columns": _("Column names are repeated: %(columns)s."),
    "count_column_missing": _(
        "The count column “%(column)s” is not there; the columns are %(columns)s."
    ),
    "list_columns_missing": _(
        "The list column(s) %(missing)s are not there; the columns are %(columns)s."
    ),
    "count_column_is_list": _("The column “%(column)s” cannot be both a list and the count."),
    "duplicate_lists": _("A list is named twice: %(lists)s."),
    "too_few_list_columns": _(
        "Capture histories need at least 2 list columns; got %(count)s: %(lists)s."
    ),
    "too_many_lists": _("At most %(maximum)s lists can be used; got %(count)s."),
    "not_zero_one": _(
        "Column “%(column)s”, row %(row)s: expected 0 or 1 (on the list or not), got “%(value)s”."
    ),
    "bad_count": _(
        "Count column “%(column)s”, row %(row)s: expected a whole number of 0 or more, got "
        "“%(value)s”."
    ),
    "observed_on_no_list": _(
        "Row %(row)s is on no list but counts %(count)s: nobody can be documented on no list. "
        "Remove the row (the number on no list is what is estimated)."
    ),
    "nothing_observed": _("No incident is documented (every count is zero)."),
    "histories_shape": _(
        "The capture histories need one column per list (%(lists)s); got the shape %(shape)s."
    ),
    "counts_shape": _("There must be one count per history (%(histories)s); got %(shape)s."),
    "not_binary": _("Capture histories may hold only 0 and 1."),
    "negative_count": _("Counts cannot be negative."),
    "zero_history_observed": _("Nobody can be documented on no list."),
    "table_size": _("A table for %(lists)s lists needs %(cells)s cells; got %(size)s."),
    "zero_cell_not_zero": _("The cell for “on no list” must be 0: it is what is estimated."),
    "unknown_lists": _("No such list(s): %(lists)s."),
    "stratum_column_missing": _(
        "The grouping column “%(column)s” is not there; the columns are %(columns)s."
    ),
    "stratum_value_missing": _("Grouping column “%(column)s”, row %(row)s: the value is missing."),
    "no_stratum_large_enough": _(
        "No group has at least %(minimum)s documented incidents; group more coarsely."
    ),
    "unknown_stratum": _("There is no group “%(stratum)s”; the groups are %(strata)s."),
    "several_strata": _("The table has several groups; choose one of %(strata)s."),
    "too_few_lists": _(
        "Only %(lists)s list(s) recorded incidents here; multiple systems estimation needs at "
        "least %(minimum)s."
    ),
    "empty_lists": _(
        "The list(s) %(lists)s recorded no incident in this group, so the group cannot be "
        "estimated with them; choose other lists or a coarser grouping."
    ),
    "no_overlap": _(
        "No incident in this group was recorded by more than one list; without overlap the "
        "number no one recorded cannot be estimated."
    ),
    "bad_history": _(
        "The combination “%(history)s” must have one 0/1 digit per list (%(count)s: %(lists)s)."
    ),
    "all_zero_history_excluded": _(
        "The combination “on no list” cannot be left out: it is what is estimated."
    ),
    "unknown_selection": _(
        "“%(selection)s” is not a way to choose the model: use aic, bic, stepwise or average."
    ),
    "unknown_criterion": _("“%(criterion)s” is not a criterion: use aic or bic."),
    "empty_model_name": _("The model name is empty."),
    "unknown_model": _("“%(model)s” is not a model: use M0, Mt, Mh <form> or Mth <form>."),
    "unknown_model_base": _("A model starts with M0 or Mt; got “%(base)s”."),
    "unknown_heterogeneity": _(
        "“%(heterogeneity)s” is not a form of heterogeneity: use one of %(choices)s."
    ),
    "heterogeneity_form_missing": _("%(model)s needs a form of heterogeneity: %(choices)s."),
    "bad_heterogeneity_parameter": _("The parameter in “%(form)s” is not a number."),
    "interactions_need_mt": _("Dependence between lists needs the model Mt."),
    "bad_interaction": _("“%(term)s” must be two list names joined by a colon."),
    "bad_interaction_pair": _("The dependence %(pair)s does not name two different lists."),
    "bad_history_index": _("%(index)s is not a combination of %(lists)s lists."),
    "heterogeneity_needs_three_lists": _("Heterogeneity models need at least three lists."),
    "regression_failed": _("The model could not be fitted: %(reason)s."),
    "interaction_without_overlap": _(
        "The model %(model)s has no finite estimate for these data: no incident is on both "
        "lists of %(pairs)s. Group more coarsely or try another method."
    ),
    "model_diverges": _(
        "The model %(model)s has no finite estimate for these data: the lists overlap in a way "
        "that cannot identify it. Group more coarsely or try another method."
    ),
    "too_many_models": _(
        "%(interactions)s possible dependences give %(models)s models, more than %(limit)s; "
        "use stepwise selection."
    ),
    "no_model_fits": _(
        "No log-linear model can be fitted to these data. Group more coarsely or try another "
        "method."
    ),
    "only_saturated_models": _(
        "Every log-linear model that fits these data has as many parameters as there are "
        "combinations of lists, so none can identify the total; use another method or more "
        "lists."
    ),
    "no_models_to_average": _("There are no models to average."),
    "dga_lists": _(
        "Averaging over dependence graphs (dga) works with 3 to 5 lists only, not %(lists)s."
    ),
    "no_replicates": _("There are no estimates on alternative linkages to combine."),
    "replicate_without_interval": _(
        "Estimate %(index)s on an alternative linkage has no usable interval."
    ),
}

MSG_REFUSED = _("The estimator refused this group: %(reason)s")
MSG_AS_RECORDED = _("%(text)s (as recorded, in English, when the run was made)")
MSG_UNKNOWN_CODE = _("The estimator reported “%(code)s”, which this version cannot describe.")

# How many decimals a parameter is shown with (others: whole numbers, or two decimals).
_DECIMALS = {
    "rhat": 3,
    "p": 3,
    "deviance": 1,
    "limit": 2,
    "probability": 2,
    "weakest_odds_ratio": 2,
    "best": 3,
    "percent": 1,
    "seconds": 1,
    "max_seconds": 0,
}


class _Shown(dict[str, str]):
    """Parameters as text; a parameter the message needs but the result lacks shows as a dash."""

    def __missing__(self, key: str) -> str:
        return "—"


def _show(name: str, value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_show(name, v) for v in value)
    if isinstance(value, bool) or value is None:
        return "—" if value is None else str(value)
    if isinstance(value, int):
        return number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True)
    if isinstance(value, float):
        decimals = _DECIMALS.get(name, 0 if value.is_integer() or abs(value) >= 100 else 2)
        return number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)
    return str(value)


def _render(table: Mapping[str, Promise], code: str, params: Mapping[str, Any] | None) -> str:
    template = table.get(code)
    if template is None:
        return str(MSG_UNKNOWN_CODE) % {"code": code}
    return str(template) % _Shown({k: _show(k, v) for k, v in (params or {}).items()})


def caution_text(code: str, params: Mapping[str, Any] | None = None) -> str:
    """The caution in the current interface language, with its figures."""
    return _render(CAUTION_MESSAGES, code, params)


def refusal_text(code: str, params: Mapping[str, Any] | None = None) -> str:
    """The refusal in the current interface language, with its figures."""
    return _render(REFUSAL_MESSAGES, code, params)


def explain(text: str) -> str:
    """An English caution or refusal stored before codes existed: as it came, marked as such."""
    return str(MSG_AS_RECORDED) % {"text": text}


def stored_cautions(result: Mapping[str, Any]) -> list[str]:
    """A stored stratum result's cautions in the interface language.

    Results with ``"cautions"`` (codes and parameters) are rendered from them; older results
    hold English ``"warnings"``, which are shown as they came, marked as such.
    """
    if "cautions" in result:
        return [caution_text(c["code"], c.get("params")) for c in result["cautions"] or []]
    return [explain(text) for text in result.get("warnings") or []]


def stored_refusal(result: Mapping[str, Any]) -> str:
    """Why the estimator refused a stored stratum, or "" if it did not."""
    refusal = result.get("refusal")
    if refusal:
        return refusal_text(refusal["code"], refusal.get("params"))
    if result.get("error"):
        return explain(str(result["error"]))
    return ""
