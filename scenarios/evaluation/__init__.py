"""Model evaluation against monitor observations (``parktwin evaluate``): Chang & Hanna (2004) performance measures,
bootstrap confidence intervals, the comparison of two model configurations, plots and tables."""

from scenarios.evaluation.bootstrap import block_ids, bootstrap_measures, compare_models
from scenarios.evaluation.statistics import ACCEPTANCE, MEASURES, performance_measures, within_acceptance

__all__ = ["performance_measures", "within_acceptance", "bootstrap_measures", "compare_models", "block_ids",
           "MEASURES", "ACCEPTANCE"]
