"""A challenger against the baseline: the score difference and the latency ratios.

A :class:`Delta` holds what :meth:`Comparison.versus <prodbench.verdict.Comparison.versus>`
reports for one pair: the paired score difference on the same test rows
with its test and the interval that inverts that same test
(:func:`paired_score_test`: exact McNemar and its exact conditional interval
for classifiers, a sign-flip permutation test and its inverted interval for
regressors), so the interval excludes 0 exactly when the test is significant
at the interval's level; and the p50/p99 ratios with bootstrap intervals.
:mod:`prodbench.verdict` decides with them.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from . import stats
from .errors import CandidateError, DataError
from .results import (
    ModelResult,
)

__all__ = ["Delta", "PairedScoreTest", "paired_score_test", "paired_test"]

PairedScoreTest = stats.McNemarInterval | stats.SignFlipTest | stats.PairedBootstrap

ALPHA = 0.05


@dataclass(frozen=True)
class Delta:
    """A candidate against the baseline, on the same test and request rows.

    Attributes
    ----------
    score_diff : float
        Candidate minus baseline, in score units (accuracy as a fraction).
    score_diff_interval : tuple of float
        The interval that inverts the paired test, at ``score_diff_confidence``:
        it excludes 0 exactly when ``significant`` is true.
    p_value : float
        Exact McNemar (classification) or paired sign-flip permutation
        (regression); with several challengers, Holm-adjusted across them.
    significant : bool
        ``p_value < 0.05`` (so, with several challengers, the chance that any
        of them is flagged by luck stays at or below 5%).
    score_diff_confidence : float
        The interval's level: 0.95 alone; with several challengers, one minus
        the level Holm's step-down tested this challenger at
        (:func:`prodbench.stats.holm_levels`), so that the interval and the
        adjusted decision agree.
    n_rows : int
        Test rows the two scores were paired on.
    method : str
        The test and interval in words, e.g. ``"exact McNemar test and its
        exact conditional interval"``.
    detectable_diff : float
        The smallest score difference this many test rows could tell from noise
        (two-sided 5% test, 80% power).
    p50_ratio, p99_ratio : float
        Candidate / baseline, with bootstrap intervals.
    p99_added : float
        Seconds added at p99.
    training_throughput_ratio, bulk_throughput_ratio, size_ratio : float or None
        Candidate / baseline.
    p_value_raw : float
        The unadjusted p-value (equal to ``p_value`` with one challenger).
    adjustment : str or None
        ``"Holm"`` when ``p_value`` was adjusted across several challengers.
    n_challengers : int
        Size of the family the adjustment was taken over.
    p50_undersampled, p99_undersampled : bool
        The percentile of either run has fewer samples than it needs
        (:func:`prodbench.stats.required_samples`): the ratio is flagged, and
        its interval is open on the side that percentile cannot bound.

    Examples
    --------
    >>> import prodbench as pb
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.naive_bayes import GaussianNB
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> base = pb.measure(GaussianNB(), X, y, max_time=0.3, batch_sizes=(1,))
    >>> tree = pb.measure(DecisionTreeClassifier(), X, y, max_time=0.3, batch_sizes=(1,))
    >>> d = pb.Delta.between(base, tree)
    >>> d.name, d.baseline, d.test
    ('DecisionTreeClassifier', 'GaussianNB', 'McNemar')
    """

    name: str
    baseline: str
    score_name: str
    score_diff: float
    score_diff_interval: tuple[float, float]
    p_value: float
    test: str
    significant: bool
    detectable_diff: float
    p50_ratio: float
    p50_ratio_interval: tuple[float, float]
    p99_ratio: float
    p99_ratio_interval: tuple[float, float]
    p99_added: float
    training_throughput_ratio: float | None
    bulk_throughput_ratio: float | None
    size_ratio: float | None
    p_value_raw: float = math.nan
    adjustment: str | None = None
    n_challengers: int = 1
    p50_undersampled: bool = False
    p99_undersampled: bool = False
    score_diff_confidence: float = 1.0 - ALPHA
    n_rows: int = 0
    method: str = ""
    paired: PairedScoreTest | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if math.isnan(self.p_value_raw):
            object.__setattr__(self, "p_value_raw", self.p_value)

    def rows_to_detect(self, diff: float | None = None) -> int | None:
        """About how many test rows would detect ``diff`` (default: the observed difference).

        The detectable difference shrinks as ``1 / sqrt(rows)``; None when
        ``diff`` is 0 or the row count is unknown.

        Parameters
        ----------
        diff : float, optional
            The score difference to detect (default: the observed one).

        Returns
        -------
        int or None

        Examples
        --------
        >>> import prodbench as pb
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.naive_bayes import GaussianNB
        >>> from sklearn.tree import DecisionTreeClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> base = pb.measure(GaussianNB(), X, y, max_time=0.3, batch_sizes=(1,))
        >>> tree = pb.measure(DecisionTreeClassifier(), X, y, max_time=0.3, batch_sizes=(1,))
        >>> pb.Delta.between(base, tree).rows_to_detect(0.002) > 38
        True
        """
        diff = abs(self.score_diff if diff is None else diff)
        if diff == 0 or not self.n_rows or not math.isfinite(self.detectable_diff):
            return None
        return math.ceil(self.n_rows * (self.detectable_diff / diff) ** 2)

    def adjusted(self, p_value: float, n_challengers: int, level: float = ALPHA) -> Delta:
        """A copy Holm-adjusted over ``n_challengers``.

        ``p_value`` is the adjusted p-value and ``level`` the level Holm's
        step-down tested this challenger at (:func:`prodbench.stats.holm_levels`):
        the interval is recomputed at ``1 - level`` so that it excludes 0
        exactly when the adjusted p-value is below 0.05. The unadjusted
        p-value stays in ``p_value_raw``.

        Parameters
        ----------
        p_value : float
            The adjusted p-value.
        n_challengers : int
            How many challengers were tested against the baseline.
        level : float, default 0.05
            The level Holm's step-down tested this challenger at.

        Returns
        -------
        Delta

        Examples
        --------
        >>> import prodbench as pb
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.naive_bayes import GaussianNB
        >>> from sklearn.tree import DecisionTreeClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> base = pb.measure(GaussianNB(), X, y, max_time=0.3, batch_sizes=(1,))
        >>> tree = pb.measure(DecisionTreeClassifier(), X, y, max_time=0.3, batch_sizes=(1,))
        >>> d = pb.Delta.between(base, tree).adjusted(0.9, n_challengers=3, level=0.05 / 3)
        >>> d.p_value, d.significant, d.adjustment
        (0.9, False, 'Holm')
        """
        significant = p_value < ALPHA
        interval = self.score_diff_interval
        if self.paired is not None:
            interval = self.paired.interval(1.0 - level, reject=significant)
        return replace(
            self,
            p_value=p_value,
            significant=significant,
            adjustment="Holm" if n_challengers > 1 else None,
            n_challengers=n_challengers,
            score_diff_interval=interval,
            score_diff_confidence=1.0 - level,
        )

    @classmethod
    def between(cls, baseline: ModelResult, candidate: ModelResult) -> Delta:
        """Compute the delta of ``candidate`` against ``baseline``.

        Parameters
        ----------
        baseline, candidate : ModelResult
            Two results scored on the same test rows with the same scorer (as
            :func:`prodbench.compare` and :func:`prodbench.measure` with the same
            data and ``random_state`` produce).

        Returns
        -------
        Delta
            Not adjusted for multiplicity (see :meth:`adjusted`).

        Raises
        ------
        CandidateError
            When the two were not scored on the same rows.

        Examples
        --------
        >>> import prodbench as pb
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.naive_bayes import GaussianNB
        >>> from sklearn.tree import DecisionTreeClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> base = pb.measure(GaussianNB(), X, y, max_time=0.3, batch_sizes=(1,))
        >>> tree = pb.measure(DecisionTreeClassifier(), X, y, max_time=0.3, batch_sizes=(1,))
        >>> d = pb.Delta.between(base, tree)
        >>> low, high = d.score_diff_interval
        >>> low <= d.score_diff <= high
        True
        """
        sa, sb = baseline.score, candidate.score
        if sa.name != sb.name or sa.rows_digest != sb.rows_digest or sa.n != sb.n:
            raise CandidateError(
                f"{candidate.name!r} and {baseline.name!r} were not scored on the same test "
                "rows with the same scorer, so they cannot be paired. Measure them in one "
                "compare() call."
            )
        if sb.n < 2:
            raise DataError(
                f"{candidate.name!r} and {baseline.name!r} were scored on {sb.n} test row, and "
                "a score difference needs at least 2 to be tested. Score them on more rows: "
                "a larger --test-size (test_size=), or --test-data with more rows."
            )
        paired = paired_score_test(baseline, candidate)
        if isinstance(paired, stats.PairedBootstrap):
            detectable = paired.detectable(alpha=ALPHA)
        else:
            detectable = stats.detectable_difference(sb.contributions() - sa.contributions())
        p_value = paired.p_value
        low, high = paired.interval(1.0 - ALPHA, reject=p_value < ALPHA)
        la, lb = baseline.latency, candidate.latency
        r50 = stats.bootstrap_quantile_ratio(la.sorted_ns, lb.sorted_ns, 50)
        r99 = stats.bootstrap_quantile_ratio(la.sorted_ns, lb.sorted_ns, 99)
        return cls(
            name=candidate.name,
            baseline=baseline.name,
            score_name=sb.name,
            score_diff=sb.value - sa.value,
            score_diff_interval=(low, high),
            p_value=p_value,
            test=paired.name,
            significant=p_value < ALPHA,
            detectable_diff=detectable,
            p50_ratio=r50[0],
            p50_ratio_interval=(r50[1], r50[2]),
            p99_ratio=r99[0],
            p99_ratio_interval=(r99[1], r99[2]),
            p99_added=lb.p99 - la.p99,
            training_throughput_ratio=_ratio(
                None if candidate.training is None else candidate.training.samples_per_second,
                None if baseline.training is None else baseline.training.samples_per_second,
            ),
            bulk_throughput_ratio=_ratio(
                candidate.throughput.largest.rows_per_second,
                baseline.throughput.largest.rows_per_second,
            ),
            size_ratio=_ratio(
                None if candidate.footprint is None else candidate.footprint.size_bytes,
                None if baseline.footprint is None else baseline.footprint.size_bytes,
            ),
            p_value_raw=p_value,
            p50_undersampled=la.undersampled(50) or lb.undersampled(50),
            p99_undersampled=la.undersampled(99) or lb.undersampled(99),
            n_rows=int(sb.n),
            method=paired.method,
            paired=paired,
        )


def paired_score_test(a: ModelResult, b: ModelResult) -> PairedScoreTest:
    """The paired test of score B minus score A on the same test rows, with its interval.

    Exact McNemar on per-row correctness for accuracy
    (:class:`prodbench.stats.McNemarInterval`); a sign-flip permutation test
    on per-row score terms for the other scores that are a mean of per-row
    terms (log loss, Brier, R², absolute and squared error;
    :class:`prodbench.stats.SignFlipTest`); a paired bootstrap of the two
    scores' replicates on the same resamples of the rows for the rest (F1,
    ROC AUC, average precision, ...; :class:`prodbench.stats.PairedBootstrap`).
    Its ``p_value`` is symmetric in ``a`` and ``b``; its
    ``interval(confidence)`` excludes 0 exactly when the test rejects.

    Parameters
    ----------
    a, b : ModelResult
        Two results scored on the same rows with the same score.

    Returns
    -------
    McNemarInterval, SignFlipTest or PairedBootstrap

    Raises
    ------
    CandidateError
        When one has bootstrap replicates and the other not, or a different number.

    Examples
    --------
    >>> t = paired_score_test(baseline_result, candidate_result)  # doctest: +SKIP
    >>> t.p_value, t.interval(0.95)  # doctest: +SKIP
    (0.0386, (0.0023, 0.0391))
    """
    ra, rb = a.score.replicates, b.score.replicates
    if ra is not None or rb is not None:
        if ra is None or rb is None or ra.size != rb.size:
            raise CandidateError(
                f"{b.name!r} and {a.name!r} do not carry the same bootstrap replicates of "
                f"{b.score.name}, so they cannot be paired. Measure them in one compare() call."
            )
        return stats.PairedBootstrap(b.score.value - a.score.value, rb - ra)
    if a.task == "classification" and a.score.name == "accuracy":
        ca, cb = np.asarray(a.score.correct, bool), np.asarray(b.score.correct, bool)
        r = stats.mcnemar_exact(ca, cb)
        return stats.McNemarInterval(r.b, r.c, int(ca.size))
    d = b.score.contributions() - a.score.contributions()
    return stats.SignFlipTest.from_differences(d)


def paired_test(a: ModelResult, b: ModelResult) -> tuple[float, str]:
    """p-value and name of the paired test of two scores on the same test rows.

    The test of :func:`paired_score_test`, symmetric in ``a`` and ``b``.
    """
    t = paired_score_test(a, b)
    return t.p_value, t.name


def _predictions_key(y_pred: Any) -> bytes:
    """A digest of a candidate's test-set predictions: equal only for identical ones."""
    values = np.asarray(y_pred)
    if values.dtype.kind == "O":
        values = values.astype(str)
    return hashlib.sha1(values.dtype.str.encode() + values.tobytes()).digest()


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return a / b
