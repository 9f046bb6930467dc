"""The Splink model: what is compared, how pairs are found, how parameters are estimated.

The comparisons are written in SQL that DuckDB and Spark both read (integer day numbers instead
of date functions; array intersections through Splink's dialect-aware level), so one model
definition runs on either engine.
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import Linker, SettingsCreator, block_on
from splink.internals.comparison_level_creator import ComparisonLevelCreator
from splink.internals.exceptions import EMTrainingException

from dozor.analysis.linkage.errors import LinkageInputError

logger = logging.getLogger(__name__)


def _level(sql: str, label: str) -> cll.CustomLevel:
    return cll.CustomLevel(sql, label_for_charts=label)


def _null(sql: str) -> ComparisonLevelCreator:
    return cll.CustomLevel(sql, label_for_charts="unknown on one side").configure(
        is_null_level=True
    )


def date_comparison() -> cl.CustomComparison:
    """Dates, respecting their precision: a month-precise date is compatible with any day in it."""
    return cl.CustomComparison(
        output_column_name="date",
        comparison_levels=[
            _null("day_start_l IS NULL OR day_start_r IS NULL"),
            _level("day_exact_l = day_exact_r", "same day"),
            _level("abs(day_exact_l - day_exact_r) <= 1", "a day apart"),
            _level(
                "(day_exact_l IS NULL OR day_exact_r IS NULL)"
                " AND day_start_l <= day_end_r AND day_start_r <= day_end_l",
                "imprecise date, periods overlap",
            ),
            _level("abs(day_start_l - day_start_r) <= 7", "within a week"),
            cll.ElseLevel(),
        ],
    )


def place_comparison() -> cl.CustomComparison:
    """Region and locality together: one report may name the city, another only the region."""
    return cl.CustomComparison(
        output_column_name="place",
        comparison_levels=[
            _null(
                "(region_l IS NULL AND locality_l IS NULL)"
                " OR (region_r IS NULL AND locality_r IS NULL)"
            ),
            # A shared small town says more than a shared capital: term-frequency adjusted.
            _level("locality_l = locality_r", "same locality").configure(
                tf_adjustment_column="locality", tf_adjustment_weight=1.0
            ),
            _level(
                "region_l = region_r AND (locality_l IS NULL OR locality_r IS NULL)",
                "same region, locality on one side only",
            ),
            _level("region_l = region_r", "same region, other locality"),
            _level("region_l IS NULL OR region_r IS NULL", "region unknown, other locality"),
            cll.ElseLevel(),
        ],
    )


def type_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="incident_type",
        comparison_levels=[
            _null("incident_type_l IS NULL OR incident_type_r IS NULL"),
            _level("incident_type_l = incident_type_r", "same type").configure(
                tf_adjustment_column="incident_type", tf_adjustment_weight=1.0
            ),
            _level("type_group_l = type_group_r", "same ODIHR group"),
            cll.ElseLevel(),
        ],
    )


def names_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="victims",
        comparison_levels=[
            cll.NullLevel("victim_names"),
            cll.ArrayIntersectLevel("victim_names", 1).configure(
                label_for_charts="a victim's name agrees"
            ),
            cll.ArrayIntersectLevel("victim_phonetic", 1).configure(
                label_for_charts="a victim's name sounds alike"
            ),
            cll.ArrayIntersectLevel("victim_surnames", 1).configure(
                label_for_charts="a victim's surname sounds alike"
            ),
            _level(
                "NOT (names_complete_l AND names_complete_r)",
                "no name in common, but a report leaves victims unnamed",
            ),
            cll.ElseLevel(),
        ],
    )


# Ages and bias classifications that sources copy from each other can agree in every match of
# a data set; EM would then drive the chance of disagreement among matches to zero (and, on
# small data, below what a float holds), so one disagreement would veto any match. Ages a year
# off and reclassified motives are common enough in real lists to fix it at this value instead.
DISAGREEMENT_AMONG_MATCHES = 0.02


def shared_item_comparison(column: str, agreement: str) -> cl.CustomComparison:
    """Lists both reports give (ages, bias motivations): an item in common, or none.

    Disagreement has its chance among matches fixed (DISAGREEMENT_AMONG_MATCHES), not estimated.
    """
    return cl.CustomComparison(
        output_column_name=column,
        comparison_levels=[
            cll.NullLevel(column),
            cll.ArrayIntersectLevel(column, 1).configure(label_for_charts=agreement),
            cll.ElseLevel().configure(
                m_probability=DISAGREEMENT_AMONG_MATCHES, fix_m_probability=True
            ),
        ],
    )


def ages_comparison() -> cl.CustomComparison:
    """Victims' ages, where both reports give any: a shared age, or none in common."""
    return shared_item_comparison("victim_ages", "a victim's age agrees")


def bias_comparison() -> cl.CustomComparison:
    """Bias motivations as the reports classify them: any in common, or none."""
    return shared_item_comparison("bias_motivations", "a bias motivation in common")


def counts_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="victim_counts",
        comparison_levels=[
            _level("killed_l = killed_r AND injured_l = injured_r", "same killed and injured"),
            _level("harmed_l = harmed_r", "same number harmed"),
            _level("abs(harmed_l - harmed_r) <= 1", "harmed differ by one"),
            cll.ElseLevel(),
        ],
    )


def summary_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="summary_words",
        comparison_levels=[
            _null(
                "summary_words_l IS NULL OR summary_words_r IS NULL"
                " OR summary_language_l <> summary_language_r"
            ),
            cll.ArrayIntersectLevel("summary_words", 6).configure(
                label_for_charts="six or more words in common"
            ),
            cll.ArrayIntersectLevel("summary_words", 3).configure(
                label_for_charts="three to five words in common"
            ),
            cll.ArrayIntersectLevel("summary_words", 1).configure(
                label_for_charts="one or two words in common"
            ),
            cll.ElseLevel(),
        ],
    )


def source_comparison() -> cl.CustomComparison:
    """Whether both reports come from one list: a list rarely records one incident twice."""
    return cl.CustomComparison(
        output_column_name="source",
        comparison_levels=[
            _level("source_l <> source_r", "different lists"),
            cll.ElseLevel().configure(label_for_charts="same list"),
        ],
    )


def prediction_blocking_rules() -> list[Any]:
    """Pairs worth scoring: near in time and place, or sharing a victim's name.

    A region code names its country (ISO 3166-2); rules without one name the country, so that
    the reports of many countries are not paired across borders by date and type alone. Two
    rules only pair what the others cannot: the same day and type only where a report gives no
    region, and the same month only where a date is less precise than a day; two precise dates
    are paired up to two days apart, in one region (two days apart, of one type too). On busy
    days the pairs of two precise dates a month apart, or of two known regions, would outnumber
    all others (77 and 79 million of 202 million for a million reports of one country).
    """
    return [
        block_on("day_start", "region"),
        block_on("day_start", "country", "locality"),
        "l.day_start = r.day_start AND l.country = r.country"
        " AND l.incident_type = r.incident_type AND (l.region IS NULL OR r.region IS NULL)",
        "l.day_exact + 1 = r.day_exact AND l.region = r.region",
        "l.day_exact = r.day_exact + 1 AND l.region = r.region",
        "l.day_exact + 1 = r.day_exact AND l.country = r.country AND l.locality = r.locality",
        "l.day_exact = r.day_exact + 1 AND l.country = r.country AND l.locality = r.locality",
        "l.day_exact + 2 = r.day_exact AND l.region = r.region"
        " AND l.incident_type = r.incident_type",
        "l.day_exact = r.day_exact + 2 AND l.region = r.region"
        " AND l.incident_type = r.incident_type",
        block_on("name_key", "year"),
        "l.month = r.month AND l.region = r.region AND l.incident_type = r.incident_type"
        " AND l.harmed = r.harmed AND (l.day_exact IS NULL OR r.day_exact IS NULL)",
    ]


def comparison_count(table: Any) -> int:
    """How many pairs the prediction blocking rules let through: the work prediction does."""
    from splink.blocking_analysis import count_comparisons_from_blocking_rules

    records = count_comparisons_from_blocking_rules(
        table,
        blocking_rules=prediction_blocking_rules(),
        link_type="dedupe_only",
        record_sample_proportion=1.0,
    )
    return int(records[-1]["cumulative_comparison_count"])


def settings(probability_two_random_records_match: float = 1e-4) -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            date_comparison(),
            place_comparison(),
            type_comparison(),
            names_comparison(),
            ages_comparison(),
            bias_comparison(),
            counts_comparison(),
            summary_comparison(),
            source_comparison(),
        ],
        blocking_rules_to_generate_predictions=prediction_blocking_rules(),
        probability_two_random_records_match=probability_two_random_records_match,
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
        max_iterations=10,
    )


def train(
    linker: Linker,
    *,
    record_count: int,
    labels_table: Any,
    u_pairs: float,
    seed: int,
) -> None:
    """Estimate the parameters without labels (EM), then improve m from confirmed pairs."""
    linker.training.estimate_probability_two_random_records_match(
        [block_on("name_key", "day_start"), block_on("name_key", "month", "region")],
        recall=0.6,
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=seed)
    # Each EM pass fixes the comparisons its blocking uses and estimates the others.
    try:
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on("day_start", "region"), record_sample_proportion=1.0
        )
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on("name_key", "month"), record_sample_proportion=1.0
        )
    except EMTrainingException as error:
        # A training blocking rule found no pair at all: an organisation's own lists may be too
        # small, or share too little, to learn from. Say so instead of showing Splink's internals.
        raise LinkageInputError(MSG_TOO_LITTLE_TO_TRAIN.format(count=record_count)) from error
    except ValueError as error:
        # Splink refuses a probability that EM drove to (nearly) zero: too few candidate pairs
        # to learn from.
        if "below the minimum allowed" not in str(error):
            raise
        raise LinkageInputError(MSG_TOO_LITTLE_TO_TRAIN.format(count=record_count)) from error
    if labels_table is not None:
        linker.training.estimate_m_from_pairwise_labels(labels_table)
    floor_probabilities(linker)


MSG_TOO_LITTLE_TO_TRAIN = (
    "The linkage model cannot be estimated from these {count} reports: too few of them share a "
    "date and region or a name to learn how matching reports differ. Link again when more reports "
    "are in (a few hundred are usually enough)."
)

# No single disagreement may veto a match: EM drives m to zero for a level it never sees among
# matches (e.g. bias motivations that every list copied alike), which would cost ~1000 bits.
PROBABILITY_FLOOR = 1e-4


def floor_probabilities(linker: Linker, floor: float = PROBABILITY_FLOOR) -> None:
    # Splink has no public setter for trained parameters; its settings object holds them.
    for comparison in linker._settings_obj.comparisons:
        for level in comparison.comparison_levels:
            if level.is_null_level:
                continue
            for name in ("m_probability", "u_probability"):
                value = getattr(level, name)
                if isinstance(value, float) and value < floor:
                    setattr(level, name, floor)


def decisions_as_labels(decisions: pd.DataFrame) -> pd.DataFrame:
    """Confirmed pairs in the shape Splink reads labels in (only matches estimate m)."""
    confirmed = decisions[decisions["decision"] == "match"]
    return pd.DataFrame(
        {
            "source_dataset_l": "reports",
            "unique_id_l": confirmed["report_id_l"].to_numpy(),
            "source_dataset_r": "reports",
            "unique_id_r": confirmed["report_id_r"].to_numpy(),
        }
    )


def apply_parameters(linker: Linker, model: dict[str, Any]) -> None:
    """Give `linker` the parameters of a model trained elsewhere (`save_model_to_json()`).

    The saved model holds its comparisons as SQL of the engine it was trained on (DuckDB's
    list functions, for one), which another engine cannot read. So `linker` is built from the
    same `settings()` in its own dialect, and only the estimated numbers are carried over: the
    probability that two random reports match and each level's m and u, level by level.
    """
    linker._settings_obj._probability_two_random_records_match = model[
        "probability_two_random_records_match"
    ]
    trained = {c["output_column_name"]: c["comparison_levels"] for c in model["comparisons"]}
    for comparison in linker._settings_obj.comparisons:
        levels = trained[comparison.output_column_name]
        if len(levels) != len(comparison.comparison_levels):
            raise ValueError(f"The trained model's {comparison.output_column_name} differs.")
        for level, saved in zip(comparison.comparison_levels, levels, strict=True):
            if level.is_null_level:
                continue
            for name in ("m_probability", "u_probability"):
                if saved.get(name) is not None:
                    setattr(level, name, saved[name])
