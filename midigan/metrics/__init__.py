"""Music metrics: per-tune measures, set-level distances, copy rate, and the full evaluation."""

from midigan.metrics.copying import PHRASE_NOTES, copy_rate, phrase_keys, phrase_set
from midigan.metrics.distance import frechet_distance, two_sample_accuracy
from midigan.metrics.evaluation import Evaluation, evaluate, evaluate_folders, format_table, read_folder, select_tunes
from midigan.metrics.tune import METRICS, QUALIFIED_BEATS, tune_features, tune_metrics

__all__ = [
    "METRICS",
    "PHRASE_NOTES",
    "QUALIFIED_BEATS",
    "Evaluation",
    "copy_rate",
    "evaluate",
    "evaluate_folders",
    "format_table",
    "frechet_distance",
    "phrase_keys",
    "phrase_set",
    "read_folder",
    "select_tunes",
    "tune_features",
    "tune_metrics",
    "two_sample_accuracy",
]
