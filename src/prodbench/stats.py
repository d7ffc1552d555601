"""Pure statistics over arrays: percentiles, intervals, bootstrap, paired tests.

Conventions
-----------
* ``q`` is a percentile in percent, ``0 < q < 100``, as in :func:`numpy.percentile`.
* ``confidence`` is a probability, ``0 < confidence < 1``.
* Functions named ``sorted_*`` expect an ascending-sorted 1-D array and do not
  check the order (checking would cost O(n) on every call).
* Random functions take ``random_state`` (``None``, an int seed or a
  :class:`numpy.random.Generator`) and are deterministic for a fixed seed.

Every function is pure: no printing, no module state beyond the constant
:data:`SCORERS` table and the ``lru_cache`` of two integer-valued helpers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import stats as _sps

from prodbench.errors import DataError, SpecError

__all__ = [
    "SCORERS",
    "McNemarInterval",
    "McNemarResult",
    "PairedBootstrap",
    "Scorer",
    "SignFlipTest",
    "batch_means_interval",
    "bootstrap_quantile_ratio",
    "detectable_difference",
    "holm",
    "holm_levels",
    "mcnemar_exact",
    "one_sided_bounds",
    "order_statistic_bounds",
    "paired_bootstrap_mean",
    "percentile",
    "percentile_interval",
    "quantile_ratio_bounds",
    "relative_halfwidth",
    "required_samples",
    "row_contributions",
    "samples_to_decide",
    "score",
    "sign_flip_pvalue",
]

RandomState = int | np.random.Generator | None

# Elements per chunk of a resampling matrix (8 MiB of int64 / float64).
_CHUNK_ELEMENTS = 1 << 20


# --------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------


def _check_q(q: float) -> float:
    q = float(q)
    if not 0.0 < q < 100.0:
        raise SpecError(
            f"Percentile q={q!r} is out of range. Pass q in percent, strictly "
            "between 0 and 100 (for example 99 or 99.9)."
        )
    return q


def _check_confidence(confidence: float) -> float:
    confidence = float(confidence)
    if not 0.0 < confidence < 1.0:
        raise SpecError(
            f"confidence={confidence!r} is out of range. Pass a probability strictly "
            "between 0 and 1 (for example 0.95)."
        )
    return confidence


def _check_resamples(n_resamples: int) -> int:
    if int(n_resamples) != n_resamples or n_resamples < 1:
        raise SpecError(f"n_resamples={n_resamples!r} must be a positive integer (e.g. 2000).")
    return int(n_resamples)


def _as_1d(x: npt.ArrayLike, name: str) -> np.ndarray:
    arr = np.asarray(x)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise DataError(f"{name} must be one-dimensional, got shape {arr.shape}. Pass a 1-D array.")
    if arr.size == 0:
        raise DataError(f"{name} is empty. Pass at least one value.")
    return arr


def _as_1d_float(x: npt.ArrayLike, name: str) -> np.ndarray:
    arr = _as_1d(x, name)
    try:
        out = arr.astype(np.float64, copy=False)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must be numeric, got dtype {arr.dtype}.") from exc
    if not np.all(np.isfinite(out)):
        raise DataError(f"{name} contains NaN or infinite values. Remove or fill them first.")
    return out


# --------------------------------------------------------------------------
# percentiles and their distribution-free intervals
# --------------------------------------------------------------------------


def percentile(sorted_samples: np.ndarray, q: float) -> float:
    """Return the ``q``-th percentile of an ascending-sorted sample.

    Uses numpy's default ``"linear"`` interpolation, in O(1) because the
    sample is already sorted.

    Parameters
    ----------
    sorted_samples : ndarray of shape (n,)
        Ascending-sorted values.
    q : float
        Percentile in percent, ``0 < q < 100``.

    Returns
    -------
    float
        Same value as ``numpy.percentile(sorted_samples, q)``.

    Raises
    ------
    DataError
        If the sample is empty or not one-dimensional.

    Examples
    --------
    >>> import numpy as np
    >>> percentile(np.array([1.0, 2.0, 3.0, 4.0]), 50)
    2.5
    """
    q = _check_q(q)
    x = _as_1d(sorted_samples, "sorted_samples")
    h = (x.size - 1) * (q / 100.0)
    lo = math.floor(h)
    t = h - lo
    a = float(x[lo])
    if t == 0.0 or lo + 1 >= x.size:
        return a
    b = float(x[lo + 1])
    # numpy's _lerp: symmetric form, exact at both ends
    return b - (b - a) * (1.0 - t) if t >= 0.5 else a + (b - a) * t


@lru_cache(maxsize=4096)
def order_statistic_bounds(
    n: int, q: float, confidence: float = 0.95
) -> tuple[int | None, int | None]:
    """Distribution-free confidence bounds for a percentile, as sample indices.

    With ``B ~ Binomial(n, q/100)`` the number of observations at or below
    the true percentile, the 1-based order statistics ``(l, u)`` cover it with
    probability ``P(l <= B < u) = cdf(u - 1) - cdf(l - 1)``. Starting from
    ``l = ppf(alpha/2)`` and ``u = ppf(1 - alpha/2) + 1`` the interval is
    widened until that coverage is at least ``confidence``.

    Parameters
    ----------
    n : int
        Sample size.
    q : float
        Percentile in percent, ``0 < q < 100``.
    confidence : float, default 0.95
        Two-sided coverage probability.

    Returns
    -------
    lo, hi : int or None
        0-based indices into the sorted sample with
        ``P(x[lo] <= Q_q <= x[hi]) >= confidence``. ``None`` means the bound
        falls outside the sample: ``-inf`` for ``lo``, ``+inf`` for ``hi``.

    Examples
    --------
    >>> order_statistic_bounds(1000, 50)
    (468, 531)
    >>> order_statistic_bounds(100, 99)
    (96, None)
    """
    if int(n) != n or n < 0:
        raise SpecError(f"n={n!r} must be a non-negative integer sample size.")
    n = int(n)
    p = _check_q(q) / 100.0
    confidence = _check_confidence(confidence)
    if n == 0:
        return None, None
    alpha = 1.0 - confidence
    dist = _sps.binom(n, p)
    # 1-based order statistics; 0 means -inf, n + 1 means +inf
    lo1 = int(dist.ppf(alpha / 2.0))
    hi1 = int(dist.ppf(1.0 - alpha / 2.0)) + 1
    lo1 = min(max(lo1, 0), n + 1)
    hi1 = min(max(hi1, lo1), n + 1)

    def coverage(lo: int, hi: int) -> float:
        return float(dist.cdf(hi - 1) - (dist.cdf(lo - 1) if lo >= 1 else 0.0))

    # guard against ppf rounding: widen on the side that gains more
    while coverage(lo1, hi1) < confidence and (lo1 > 0 or hi1 <= n):
        gain_lo = float(dist.pmf(lo1 - 1)) if lo1 > 0 else -1.0
        gain_hi = float(dist.pmf(hi1)) if hi1 <= n else -1.0
        if gain_lo >= gain_hi:
            lo1 -= 1
        else:
            hi1 += 1
    lo = lo1 - 1 if lo1 >= 1 else None
    hi = hi1 - 1 if hi1 <= n else None
    return lo, hi


def percentile_interval(
    sorted_samples: np.ndarray, q: float, confidence: float = 0.95
) -> tuple[float, float]:
    """Distribution-free confidence interval of a percentile, as values.

    Parameters
    ----------
    sorted_samples : ndarray of shape (n,)
        Ascending-sorted values.
    q : float
        Percentile in percent, ``0 < q < 100``.
    confidence : float, default 0.95
        Two-sided coverage probability.

    Returns
    -------
    low, high : float
        Values of the order statistics from :func:`order_statistic_bounds`;
        ``-inf`` / ``+inf`` where the sample is too small to bound that side.

    Raises
    ------
    DataError
        If the sample is empty.

    Examples
    --------
    >>> import numpy as np
    >>> percentile_interval(np.arange(1000.0), 50)
    (468.0, 531.0)
    >>> percentile_interval(np.arange(100.0), 99)
    (96.0, inf)
    """
    x = _as_1d(sorted_samples, "sorted_samples")
    lo, hi = order_statistic_bounds(int(x.size), float(q), float(confidence))
    low = -math.inf if lo is None else float(x[lo])
    high = math.inf if hi is None else float(x[hi])
    return low, high


def relative_halfwidth(sorted_samples: np.ndarray, q: float, confidence: float = 0.95) -> float:
    """Half the width of the percentile interval, relative to the estimate.

    Parameters
    ----------
    sorted_samples : ndarray of shape (n,)
        Ascending-sorted values.
    q : float
        Percentile in percent, ``0 < q < 100``.
    confidence : float, default 0.95
        Two-sided coverage probability.

    Returns
    -------
    float
        ``(high - low) / 2 / |estimate|``; ``inf`` when a side is unbounded
        or the estimate is zero.

    Examples
    --------
    >>> import numpy as np
    >>> round(relative_halfwidth(np.arange(1.0, 1001.0), 50), 3)
    0.063
    """
    est = percentile(sorted_samples, q)
    low, high = percentile_interval(sorted_samples, q, confidence)
    if not (math.isfinite(low) and math.isfinite(high)) or est == 0.0:
        return math.inf
    return (high - low) / 2.0 / abs(est)


@lru_cache(maxsize=65536)
def one_sided_bounds(n: int, q: float, alpha: float) -> tuple[int | None, int | None]:
    """One-sided distribution-free bounds of a percentile, each wrong with probability <= alpha.

    With ``B ~ Binomial(n, q/100)`` the number of observations at or below
    the true percentile ``Q``: the 1-based order statistic ``x_(u)`` lies
    below ``Q`` only when ``B >= u``, and ``x_(l)`` lies above ``Q`` only when
    ``B < l``. ``u`` is the smallest index with ``P(B >= u) <= alpha`` and
    ``l`` the largest with ``P(B < l) <= alpha``, so each bound is wrong with
    probability at most ``alpha`` (exactly so for continuous data, and
    conservatively with ties).

    Parameters
    ----------
    n : int
        Sample size.
    q : float
        Percentile in percent, ``0 < q < 100``.
    alpha : float
        Largest probability of each bound being wrong, ``0 < alpha < 1``.

    Returns
    -------
    lo, hi : int or None
        0-based indices into the sorted sample; ``None`` when the sample is
        too small to bound that side (``-inf`` for ``lo``, ``+inf`` for ``hi``).

    Examples
    --------
    >>> one_sided_bounds(300, 99, 0.05)
    (293, 299)
    >>> one_sided_bounds(200, 99, 0.05)
    (194, None)
    """
    if int(n) != n or n < 0:
        raise SpecError(f"n={n!r} must be a non-negative integer sample size.")
    n = int(n)
    p = _check_q(q) / 100.0
    alpha = 1.0 - _check_confidence(1.0 - float(alpha))
    if n == 0:
        return None, None
    dist = _sps.binom(n, p)
    # upper: smallest u (1-based) with P(B >= u) = sf(u - 1) <= alpha
    u = int(dist.ppf(1.0 - alpha)) + 1
    while u > 1 and float(dist.sf(u - 2)) <= alpha:
        u -= 1
    while u <= n and float(dist.sf(u - 1)) > alpha:
        u += 1
    # lower: largest l (1-based) with P(B < l) = cdf(l - 1) <= alpha
    lo1 = int(dist.ppf(alpha))
    while lo1 >= 1 and float(dist.cdf(lo1 - 1)) > alpha:
        lo1 -= 1
    while lo1 + 1 <= n and float(dist.cdf(lo1)) <= alpha:
        lo1 += 1
    lo = lo1 - 1 if lo1 >= 1 else None
    hi = u - 1 if u <= n else None
    return lo, hi


def quantile_ratio_bounds(
    old_sorted: np.ndarray, new_sorted: np.ndarray, q: float, alpha: float
) -> tuple[float, float]:
    """Distribution-free bounds of ``percentile(new) / percentile(old)``.

    Each bound is wrong with probability at most ``alpha``: the lower bound
    is the new sample's lower order-statistic bound over the old one's upper
    bound, each at ``alpha / 2`` (:func:`one_sided_bounds`), and the other
    way round for the upper bound. ``0`` / ``inf`` where a sample is too
    small to bound that side, so a ratio from few samples is never decided.

    Parameters
    ----------
    old_sorted, new_sorted : ndarray
        Ascending-sorted samples.
    q : float
        Percentile, in percent.
    alpha : float
        Error probability of each bound (a two-sided interval at confidence
        ``c`` takes ``alpha = (1 - c) / 2``).

    Returns
    -------
    low, high : float

    Examples
    --------
    >>> import numpy as np
    >>> x = np.sort(np.random.default_rng(0).lognormal(0, 0.3, 5000))
    >>> low, high = quantile_ratio_bounds(x, 2 * x, 99, 0.025)
    >>> bool(1.5 < low < 2 < high < 2.7)
    True
    >>> quantile_ratio_bounds(x[:3], x[:3], 50, 0.025)  # three samples bound nothing
    (0.0, inf)
    """
    lo_new, hi_new = one_sided_bounds(new_sorted.size, q, alpha / 2.0)
    lo_old, hi_old = one_sided_bounds(old_sorted.size, q, alpha / 2.0)
    low = 0.0
    if lo_new is not None and hi_old is not None and old_sorted[hi_old] > 0:
        low = float(new_sorted[lo_new]) / float(old_sorted[hi_old])
    high = math.inf
    if hi_new is not None and lo_old is not None and old_sorted[lo_old] > 0:
        high = float(new_sorted[hi_new]) / float(old_sorted[lo_old])
    return low, high


def samples_to_decide(
    n_at_or_below: int,
    n: int,
    q: float,
    alpha: float,
    *,
    power: float = 0.8,
    cap: int = 100_000_000,
) -> int | None:
    """About how many samples would decide a percentile against a limit.

    From ``n_at_or_below`` of ``n`` samples at or below the limit, the
    fraction ``F`` at or below it is estimated as ``n_at_or_below / n``
    (with every sample on one side, the answer is the least sample size at
    which that side can be bounded at all).
    The answer is the smallest sample size at which the one-sided bound of
    :func:`one_sided_bounds` at ``alpha`` falls on the limit's side with
    probability ``power``, were the true fraction ``F``.

    Parameters
    ----------
    n_at_or_below, n : int
        Samples at or below the limit, and all samples.
    q : float
        Percentile in percent.
    alpha : float
        Error rate of the bound that would decide.
    power : float, default 0.8
        Probability of deciding at the returned size.
    cap : int, default 100,000,000
        Give up (return None) beyond this many samples.

    Returns
    -------
    int or None
        The sample size, or None when the percentile is too close to the
        limit to be decided within ``cap`` samples.

    Examples
    --------
    >>> samples_to_decide(250, 250, 99, 0.025)  # nothing above the limit yet
    368
    """
    if n < 1:
        raise DataError("samples_to_decide needs at least one sample.")
    f = float(n_at_or_below) / float(n)
    p = _check_q(q) / 100.0
    if f == p:
        return None
    passing = f > p

    def decides(m: int) -> bool:
        lo, hi = one_sided_bounds(m, q, alpha)
        if passing:
            if hi is None:
                return False
            # PASS when at least hi + 1 of m samples are at or below the limit
            return float(_sps.binom.sf(hi, m, f)) >= power
        if lo is None:
            return False
        # FAIL when fewer than lo + 1 samples are at or below the limit
        return float(_sps.binom.cdf(lo, m, f)) >= power

    hi_m = max(2, int(n))
    while not decides(hi_m):
        if hi_m >= cap:
            return None
        hi_m = min(cap, hi_m * 2)
    lo_m = hi_m // 2
    while hi_m - lo_m > 1:
        mid = (lo_m + hi_m) // 2
        if decides(mid):
            hi_m = mid
        else:
            lo_m = mid
    return hi_m


def holm(p_values: npt.ArrayLike) -> np.ndarray:
    """Holm's step-down adjustment of a family of p-values.

    Rejecting where the adjusted value is below ``alpha`` keeps the chance of
    any false rejection in the family at or below ``alpha`` (Holm, 1979).

    Parameters
    ----------
    p_values : array-like of float, shape (m,)
        Unadjusted p-values.

    Returns
    -------
    ndarray of float, shape (m,)
        Adjusted p-values, in the input order, capped at 1.

    Examples
    --------
    >>> holm([0.01, 0.04, 0.03]).round(2).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(p_values, dtype=np.float64).ravel()
    m = p.size
    if m == 0:
        return p.copy()
    order = np.argsort(p, kind="stable")
    stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out = np.empty(m)
    out[order] = np.minimum(stepped, 1.0)
    return out


@lru_cache(maxsize=256)
def required_samples(q: float, confidence: float = 0.99) -> int:
    """Minimum sample size for a percentile to be reported.

    The smallest ``n`` with ``binom.cdf(1, n, 1 - q/100) <= 1 - confidence``:
    with probability ``confidence`` at least two observations lie above the
    true percentile, so the estimate is never just the sample maximum
    (MLPerf LoadGen's early-stopping rule with one allowed overshoot).

    Parameters
    ----------
    q : float
        Percentile in percent, ``0 < q < 100``.
    confidence : float, default 0.99
        Required probability.

    Returns
    -------
    int
        The minimum number of samples.

    Examples
    --------
    >>> required_samples(99)
    662
    >>> required_samples(99.9)
    6636
    """
    tail = 1.0 - _check_q(q) / 100.0
    alpha = 1.0 - _check_confidence(confidence)

    def ok(n: int) -> bool:
        return bool(_sps.binom.cdf(1, n, tail) <= alpha)

    hi = 2
    while not ok(hi):
        hi *= 2
    lo = hi // 2  # ok(lo) is False unless lo < 2
    if lo < 2:
        return hi
    while hi - lo > 1:  # invariant: not ok(lo), ok(hi); cdf decreases in n
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


def batch_means_interval(
    values: npt.ArrayLike,
    q: float,
    batch_size: int | None = None,
    confidence: float = 0.95,
) -> tuple[float, float]:
    """Interval of the ``q``-th percentile of correlated values, by batch means.

    The values are cut into consecutive batches (default: 20 batches, each
    at least 10 / (1 - q/100) values, so each batch estimates the
    percentile from at least ten values above it); the percentile of each
    batch is taken, and a Student-t interval is put around their mean. The
    interval is widened to contain the percentile of all the values, and
    its lower side kept at or above the smallest value.
    Batches far longer than the correlation time are nearly independent,
    so this stays honest where the order-statistic interval (which assumes
    independent samples) is too narrow. With fewer than two batches the
    interval is infinite.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).exponential(1.0, 20_000)
    >>> low, high = batch_means_interval(x, 50)
    >>> bool(low < np.log(2) < high)
    True
    """
    arr = np.asarray(values, dtype=np.float64).ravel()
    q = float(q)
    if not 0 < q < 100:
        raise SpecError(f"Percentile q={q!r} must be strictly between 0 and 100.")
    estimate = float(np.percentile(arr, q)) if arr.size else math.nan
    minimum = math.ceil(10.0 / (1.0 - q / 100.0))
    size = batch_size or max(minimum, arr.size // 20)
    batches = arr.size // size if size > 0 else 0
    if batches < 2:
        return (-math.inf, math.inf)
    per_batch = np.percentile(arr[: batches * size].reshape(batches, size), q, axis=1)
    mean = float(per_batch.mean())
    half = (
        float(_sps.t.ppf(0.5 + confidence / 2, batches - 1))
        * float(per_batch.std(ddof=1))
        / math.sqrt(batches)
    )
    low = max(mean - half, float(arr.min()))  # never below the fastest request
    return (min(low, estimate), max(mean + half, estimate))


# --------------------------------------------------------------------------
# bootstrap of a percentile ratio
# --------------------------------------------------------------------------


def _order_stat_bootstrap(
    x: np.ndarray, k: int, n_resamples: int, rng: np.random.Generator
) -> np.ndarray:
    """Draw the k-th smallest (1-based) of bootstrap resamples of sorted x exactly.

    In a resample of size n, ``X*_(k) <= x[j]`` iff ``Bin(n, (j+1)/n) >= k``,
    so inverting that CDF over j with uniform draws gives the exact
    bootstrap distribution without materialising any resample.
    """
    n = x.size
    p = k / n
    width = int(12.0 * math.sqrt(n * p * (1.0 - p))) + 20  # >12 sigma: tails ~1e-30
    j = np.arange(max(0, k - 1 - width), min(n, k + width))
    cdf = _sps.binom.sf(k - 1, n, (j + 1) / n)
    cdf = np.maximum.accumulate(cdf)  # monotone despite rounding
    idx = np.searchsorted(cdf, rng.random(n_resamples), side="left")
    np.minimum(idx, j.size - 1, out=idx)
    return x[j[idx]].astype(np.float64)


def bootstrap_quantile_ratio(
    sorted_a: np.ndarray,
    sorted_b: np.ndarray,
    q: float,
    *,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    random_state: RandomState = 0,
) -> tuple[float, float, float]:
    """Ratio of a candidate's percentile to a baseline's, with a bootstrap interval.

    The two samples are bootstrapped independently. Each replicate uses the
    order statistic ``k = ceil(q/100 * n)`` drawn from its exact bootstrap
    distribution, so the cost does not depend on the sample size beyond a
    window of a few standard deviations around ``k``.

    Parameters
    ----------
    sorted_a : ndarray of shape (n_a,)
        Baseline samples, ascending.
    sorted_b : ndarray of shape (n_b,)
        Candidate samples, ascending.
    q : float
        Percentile in percent, ``0 < q < 100``.
    n_resamples : int, default 2000
        Bootstrap replicates.
    confidence : float, default 0.95
        Two-sided coverage of the percentile-bootstrap interval.
    random_state : None, int or numpy.random.Generator, default 0
        Seed or generator.

    Returns
    -------
    ratio, low, high : float
        ``percentile(sorted_b, q) / percentile(sorted_a, q)`` and its interval.
        The interval is open (``high = inf``, ``low = 0``) on a side where a
        percentile's own distribution-free interval
        (:func:`percentile_interval`) is unbounded: the bootstrap never draws
        past the largest sample, so it cannot bound an under-sampled tail.

    Raises
    ------
    DataError
        If a sample is empty or the baseline percentile is zero.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> a = np.sort(rng.lognormal(0.0, 0.5, 5000))
    >>> ratio, low, high = bootstrap_quantile_ratio(a, 2 * a, 90)
    >>> round(ratio, 6), bool(low < 2.0 < high)
    (2.0, True)
    """
    q = _check_q(q)
    confidence = _check_confidence(confidence)
    n_resamples = _check_resamples(n_resamples)
    a = _as_1d(sorted_a, "sorted_a")
    b = _as_1d(sorted_b, "sorted_b")
    est_a = percentile(a, q)
    est_b = percentile(b, q)
    if est_a == 0.0:
        raise DataError(
            f"The baseline's p{q:g} is 0, so a ratio to it is undefined. "
            "Check the baseline samples (latencies must be positive)."
        )
    rng = np.random.default_rng(random_state)
    reps = []
    for x in (a, b):
        k = min(max(math.ceil(q / 100.0 * x.size), 1), x.size)
        reps.append(_order_stat_bootstrap(x, k, n_resamples, rng))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = reps[1] / reps[0]
    alpha = 1.0 - confidence
    low, high = np.quantile(ratios, [alpha / 2.0, 1.0 - alpha / 2.0])
    # The bootstrap cannot see past the largest sample: where a percentile's
    # own distribution-free interval is open, so is the ratio's on that side.
    a_low, a_high = percentile_interval(a, q, confidence)
    b_low, b_high = percentile_interval(b, q, confidence)
    if math.isinf(b_high) or not a_low > 0.0:
        high = math.inf
    if math.isinf(a_high) or not b_low > 0.0:
        low = 0.0
    return est_b / est_a, float(low), float(high)


# --------------------------------------------------------------------------
# McNemar
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class McNemarResult:
    """Outcome of an exact McNemar test.

    Attributes
    ----------
    b : int
        Rows where model A is right and model B wrong.
    c : int
        Rows where model A is wrong and model B right.
    p_value : float
        Exact two-sided p-value.
    """

    b: int
    c: int
    p_value: float


def mcnemar_exact(correct_a: np.ndarray, correct_b: np.ndarray) -> McNemarResult:
    """Exact two-sided McNemar test on paired per-row correctness.

    Parameters
    ----------
    correct_a, correct_b : ndarray of bool, shape (n,)
        Whether each model got each row right, on the same rows.

    Returns
    -------
    McNemarResult
        ``b``, ``c`` and ``p = min(1, 2 * binom.cdf(min(b, c), b + c, 0.5))``,
        1.0 when there are no discordant rows.

    Raises
    ------
    DataError
        If the arrays differ in length or are empty.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.array([True] * 10 + [False] * 2 + [True] * 5)
    >>> b = np.array([False] * 10 + [True] * 2 + [True] * 5)
    >>> r = mcnemar_exact(a, b)
    >>> r.b, r.c, round(r.p_value, 4)
    (10, 2, 0.0386)
    """
    ca = _as_1d(correct_a, "correct_a").astype(bool)
    cb = _as_1d(correct_b, "correct_b").astype(bool)
    if ca.shape != cb.shape:
        raise DataError(
            f"correct_a has {ca.size} rows but correct_b has {cb.size}. "
            "Pass per-row results of both models on the same rows."
        )
    b = int(np.count_nonzero(ca & ~cb))
    c = int(np.count_nonzero(~ca & cb))
    return McNemarResult(b, c, McNemarInterval(b, c, ca.size).p_value)


# --------------------------------------------------------------------------
# per-row decomposable scores
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Scorer:
    """A score whose value is the mean of per-row contributions.

    Attributes
    ----------
    name : str
        scikit-learn scoring name.
    greater_is_better : bool
        Whether a higher value is better (true for all scikit-learn scorers).
    task : {"classification", "regression"}
        The task the score applies to.
    """

    name: str
    greater_is_better: bool
    task: Literal["classification", "regression"]


SCORERS: dict[str, Scorer] = {
    "accuracy": Scorer("accuracy", True, "classification"),
    "r2": Scorer("r2", True, "regression"),
    "neg_mean_absolute_error": Scorer("neg_mean_absolute_error", True, "regression"),
    "neg_mean_squared_error": Scorer("neg_mean_squared_error", True, "regression"),
}


def _pair(
    name: str, y_true: npt.ArrayLike, y_pred: npt.ArrayLike
) -> tuple[Scorer, np.ndarray, np.ndarray]:
    if name not in SCORERS:
        known = ", ".join(sorted(SCORERS))
        raise SpecError(f"Unknown score {name!r}. Use one of: {known}.")
    scorer = SCORERS[name]
    if scorer.task == "regression":
        yt, yp = _as_1d_float(y_true, "y_true"), _as_1d_float(y_pred, "y_pred")
    else:
        yt, yp = _as_1d(y_true, "y_true"), _as_1d(y_pred, "y_pred")
    if yt.shape != yp.shape:
        raise DataError(
            f"y_true has {yt.size} rows but y_pred has {yp.size}. "
            "Pass predictions for exactly the scored rows."
        )
    return scorer, yt, yp


def row_contributions(name: str, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Per-row values whose mean is the score.

    ``accuracy``: 1.0 / 0.0; ``neg_mean_absolute_error``: ``-|err|``;
    ``neg_mean_squared_error``: ``-err**2``; ``r2``:
    ``1 - n * err**2 / SST`` with ``SST = sum((y - mean(y))**2)``.
    The difference of two models' scores on the same rows is then the mean
    of the difference of their contributions.

    Parameters
    ----------
    name : str
        A key of :data:`SCORERS`.
    y_true, y_pred : ndarray of shape (n,)
        Targets and predictions.

    Returns
    -------
    ndarray of float64, shape (n,)

    Raises
    ------
    SpecError
        If ``name`` is unknown.
    DataError
        On empty or mismatched inputs, or ``r2`` with constant ``y_true``.

    Examples
    --------
    >>> import numpy as np
    >>> row_contributions("neg_mean_absolute_error", np.array([1.0, 2.0]), np.array([1.5, 2.0]))
    array([-0.5, -0. ])
    """
    scorer, yt, yp = _pair(name, y_true, y_pred)
    if scorer.name == "accuracy":
        return np.asarray(yt == yp, dtype=np.float64)
    err = yp - yt
    if scorer.name == "neg_mean_absolute_error":
        return -np.abs(err)
    if scorer.name == "neg_mean_squared_error":
        return -(err**2)
    # r2
    sst = float(np.sum((yt - yt.mean()) ** 2))
    if sst == 0.0:
        raise DataError(
            "r2 is undefined because y_true is constant on these rows. "
            "Use more varied rows or another score (e.g. neg_mean_squared_error)."
        )
    return 1.0 - yt.size * err**2 / sst


def score(name: str, y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Compute a score with scikit-learn's sign conventions.

    Parameters
    ----------
    name : str
        ``"accuracy"``, ``"r2"``, ``"neg_mean_absolute_error"`` or
        ``"neg_mean_squared_error"``.
    y_true, y_pred : ndarray of shape (n,)
        Targets and predictions.

    Returns
    -------
    float
        The score; ``neg_*`` scores are negative (greater is better).

    Raises
    ------
    SpecError
        If ``name`` is unknown.
    DataError
        On empty or mismatched inputs, or ``r2`` with constant ``y_true``.

    Examples
    --------
    >>> import numpy as np
    >>> score("accuracy", np.array([0, 1, 1, 0]), np.array([0, 1, 0, 0]))
    0.75
    >>> score("neg_mean_squared_error", np.array([1.0, 2.0]), np.array([2.0, 2.0]))
    -0.5
    """
    scorer, yt, yp = _pair(name, y_true, y_pred)
    if scorer.name == "r2":
        sst = float(np.sum((yt - yt.mean()) ** 2))
        if sst == 0.0:
            row_contributions(name, yt, yp)  # raises the DataError
        return 1.0 - float(np.sum((yp - yt) ** 2)) / sst
    return float(np.mean(row_contributions(name, yt, yp)))


# --------------------------------------------------------------------------
# paired differences
# --------------------------------------------------------------------------


def paired_bootstrap_mean(
    d: np.ndarray,
    *,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    random_state: RandomState = 0,
) -> tuple[float, float]:
    """Percentile-bootstrap confidence interval of the mean of paired differences.

    Rows are resampled with replacement. When ``d`` takes few distinct values
    (accuracy differences are -1, 0 or 1) the resample counts are drawn
    from the equivalent multinomial over those values, which is exact and
    O(distinct values) per replicate; otherwise indices are drawn in chunks
    of about a million so memory stays small.

    Parameters
    ----------
    d : ndarray of shape (n,)
        Per-row differences, e.g. ``contrib_b - contrib_a``.
    n_resamples : int, default 2000
        Bootstrap replicates.
    confidence : float, default 0.95
        Two-sided coverage.
    random_state : None, int or numpy.random.Generator, default 0
        Seed or generator.

    Returns
    -------
    low, high : float
        Interval for ``mean(d)``.

    Raises
    ------
    DataError
        If ``d`` is empty or not finite.

    Examples
    --------
    >>> import numpy as np
    >>> d = np.random.default_rng(0).normal(0.5, 1.0, 400)
    >>> low, high = paired_bootstrap_mean(d)
    >>> bool(low < d.mean() < high), bool(0.0 < low)
    (True, True)
    """
    x = _as_1d_float(d, "d")
    confidence = _check_confidence(confidence)
    n_resamples = _check_resamples(n_resamples)
    rng = np.random.default_rng(random_state)
    n = x.size
    values, counts = np.unique(x, return_counts=True)
    means = np.empty(n_resamples)
    if values.size * 8 <= n:
        chunk = max(1, _CHUNK_ELEMENTS // values.size)
        pvals = counts / n
        for start in range(0, n_resamples, chunk):
            m = min(chunk, n_resamples - start)
            means[start : start + m] = rng.multinomial(n, pvals, size=m) @ values / n
    else:
        chunk = max(1, _CHUNK_ELEMENTS // n)
        for start in range(0, n_resamples, chunk):
            m = min(chunk, n_resamples - start)
            means[start : start + m] = x[rng.integers(0, n, size=(m, n))].mean(axis=1)
    alpha = 1.0 - confidence
    low, high = np.quantile(means, [alpha / 2.0, 1.0 - alpha / 2.0])
    return float(low), float(high)


def sign_flip_pvalue(
    d: np.ndarray, *, n_resamples: int = 10000, random_state: RandomState = 0
) -> float:
    """Two-sided paired permutation (sign-flip) test of ``mean(d) == 0``.

    Each replicate flips the sign of every row with probability 1/2, as
    :class:`SignFlipTest` draws them (the same flips give its interval).

    Parameters
    ----------
    d : ndarray of shape (n,)
        Per-row paired differences.
    n_resamples : int, default 10000
        Random sign flips.
    random_state : None, int or numpy.random.Generator, default 0
        Seed or generator.

    Returns
    -------
    float
        ``(1 + #{|perm stat| >= |observed|}) / (1 + n_resamples)``; 1.0 if
        every difference is zero.

    Raises
    ------
    DataError
        If ``d`` is empty or not finite.

    Examples
    --------
    >>> import numpy as np
    >>> d = np.r_[np.ones(30), -np.ones(10), np.zeros(960)]
    >>> round(sign_flip_pvalue(d), 3)  # exact: 2 * binom.cdf(10, 40, 0.5) = 0.0022
    0.002
    """
    return SignFlipTest.from_differences(
        d, n_resamples=n_resamples, random_state=random_state
    ).p_value


# --------------------------------------------------------------------------
# paired score tests that carry their own interval
# --------------------------------------------------------------------------


def holm_levels(p_values: npt.ArrayLike, alpha: float = 0.05) -> np.ndarray:
    """The level Holm's step-down tested each hypothesis at.

    Sorted by p-value, hypothesis ``j`` (from 1) is compared with
    ``alpha / (m - j + 1)``, and the procedure stops at the first that is not
    below its level; every later one keeps that stopping level. With these
    levels, ``p_values[i] < levels[i]`` exactly when the Holm-adjusted
    p-value (:func:`holm`) is below ``alpha``, so an interval taken at
    confidence ``1 - levels[i]`` excludes the null exactly when the adjusted
    test rejects it.

    Parameters
    ----------
    p_values : array-like of float, shape (m,)
        Unadjusted p-values.
    alpha : float, default 0.05
        Family-wise error rate.

    Returns
    -------
    ndarray of float, shape (m,)
        The level of each hypothesis, in the input order.

    Examples
    --------
    >>> holm_levels([0.01, 0.04, 0.03]).round(4).tolist()
    [0.0167, 0.025, 0.025]
    """
    if not 0.0 < alpha < 1.0:
        raise SpecError(f"alpha={alpha!r} must be strictly between 0 and 1 (e.g. 0.05).")
    p = np.asarray(p_values, dtype=np.float64).ravel()
    m = p.size
    out = np.empty(m)
    if m == 0:
        return out
    adjusted = holm(p)
    order = np.argsort(p, kind="stable")
    stop = alpha  # level of the step the procedure stopped at (if it stops)
    stopped = False
    for j, i in enumerate(order):
        level = alpha / (m - j)
        if not stopped and not adjusted[i] < alpha:
            stopped, stop = True, level
        out[i] = stop if stopped else level
    return out


@dataclass(frozen=True)
class McNemarInterval:
    """Exact McNemar test and its exact conditional interval for an accuracy difference.

    Given the ``b + c`` rows where exactly one model is right, ``c`` (rows
    only model B gets right) is ``Binomial(b + c, p)``; McNemar's exact test
    is the two-sided binomial test of ``p = 1/2``. The interval inverts the
    same test: a Clopper-Pearson interval for ``p`` at the same level, mapped
    to the accuracy difference ``(c - b) / n = (b + c) / n * (2p - 1)``. The
    factor ``(b + c) / n`` is widened to its own Clopper-Pearson bounds (the
    upper one on the side away from 0), which never moves a bound across 0:
    the interval excludes 0 exactly when the test rejects at that level.

    Attributes
    ----------
    b, c : int
        Rows only model A / only model B gets right.
    n : int
        Rows in total.

    Examples
    --------
    >>> t = McNemarInterval(b=2, c=10, n=400)
    >>> round(t.p_value, 4)
    0.0386
    >>> low, high = t.interval(0.95)
    >>> bool(0 < low < (10 - 2) / 400 < high)
    True
    """

    b: int
    c: int
    n: int

    name = "McNemar"
    method = "exact McNemar test and its exact conditional interval"

    def __post_init__(self) -> None:
        if min(self.b, self.c) < 0 or self.b + self.c > self.n or self.n < 1:
            raise DataError(
                f"b={self.b}, c={self.c}, n={self.n} is not a paired table: the discordant "
                "counts must be non-negative and add up to at most n >= 1."
            )

    @property
    def p_value(self) -> float:
        """Exact two-sided p-value, ``min(1, 2 * binom.cdf(min(b, c), b + c, 1/2))``."""
        m = self.b + self.c
        if m == 0:
            return 1.0
        return min(1.0, 2.0 * float(_sps.binom.cdf(min(self.b, self.c), m, 0.5)))

    def rejects(self, alpha: float) -> bool:
        """Whether the test rejects ``p = 1/2`` at level ``alpha``."""
        return self.p_value < alpha

    def interval(
        self, confidence: float = 0.95, *, reject: bool | None = None
    ) -> tuple[float, float]:
        """Interval for the accuracy difference B minus A at ``confidence``.

        ``reject`` (default: :meth:`rejects` at ``1 - confidence``) is the
        decision the interval must agree with; it only matters when floating
        point puts a bound within rounding of 0.
        """
        confidence = _check_confidence(confidence)
        alpha = _level(confidence)
        if reject is None:
            reject = self.rejects(alpha)
        b, c, n = self.b, self.c, self.n
        m = b + c
        if m == 0:
            p_lo, p_hi = 0.0, 1.0
        else:
            p_lo = 0.0 if c == 0 else float(_sps.beta.ppf(alpha / 2.0, c, m - c + 1))
            p_hi = 1.0 if c == m else float(_sps.beta.ppf(1.0 - alpha / 2.0, c + 1, m - c))
        s_lo = 0.0 if m == 0 else float(_sps.beta.ppf(alpha / 2.0, m, n - m + 1))
        s_hi = 1.0 if m == n else float(_sps.beta.ppf(1.0 - alpha / 2.0, m + 1, n - m))
        e_lo, e_hi = 2.0 * p_lo - 1.0, 2.0 * p_hi - 1.0
        low = e_lo * (s_hi if e_lo < 0 else s_lo)
        high = e_hi * (s_hi if e_hi > 0 else s_lo)
        return _agree(low, high, reject, (c - b) / n)


def _level(confidence: float) -> float:
    """``1 - confidence`` without its rounding: ``interval(1 - a)`` tests at exactly ``a``.

    ``1 - (1 - 0.025)`` is ``0.025000000000000022``; a p-value of exactly
    0.025 would then be rejected by the interval and not by ``p < 0.025``.
    """
    return round(1.0 - confidence, 12)


def _agree(low: float, high: float, reject: bool, point: float) -> tuple[float, float]:
    """Bounds moved (by rounding only) so that "excludes 0" is ``reject``."""
    excludes = low > 0.0 or high < 0.0
    if excludes and not reject:
        low, high = min(low, 0.0), max(high, 0.0)
    elif reject and not excludes:
        tiny = math.ulp(0.0)
        if point > 0:
            low = max(low, tiny)
        elif point < 0:
            high = min(high, -tiny)
    return float(low), float(high)


@dataclass(frozen=True)
class SignFlipTest:
    """Paired sign-flip permutation test of ``mean(d) == shift`` and the interval it inverts.

    The random signs are drawn once, so every shift is tested against the
    same flips: ``p(shift)`` is ``(1 + #{|sum s_i (d_i - shift)| >=
    |sum (d_i - shift)|}) / (1 + R)``, and the interval at level ``alpha`` is
    the set of shifts with ``p(shift) >= alpha`` (Hartigan's permutation
    interval). Each flip accepts a closed interval of shifts around
    ``mean(d)``, so that set is an interval found exactly from the flips'
    endpoints, and it excludes 0 exactly when ``p(0) < alpha``.

    Build it with :meth:`from_differences`.

    Attributes
    ----------
    n : int
        Rows.
    total : float
        ``sum(d)``.
    a, k : ndarray of float, shape (R,)
        For each flip ``s``: ``sum(s * d)`` and ``sum(s)``.
    scale : float
        ``sum(|d|)``, for the tie tolerance.

    Examples
    --------
    >>> import numpy as np
    >>> d = np.r_[np.ones(30), -np.ones(10), np.zeros(960)]
    >>> t = SignFlipTest.from_differences(d)
    >>> round(t.p_value, 3)
    0.002
    >>> low, high = t.interval(0.95)
    >>> bool(0 < low < d.mean() < high)
    True
    """

    n: int
    total: float
    a: np.ndarray
    k: np.ndarray
    scale: float

    name = "permutation"
    method = "paired sign-flip permutation test and the interval that inverts it"

    @classmethod
    def from_differences(
        cls, d: npt.ArrayLike, *, n_resamples: int = 10000, random_state: RandomState = 0
    ) -> SignFlipTest:
        """Draw the flips for per-row differences ``d``.

        When ``d`` takes few distinct values, the flipped rows sharing a value
        are drawn as ``Binomial(count, 1/2)`` (exact); otherwise random sign
        bits are drawn in chunks of about a million.

        Raises
        ------
        DataError
            If ``d`` is empty or not finite.
        """
        x = _as_1d_float(d, "d")
        n_resamples = _check_resamples(n_resamples)
        rng = np.random.default_rng(random_state)
        values, counts = np.unique(x, return_counts=True)
        # an order that ``-d`` shares (value v of d where -v is in -d), so the
        # same draws give ``-d`` the same p-value: the test is symmetric
        order = np.lexsort((np.sign(values), counts, np.abs(values)))
        values, counts = values[order], counts[order]
        a = np.empty(n_resamples)
        k = np.empty(n_resamples)
        if values.size * 8 <= x.size:
            chunk = max(1, _CHUNK_ELEMENTS // values.size)
            for start in range(0, n_resamples, chunk):
                m = min(chunk, n_resamples - start)
                signed = 2 * rng.binomial(counts, 0.5, size=(m, values.size)) - counts
                a[start : start + m] = signed @ values
                k[start : start + m] = signed.sum(axis=1)
        else:
            n = x.size
            total = float(np.sum(x))
            chunk = max(1, (8 * _CHUNK_ELEMENTS) // n)
            for start in range(0, n_resamples, chunk):
                m = min(chunk, n_resamples - start)
                raw = rng.integers(0, 256, size=(m, (n + 7) // 8), dtype=np.uint8)
                bits = np.unpackbits(raw, axis=1, count=n)
                a[start : start + m] = 2.0 * (bits @ x) - total
                k[start : start + m] = 2.0 * bits.sum(axis=1) - n
        return cls(x.size, float(np.sum(x)), a, k, float(np.sum(np.abs(x))))

    def p_value_at(self, shift: float = 0.0) -> float:
        """p-value of ``mean(d) == shift``."""
        observed = abs(self.total - self.n * shift)
        if observed == 0.0 and shift == 0.0 and self.scale == 0.0:
            return 1.0
        flipped = np.abs(self.a - shift * self.k)
        # relative tolerance: a flip equal to the observed one counts despite
        # rounding in a different summation order
        tol = 1e-9 * (self.scale + self.n * abs(shift))
        count = int(np.count_nonzero(flipped >= observed - tol))
        return (1.0 + count) / (1.0 + self.a.size)

    @property
    def p_value(self) -> float:
        """p-value of ``mean(d) == 0``; 1.0 if every difference is zero."""
        return self.p_value_at(0.0)

    def rejects(self, alpha: float) -> bool:
        """Whether the test rejects ``mean(d) == 0`` at level ``alpha``."""
        return self.p_value < alpha

    def interval(
        self, confidence: float = 0.95, *, reject: bool | None = None
    ) -> tuple[float, float]:
        """The shifts the test does not reject at level ``1 - confidence``.

        ``reject`` (default: :meth:`rejects`) is the decision at shift 0 the
        interval must agree with; it only matters within rounding of 0.
        """
        confidence = _check_confidence(confidence)
        alpha = _level(confidence)
        if reject is None:
            reject = self.rejects(alpha)
        r = self.a.size
        point = self.total / self.n
        # accepted iff 1 + count >= alpha * (1 + R): at least `need` flips
        need = math.ceil(alpha * (1.0 + r) - 1.0 - 1e-9)
        if need <= 0:
            return _agree(-math.inf, math.inf, reject, point)
        if need > r:  # no shift is ever accepted at this level: R is too small
            return _agree(point, point, reject, point)
        n, total, a, k = self.n, self.total, self.a, self.k
        # flip r accepts shift u iff |a - u k| >= |total - n u|: the closed
        # interval between (a - total) / (k - n) and (a + total) / (k + n)
        with np.errstate(divide="ignore", invalid="ignore"):
            u1 = np.where(k == n, -np.inf, (a - total) / (k - n))
            u2 = np.where(k == -n, np.inf, (a + total) / (k + n))
        lo = np.minimum(u1, u2)
        hi = np.maximum(u1, u2)
        lo = np.where(k == n, -np.inf, lo)
        hi = np.where(k == n, np.inf, hi)
        lo = np.where(k == -n, -np.inf, lo)
        hi = np.where(k == -n, np.inf, hi)
        low = float(np.partition(lo, need - 1)[need - 1])
        high = float(-np.partition(-hi, need - 1)[need - 1])
        return _agree(min(low, point), max(high, point), reject, point)


def detectable_difference(d: np.ndarray, *, alpha: float = 0.05, power: float = 0.8) -> float:
    """Smallest mean paired difference these rows could tell from noise.

    ``(z_{1 - alpha/2} + z_{power}) * std(d, ddof=1) / sqrt(n)``. When every
    difference is equal (``std == 0``, e.g. no discordant rows) it uses the
    standard deviation of a single 1 among ``n - 1`` zeros, ``1 / sqrt(n)``,
    so the result is never zero.

    Parameters
    ----------
    d : ndarray of shape (n,)
        Per-row paired differences, ``n >= 2``.
    alpha : float, default 0.05
        Two-sided significance level.
    power : float, default 0.8
        Desired power.

    Returns
    -------
    float
        The minimum detectable mean difference, in the units of ``d``.

    Raises
    ------
    DataError
        If ``d`` has fewer than two rows or is not finite.

    Examples
    --------
    >>> import numpy as np
    >>> d = np.r_[np.ones(20), -np.ones(20), np.zeros(960)]
    >>> round(detectable_difference(d), 4)
    0.0177
    """
    x = _as_1d_float(d, "d")
    if not 0.0 < alpha < 1.0:
        raise SpecError(f"alpha={alpha!r} must be strictly between 0 and 1 (e.g. 0.05).")
    if not 0.0 < power < 1.0:
        raise SpecError(f"power={power!r} must be strictly between 0 and 1 (e.g. 0.8).")
    n = x.size
    if n < 2:
        raise DataError(
            f"d has {n} value; a detectable difference needs at least 2 paired differences."
        )
    sd = float(np.std(x, ddof=1))
    if sd == 0.0:
        sd = 1.0 / math.sqrt(n)  # std(ddof=1) of one 1 among n - 1 zeros
    z = float(_sps.norm.ppf(1.0 - alpha / 2.0) + _sps.norm.ppf(power))
    return z * sd / math.sqrt(n)


@dataclass(frozen=True)
class PairedBootstrap:
    """Paired bootstrap of a score difference, its test and the interval that is the test.

    ``replicates`` are the difference B minus A on the same resamples of the
    rows (for scores that are not a mean of per-row terms: F1, ROC AUC, ...).
    The interval at level ``alpha`` is ``[r_(c), r_(R-c+1)]`` of the sorted
    replicates and the p-value ``p(m) = min(1, 2 (m + 1) / (R + 1))`` with
    ``m = min(#{r <= 0}, #{r >= 0})``, ``c`` being the smallest count with
    ``p(c) >= alpha`` (the interval is unbounded when ``c`` is 0): the
    interval excludes 0 exactly when ``p < alpha``, at every level. The
    smallest p-value is ``2 / (R + 1)``, never 0.

    Attributes
    ----------
    point : float
        The observed difference on all rows.
    replicates : ndarray of float, shape (R,)
        The difference on each resample.

    Examples
    --------
    >>> import numpy as np
    >>> t = PairedBootstrap(0.05, np.random.default_rng(0).normal(0.05, 0.02, 1000))
    >>> t.p_value < 0.05, bool(t.interval(0.95)[0] > 0)
    (True, True)
    """

    point: float
    replicates: np.ndarray

    name = "bootstrap"
    method = "paired bootstrap over rows; significant exactly when its interval excludes 0"

    def __post_init__(self) -> None:
        r = np.sort(_as_1d_float(self.replicates, "replicates"))
        object.__setattr__(self, "replicates", r)

    def _p(self, m: int) -> float:
        return min(1.0, 2.0 * (m + 1) / (self.replicates.size + 1))

    @property
    def p_value(self) -> float:
        """``min(1, 2 (m + 1) / (R + 1))``, ``m = min(#{r <= 0}, #{r >= 0})``."""
        r = self.replicates
        return self._p(min(int(np.count_nonzero(r <= 0.0)), int(np.count_nonzero(r >= 0.0))))

    def rejects(self, alpha: float) -> bool:
        """Whether the difference is significant at level ``alpha``."""
        return self.p_value < alpha

    def _count(self, alpha: float) -> int:
        """The smallest ``c >= 0`` with ``p(c) >= alpha``."""
        c = max(0, math.ceil(alpha * (self.replicates.size + 1) / 2.0) - 1)
        while c > 0 and self._p(c - 1) >= alpha:
            c -= 1
        while self._p(c) < alpha:
            c += 1
        return c

    def interval(
        self, confidence: float = 0.95, *, reject: bool | None = None
    ) -> tuple[float, float]:
        """The percentile interval at ``confidence``: excludes 0 exactly when :meth:`rejects`.

        ``reject`` is accepted for the same call as the other paired tests;
        the bootstrap decision is the interval itself.
        """
        confidence = _check_confidence(confidence)
        del reject
        r = self.replicates
        c = self._count(_level(confidence))
        if c == 0:  # too few replicates to reject at this level
            return -math.inf, math.inf
        return float(r[c - 1]), float(r[r.size - c])

    def detectable(self, *, alpha: float = 0.05, power: float = 0.8) -> float:
        """Smallest difference these rows could tell from noise (bootstrap standard error)."""
        sd = float(np.std(self.replicates, ddof=1)) if self.replicates.size > 1 else 0.0
        z = float(_sps.norm.ppf(1.0 - alpha / 2.0) + _sps.norm.ppf(power))
        return z * sd
