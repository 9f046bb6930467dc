"""Linking reports that describe the same incident: Splink on DuckDB or Spark. No Django.

Quick use::

    from dozor.analysis import linkage

    result = linkage.link_reports(reports)           # a DataFrame, see REPORT_COLUMNS
    result.pairs      # report_id_l, report_id_r, match_probability, match_weight, ...
    result.clusters   # report_id, cluster_id

A run compares what the reports give: a comparison no report can feed (no report has a date,
say) is left out, and training passes use only the blocking rules whose columns have values
(`model.plan_for`). `result.coverage` says what was compared, what was left out and why, and what
training had to do otherwise than usual; when the reports give too little to link at all,
LinkageInputError says what they lack and what to map.

Parameters are estimated without labels (expectation maximisation); reviewed decisions
(`decisions`: report_id_l, report_id_r, decision = match | no_match | unsure) improve them and
override the scores when clusters are formed. `sample_linkages` draws other plausible clusterings
from the scored pairs' probabilities (decisions fixed), to carry linkage uncertainty into an
estimate.

Parameters are estimated on DuckDB, on all the reports or, when there are more, on a random
sample of `training_sample` of them (seeded; every report a confirmed match names is kept): the
model has a few dozen m and u values, which a sample of that size estimates as well as the whole
table, at a fraction of the time. The trained parameters are then given to the same model over
the whole table, on DuckDB or, with `LinkageOptions(engine="spark")`, on Spark, which scores
every pair the blocking rules let through. (Splink's expectation maximisation on Spark can drive
an m probability to exactly 0.0, which Splink refuses, so Spark never trains.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import lazy_loader

from dozor.analysis.linkage.errors import EngineUnavailableError, LinkageError, LinkageInputError
from dozor.analysis.linkage.names import (
    is_cyrillic,
    name_is_nominative,
    name_key,
    organisation_keys,
)

# What needs pandas, NumPy, DuckDB and Splink loads when it is first used: the apps read names
# (name_key) as Django starts, and every `dozor` command would otherwise pay for the rest.
if TYPE_CHECKING:
    from dozor.analysis.linkage.clusters import clusters_from_pairs
    from dozor.analysis.linkage.coverage import Coverage, coverage_lines
    from dozor.analysis.linkage.evaluate import Scores, cluster_scores, pairwise_scores
    from dozor.analysis.linkage.prepare import (
        REPORT_COLUMNS,
        features_from_reports,
        reports_frame,
    )
    from dozor.analysis.linkage.replicates import sample_linkages
    from dozor.analysis.linkage.run import (
        DECISIONS,
        PAIR_COLUMNS,
        LinkageOptions,
        LinkageResult,
        link_reports,
        training_features,
    )

__getattr__, _, _LAZY = lazy_loader.attach(
    __name__,
    submod_attrs={
        "clusters": ["clusters_from_pairs"],
        "coverage": ["Coverage", "coverage_lines"],
        "evaluate": ["Scores", "cluster_scores", "pairwise_scores"],
        "prepare": ["REPORT_COLUMNS", "features_from_reports", "reports_frame"],
        "replicates": ["sample_linkages"],
        "run": [
            "DECISIONS",
            "PAIR_COLUMNS",
            "LinkageOptions",
            "LinkageResult",
            "link_reports",
            "training_features",
        ],
    },
)

__all__ = [
    "DECISIONS",
    "PAIR_COLUMNS",
    "REPORT_COLUMNS",
    "Coverage",
    "EngineUnavailableError",
    "LinkageError",
    "LinkageInputError",
    "LinkageOptions",
    "LinkageResult",
    "Scores",
    "cluster_scores",
    "clusters_from_pairs",
    "coverage_lines",
    "features_from_reports",
    "is_cyrillic",
    "link_reports",
    "name_is_nominative",
    "name_key",
    "organisation_keys",
    "pairwise_scores",
    "reports_frame",
    "sample_linkages",
    "training_features",
]


def __dir__() -> list[str]:
    return list(__all__)
