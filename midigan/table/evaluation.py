"""`midigan table evaluate` and the benchmark's judge: one synthetic set, the baselines and real
rows, scored against held-out real rows.

- column shapes, column pair trends: SDMetrics' quality report (see `quality`), against the held-out rows;
- two-sample: cross-validated accuracy of a gradient-boosted classifier telling the set from
  held-out rows (equal numbers of each; 0.5 = indistinguishable);
- train-on-synthetic, test-on-real: a gradient-boosted model of the target trained on the set,
  scored on the held-out rows (accuracy for categories, booleans and integers of at most 10
  values; R2 otherwise);
- nearer-to-training: the share of the set's rows whose nearest row, among a random sample of the
  training rows as large as the held-out set and the held-out rows, is a training row (ties half;
  0.5 = no memorising), averaged over `NEARER_SAMPLES` such samples; distances on training ranks
  of numbers and one-hot categories. Why the average: on a small table one sample decides much of
  the figure (student_placements' 65 held-out rows scored 0.55 to 0.68 against their own
  training rows over 8 samples), and the average has the same expectation with less of that noise;
- exact copies: the share of the set's rows equal, as written, to a training row.
The real row: the training rows scored as a set against the held-out ones (quality, two-sample,
train-on-real), and the held-out rows' own nearer-to-training share (leave-one-out) and copies.

Why scikit-learn's HistGradientBoosting for the two learnt figures: it is the classifier the
literature's two-sample and efficacy figures use, fast on tables of this size, and needs no
tuning; it is an optional dependency (`pip install 'midigan[tables]'`) that training and
generation never import, and the figures print "n/a" without it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
import torch

from midigan.table.baselines import gaussian_copula, independent_columns
from midigan.table.errors import TableError
from midigan.table.guard import row_hashes
from midigan.table.kinds import NUMERIC, Column, infer_columns, to_typed
from midigan.table.quality import quality
from midigan.table.written import canonical

TWO_SAMPLE_ROWS = 5000  # of each side at most
FOLDS = 5
CLASSIFY_MAX_VALUES = 10  # an integer target with at most this many values is predicted as a class
MAX_CODES = 250  # categories beyond the most frequent ones share a code in the classifiers
NEARER_SAMPLES = 10  # training subsamples the nearer-to-training share is averaged over
LEAF_ROWS = 20  # the classifiers' fewest rows a leaf (scikit-learn's default) ...
LEAF_SHARE = 3  # ... and at most a third of each side's rows, so that a small held-out set is still split
ROUGH_ROWS = 50  # fewer held-out rows than this: the report says its learnt figures are rough


@dataclass
class SetScores:
    name: str
    rows: int
    shapes: float
    pairs: float
    two_sample: float | None
    efficacy: float | None
    nearer: float
    copies: float


@dataclass
class Report:
    sets: list[SetScores]
    target: str | None
    efficacy_metric: str  # "accuracy" | "R2" | ""
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"target": self.target, "efficacy_metric": self.efficacy_metric, "sets": [asdict(s) for s in self.sets]}


class Judge:
    """Scores typed sets against held-out rows, with what the training rows tell (kinds, copies, nearness)."""

    def __init__(
        self,
        train: pd.DataFrame,
        reference: pd.DataFrame,
        target: str | None = None,
        categorical: tuple[str, ...] = (),
        seed: int = 0,
        columns: list[Column] | None = None,
    ):
        self.columns = columns or infer_columns(train, tuple(categorical))
        self.modelled = [column for column in self.columns if column.modelled]
        self.seed = seed
        self.train = to_typed(train, self.columns)
        self.reference = to_typed(reference, self.columns, "the held-out table (--reference)")
        if target is not None and target not in self.train:
            kinds = {column.name: column.kind for column in self.columns}
            names = ", ".join(column.name for column in self.modelled)
            why = f"it is {kinds[target]}, not modelled" if target in kinds else f"there is no such column (try one of {names})"
            raise TableError(f"--target {target}: {why}")
        self.target = target
        self.classify = target is not None and _is_class(self.train[target], next(c for c in self.columns if c.name == target))
        self.train_hashes = np.unique(row_hashes(self.train, self.columns))
        self.space = _DistanceSpace(self.train, self.modelled)
        rng = np.random.default_rng(seed)
        n_train, n_reference = len(next(iter(self.train.values()))), len(next(iter(self.reference.values())))
        self.train_samples = [
            self.space.embed(_rows(self.train, rng.choice(n_train, min(n_train, n_reference), replace=False)))
            for _ in range(NEARER_SAMPLES)
        ]
        self.reference_space = self.space.embed(self.reference)

    @property
    def efficacy_metric(self) -> str:
        return "" if self.target is None else ("accuracy" if self.classify else "R2")

    def score(self, name: str, typed: dict[str, np.ndarray]) -> SetScores:
        """Scores of a set, its numbers as they would be written (rounded to the training
        decimals, clipped to the training range: SDV's defaults for its synthesizers)."""
        typed = canonical(typed, self.columns)
        rows = len(next(iter(typed.values())))
        shapes, pairs = quality(self.reference, typed, self.columns)
        copies = float(np.isin(row_hashes(typed, self.columns), self.train_hashes).mean())
        points = self.space.embed(typed)
        nearer = float(np.mean([_nearer_share(points, sample, self.reference_space) for sample in self.train_samples]))
        return SetScores(name, rows, shapes, pairs, self._two_sample(typed), self._efficacy(typed), nearer, copies)

    def score_frame(self, name: str, frame: pd.DataFrame) -> SetScores:
        return self.score(name, to_typed(frame, self.columns, name))

    def baselines(self, rows: int) -> list[SetScores]:
        rng = np.random.default_rng(self.seed)
        return [
            self.score("independent columns", independent_columns(self.train, rows, rng)),
            self.score("Gaussian copula", gaussian_copula(self.train, self.columns, rows, rng)),
        ]

    def real(self) -> SetScores:
        """The ceiling: training rows judged as a set against the held-out ones; held-out rows'
        own nearness (leave-one-out) and copies."""
        shapes, pairs = quality(self.reference, self.train, self.columns)
        copies = float(np.isin(row_hashes(self.reference, self.columns), self.train_hashes).mean())
        nearer = float(
            np.mean(
                [
                    _nearer_share(self.reference_space, sample[:-1] if len(sample) > 1 else sample, self.reference_space, True)
                    for sample in self.train_samples
                ]
            )
        )
        rows = len(next(iter(self.train.values())))
        return SetScores(
            "real: training vs held-out",
            rows,
            shapes,
            pairs,
            self._two_sample(self.train),
            self._efficacy(self.train),
            nearer,
            copies,
        )

    # ------------------------------------------------------------ learnt figures
    def _two_sample(self, typed: dict[str, np.ndarray]) -> float | None:
        learners = _sklearn()
        if learners is None:
            return None
        from sklearn.model_selection import StratifiedKFold, cross_val_score

        rng = np.random.default_rng(self.seed)
        n = min(TWO_SAMPLE_ROWS, len(next(iter(typed.values()))), len(next(iter(self.reference.values()))))
        sides = [_rows(part, rng.choice(len(next(iter(part.values()))), n, replace=False)) for part in (self.reference, typed)]
        features, categorical = self._features(sides[0], sides[1], [c.name for c in self.modelled])
        labels = np.r_[np.zeros(n), np.ones(n)]
        model = learners[0](categorical_features=categorical, min_samples_leaf=_leaf_rows(n), random_state=self.seed)
        folds = StratifiedKFold(FOLDS, shuffle=True, random_state=self.seed)
        return float(cross_val_score(model, features, labels, cv=folds, scoring="accuracy").mean())

    def _efficacy(self, typed: dict[str, np.ndarray]) -> float | None:
        learners = _sklearn()
        if learners is None or self.target is None:
            return None
        from sklearn.metrics import accuracy_score, r2_score

        names = [c.name for c in self.modelled if c.name != self.target]
        train_y, test_y = typed[self.target], self.reference[self.target]
        train_keep, test_keep = _present(train_y), _present(test_y)
        if not train_keep.any() or not test_keep.any() or not names:
            return None
        fit_part, test_part = _rows(typed, train_keep), _rows(self.reference, test_keep)
        features, categorical = self._features(fit_part, test_part, names)
        fit_x, test_x = features[: train_keep.sum()], features[train_keep.sum() :]
        leaf = _leaf_rows(len(fit_x))
        if self.classify:
            fit_y, test_y = _labels(train_y[train_keep]), _labels(test_y[test_keep])
            if len(np.unique(fit_y)) < 2:
                return float(np.mean(test_y == fit_y[0]))
            model = learners[0](categorical_features=categorical, min_samples_leaf=leaf, random_state=self.seed).fit(fit_x, fit_y)
            return float(accuracy_score(test_y, model.predict(test_x)))
        model = learners[1](categorical_features=categorical, min_samples_leaf=leaf, random_state=self.seed).fit(
            fit_x, train_y[train_keep].astype(float)
        )
        return float(r2_score(test_y[test_keep].astype(float), model.predict(test_x)))

    def _features(self, first: dict, second: dict, names: list[str]) -> tuple[np.ndarray, list[bool]]:
        """Both parts stacked as one float matrix: numbers as they are, categories as shared codes."""
        columns, categorical = [], []
        for column in self.modelled:
            if column.name not in names:
                continue
            joined = np.concatenate([first[column.name], second[column.name]])
            if column.kind in NUMERIC:
                columns.append(joined.astype(float))
                categorical.append(False)
            else:
                series = pd.Series(joined, dtype=object)
                frequent = series.value_counts().index[:MAX_CODES]
                codes = frequent.get_indexer(series).astype(float)
                codes[(codes < 0) & series.notna().to_numpy()] = MAX_CODES  # rare values share a code
                codes[series.isna().to_numpy()] = np.nan
                columns.append(codes)
                categorical.append(True)
        return np.stack(columns, axis=1), categorical


def _rows(typed: dict[str, np.ndarray], index: np.ndarray) -> dict[str, np.ndarray]:
    return {name: values[index] for name, values in typed.items()}


def _sklearn():
    try:
        from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    except ImportError:
        return None
    return HistGradientBoostingClassifier, HistGradientBoostingRegressor


def _is_class(values: np.ndarray, column: Column) -> bool:
    if column.kind not in NUMERIC:
        return True
    present = values[~np.isnan(values)]
    return column.kind == "integer" and len(np.unique(present)) <= CLASSIFY_MAX_VALUES


def _present(values: np.ndarray) -> np.ndarray:
    return ~np.isnan(values.astype(float)) if values.dtype != object else pd.notna(values)


def _labels(values: np.ndarray) -> np.ndarray:
    return values.astype(str) if values.dtype == object else values.astype(float)


class _DistanceSpace:
    """Rows as points for nearest-neighbour distances: numbers as their rank among the training
    values (0 to 1) plus a gap flag, categories one-hot over sqrt(2) (gaps a category)."""

    def __init__(self, train: dict[str, np.ndarray], columns: list[Column]):
        self.columns = columns
        self.sorted = {c.name: np.sort(train[c.name][~np.isnan(train[c.name])]) for c in columns if c.kind in NUMERIC}
        self.categories = {
            c.name: pd.Series(train[c.name], dtype=object).fillna("\x00gap").value_counts().index[:MAX_CODES]
            for c in columns
            if c.kind not in NUMERIC
        }

    def embed(self, typed: dict[str, np.ndarray]) -> torch.Tensor:
        parts = []
        for column in self.columns:
            values = typed[column.name]
            if column.kind in NUMERIC:
                known = self.sorted[column.name]
                gaps = np.isnan(values)
                ranks = np.searchsorted(known, np.where(gaps, 0, values), side="right") / max(len(known), 1)
                parts += [np.where(gaps, 0.0, ranks)[:, None], gaps[:, None].astype(float)]
            else:
                categories = self.categories[column.name]
                codes = categories.get_indexer(pd.Series(values, dtype=object).fillna("\x00gap"))
                one_hot = np.zeros((len(values), len(categories) + 1))
                one_hot[np.arange(len(values)), np.where(codes < 0, len(categories), codes)] = 1 / np.sqrt(2)
                parts.append(one_hot)
        return torch.from_numpy(np.concatenate(parts, axis=1).astype(np.float32))


def _nearer_share(points: torch.Tensor, train: torch.Tensor, reference: torch.Tensor, leave_one_out: bool = False) -> float:
    """Share of `points` whose nearest neighbour is in `train` rather than `reference` (ties half)."""
    shares = []
    for start in range(0, len(points), 1024):
        chunk = points[start : start + 1024]
        to_train = torch.cdist(chunk, train).min(dim=1).values
        to_reference = torch.cdist(chunk, reference)
        if leave_one_out:
            index = torch.arange(start, start + len(chunk))
            to_reference[torch.arange(len(chunk)), index] = float("inf")
        to_reference = to_reference.min(dim=1).values
        shares.append((to_train < to_reference).float() + 0.5 * (to_train == to_reference).float())
    return float(torch.cat(shares).mean())


def evaluate_tables(
    synthetic: pd.DataFrame,
    reference: pd.DataFrame,
    train: pd.DataFrame,
    target: str | None = None,
    categorical: tuple[str, ...] = (),
    seed: int = 0,
    name: str = "synthetic",
) -> Report:
    """The report `midigan table evaluate` prints."""
    judge = Judge(train, reference, target, categorical, seed)
    notes = [] if _sklearn() is not None else ["two-sample and efficacy figures need scikit-learn: pip install 'midigan[tables]'"]
    fewest, which = min((len(reference), "held-out"), (len(synthetic), "synthetic"))  # the two-sample test takes as many of each
    if fewest < ROUGH_ROWS:
        notes.append(f"only {fewest} {which} rows: the two-sample and efficacy figures are rough (a few rows decide them)")
    typed = to_typed(synthetic, judge.columns, name)
    notes += [f"{name}: {count} values of {column.name} do not read as {column.kind}: scored as gaps"
              for column, count in _unreadable(synthetic, typed, judge.modelled)]
    sets = [judge.score(name, typed), *judge.baselines(len(synthetic)), judge.real()]
    return Report(sets, target, judge.efficacy_metric, notes)


def _unreadable(frame: pd.DataFrame, typed: dict[str, np.ndarray], columns: list[Column]) -> list[tuple[Column, int]]:
    """(column, count) of the values written in `frame` that its typed form holds as gaps ("x" in a
    column of integers, "maybe" in a yes/no one): such a set was scored without a word. A gap
    written as the training file wrote it ("?", "None") is none: midigan's own output holds them."""
    found = []
    for column in columns:
        text = frame[column.name].astype(str).str.strip()
        written = frame[column.name].notna() & (text != "") & (text != column.gap_mark)
        count = int((written.to_numpy() & pd.isna(typed[column.name])).sum())
        if count:
            found.append((column, count))
    return found


def _leaf_rows(rows: int) -> int:
    """The learners' fewest rows a leaf for `rows` to learn from (a side, for the two-sample test).
    Why: with scikit-learn's 20, a classifier of 13 held-out rows against 13 others never split and
    scored 0.42 whatever the set (numbers a hundred times too large included)."""
    return min(LEAF_ROWS, max(2, rows // LEAF_SHARE))


def format_report(report: Report) -> str:
    """The report as an aligned text table."""
    efficacy = f"{report.efficacy_metric} ({report.target})" if report.target else "efficacy"
    header = ["set", "rows", "shapes", "pairs", "two-sample", efficacy, "nearer-train", "copies"]
    rows = [
        [
            s.name,
            str(s.rows),
            f"{s.shapes:.3f}",
            f"{s.pairs:.3f}",
            _figure(s.two_sample),
            _figure(s.efficacy),
            f"{s.nearer:.3f}",
            f"{s.copies:.3f}",
        ]
        for s in report.sets
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row))
        for row in [header, *rows]
    ]
    return "\n".join(lines)


def _figure(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"
