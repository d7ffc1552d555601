"""Are a candidate's latency samples independent? And intervals that hold when they are not.

Every order-statistic interval (:func:`prodbench.stats.percentile_interval`)
and every look of the sequential budget rule assumes that the calls are
independent draws. Real machines do not give that: a neighbour's burst slows
twenty calls in a row, a frequency change slows a whole second, a cache warms
over the first few hundred calls. This module tests the sequence in call
order for that, and gives the interval to use instead when it finds it.

The tests (:func:`check_dependence`), each of the exceedance indicators
``I_t = [x_t > percentile(x, q)]`` or of the ranks, each one-sided at
``alpha`` (1% by default):

* a runs test of the exceedances: given ``m`` exceedances in ``n`` calls, the
  number of runs of them is exactly distributed under exchangeability; too
  few runs means that slow calls come in clusters;
* the lag-1 autocorrelation of the indicator of calls slower than the
  median (a slow call followed by a slow call): ``sqrt(n) * r1`` is about
  standard normal under independence;
* a split-half comparison of the exceedance counts: given ``m``, the count in
  the first half is hypergeometric; too far from half means the speed moved.

The fallback when one of them fires is *batch means over blocks of calls*
applied to the exceedance indicator: the count of calls below the true
percentile has variance ``n p (1 - p) tau`` instead of ``n p (1 - p)``, with
``tau`` the long-run variance factor of the indicator, estimated from the
spread of its block means (blocks of :func:`block_length` calls, chosen from
the autocorrelation of the ranks), and taken at an upper confidence bound so
that its own noise does not make the interval short. The order-statistic
interval is then taken over ``n / tau`` effective samples and its ranks
scaled back to ``n``: the same interval when ``tau = 1``, and wider by
about ``sqrt(tau)`` otherwise.

A leading transient (a slow start the warm-up did not see) is found by the
marginal-standard-error rule (MSER, White 1997) over block medians, and
counted only when the step is significant (:func:`leading_transient`). The
warm-up itself ends when block medians stop moving (:func:`settled`).

Pure: numpy and scipy are imported inside the functions, and nothing reads a
clock, so simulations run every rule on pre-drawn arrays
(``benchmarks/bench_dependence.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import SpecError

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "Dependence",
    "block_length",
    "check_dependence",
    "dependent_bounds",
    "lag1_autocorrelation",
    "leading_transient",
    "median_noise",
    "min_wall_time",
    "percentile_interval",
    "runs_pvalue",
    "settled",
    "split_half_pvalue",
]

ALPHA = 0.01
"""Level of each dependence test (one-sided)."""

MIN_SAMPLES = 50
"""Below this many samples nothing is tested (too few to see dependence)."""

_MIN_BLOCKS = 10


def _as_array(samples: Any) -> np.ndarray:
    import numpy as np

    x = np.asarray(samples, dtype=np.float64).ravel()
    if x.size and not np.isfinite(x).all():
        raise SpecError("The samples hold NaN or infinite values; pass finite latencies.")
    return x


def _check_q(q: float) -> float:
    q = float(q)
    if not 0.0 < q < 100.0:
        raise SpecError(f"Percentile q={q!r} must be strictly between 0 and 100.")
    return q


def min_wall_time(max_time: float) -> float:
    """Seconds of sampling before the first interim budget decision: ``min(3 s, 30% of max_time)``.

    A machine (or model) that is fast for its first seconds (a turbo boost
    that ends, a cache that fills) shows only fast calls to every look in
    them, and no test on those calls can tell; 3 s covers the first 2 s of
    such a start with room for the later calls to show the step. A check
    that is clear-cut still stops at its first look.

    Parameters
    ----------
    max_time : float
        The check's ``max_time`` in seconds.

    Returns
    -------
    float

    Examples
    --------
    >>> min_wall_time(10.0), min_wall_time(2.0)
    (3.0, 0.6)
    """
    return min(3.0, 0.3 * float(max_time))


def exceedances(samples: Any, q: float) -> np.ndarray:
    """The indicator of calls slower than the sample's ``q``-th percentile, in call order.

    Parameters
    ----------
    samples : array-like
        Latencies in call order.
    q : float
        Percentile in percent.

    Returns
    -------
    ndarray of bool

    Examples
    --------
    >>> exceedances([1, 5, 2, 6], 50).tolist()
    [False, True, False, True]
    """
    import numpy as np

    x = _as_array(samples)
    if not x.size:
        return np.zeros(0, dtype=bool)
    return x > np.percentile(x, _check_q(q))


def runs_pvalue(indicators: Any) -> float:
    """Exact probability of so few runs of ``True`` under exchangeability (clustering).

    With ``m`` ones among ``n`` places in random order, the number ``R`` of
    runs of ones has ``P(R = r) = C(m-1, r-1) C(n-m+1, r) / C(n, m)``. The
    p-value is ``P(R <= observed)``: small when ones come in clusters.

    Parameters
    ----------
    indicators : array-like of bool
        In call order.

    Returns
    -------
    float
        1.0 when there are no ones or no zeros.

    Examples
    --------
    >>> runs_pvalue([0, 1, 0, 1, 0, 1, 0, 1]) > 0.5
    True
    >>> runs_pvalue([0] * 40 + [1] * 10 + [0] * 50) < 0.001
    True
    """
    import numpy as np

    ind = np.asarray(indicators, dtype=bool).ravel()
    n, m = int(ind.size), int(ind.sum())
    if m == 0 or m == n:
        return 1.0
    runs = int(ind[0]) + int(np.count_nonzero(ind[1:] & ~ind[:-1]))
    r = np.arange(1, min(runs, n - m + 1) + 1, dtype=np.float64)
    logp = _log_comb(m - 1, r - 1) + _log_comb(n - m + 1, r) - _log_comb(n, m)
    return float(min(1.0, np.exp(logp).sum()))


def split_half_pvalue(indicators: Any) -> float:
    """Exact two-sided p-value that the ones fall evenly between the two halves.

    Given ``m`` ones in ``n`` places, the count in the first ``n // 2`` is
    hypergeometric under exchangeability.

    Parameters
    ----------
    indicators : array-like of bool
        In call order.

    Returns
    -------
    float

    Examples
    --------
    >>> split_half_pvalue([1, 0] * 50) > 0.5
    True
    >>> split_half_pvalue([1] * 20 + [0] * 80) < 0.001
    True
    """
    import numpy as np

    ind = np.asarray(indicators, dtype=bool).ravel()
    n, m = int(ind.size), int(ind.sum())
    if m == 0 or m == n or n < 2:
        return 1.0
    half = n // 2
    a = int(ind[:half].sum())
    k = np.arange(max(0, m - (n - half)), min(m, half) + 1, dtype=np.float64)
    pmf = np.exp(_log_comb(m, k) + _log_comb(n - m, half - k) - _log_comb(n, half))
    p = 2.0 * min(float(pmf[k <= a].sum()), float(pmf[k >= a].sum()))
    return float(min(1.0, p))


def _log_comb(a: Any, b: Any) -> np.ndarray:
    import numpy as np
    from scipy.special import gammaln

    return np.asarray(
        gammaln(np.add(a, 1)) - gammaln(np.add(b, 1)) - gammaln(np.subtract(a, b) + 1)
    )


def _ranks(x: np.ndarray, ordered: np.ndarray | None = None) -> np.ndarray:
    """Average ranks (ties share theirs), from the sorted values."""
    import numpy as np

    ordered = np.sort(x) if ordered is None else ordered
    left = np.searchsorted(ordered, x, side="left")
    right = np.searchsorted(ordered, x, side="right")
    return np.asarray((left + right + 1) / 2.0, dtype=np.float64)


def _lag1(ranks: np.ndarray) -> float:
    import numpy as np

    y = ranks - ranks.mean()
    denominator = float(np.dot(y, y))
    return float(np.dot(y[:-1], y[1:])) / denominator if denominator > 0 else 0.0


def _acf(x: np.ndarray, max_lag: int) -> np.ndarray:
    import numpy as np

    y = x - x.mean()
    n = y.size
    size = 1 << math.ceil(math.log2(max(2, 2 * n)))
    f = np.fft.rfft(y, size)
    full = np.fft.irfft(f * np.conj(f), size)[: max_lag + 1]
    if full[0] <= 0:
        return np.zeros(max_lag + 1)
    return np.asarray(full / full[0])


def lag1_autocorrelation(samples: Any) -> float:
    """Lag-1 autocorrelation of the ranks of a sequence (0 for a constant or short one).

    Parameters
    ----------
    samples : array-like
        Values in call order.

    Returns
    -------
    float

    Examples
    --------
    >>> round(lag1_autocorrelation([1, 2, 3, 4, 5, 6, 7, 8]), 2)
    0.62
    """
    x = _as_array(samples)
    if x.size < 3:
        return 0.0
    return _lag1(_ranks(x))


def block_length(samples: Any) -> int:
    """Calls per block for batch means: three times the lag where the ranks decorrelate.

    The lag is the first where the autocorrelation of the ranks drops below
    ``2 / sqrt(n)``; the block is three times it, at least 10 calls, and at
    most ``n / 10`` (so there are at least ten blocks).

    Parameters
    ----------
    samples : array-like
        Values in call order.

    Returns
    -------
    int

    Examples
    --------
    >>> import numpy as np
    >>> block_length(np.random.default_rng(0).random(2000))
    10
    >>> block_length(np.repeat(np.random.default_rng(0).random(100), 20)) >= 60
    True
    """
    import numpy as np

    x = _as_array(samples)
    n = int(x.size)
    top = max(1, n // _MIN_BLOCKS)
    if n < 3:
        return top
    acf = _acf(_ranks(x), min(top, n - 1))
    below = np.flatnonzero(acf[1:] < 2.0 / math.sqrt(n))
    lag = int(below[0]) + 1 if below.size else top
    return int(min(top, max(10, 3 * lag)))


def _tau(indicators: np.ndarray, block: int, upper: float = 0.75) -> float:
    """Long-run variance factor of an indicator, at an upper confidence bound (>= 1)."""
    import numpy as np
    from scipy.stats import chi2

    n = indicators.size
    k = n // block
    if k < 2:
        return math.inf
    p = float(indicators.mean())
    if p <= 0.0 or p >= 1.0:
        return 1.0
    means = indicators[: k * block].reshape(k, block).mean(axis=1)
    tau = block * float(np.var(means, ddof=1)) / (p * (1.0 - p))
    # chi-square upper bound on the variance from k block means
    tau *= (k - 1) / float(chi2.ppf(1.0 - upper, k - 1))
    return max(1.0, tau, _cluster_tau(indicators))


def _cluster_tau(indicators: np.ndarray) -> float:
    """``sum(size^2) / sum(size)`` over the runs of ones: the variance factor of clustered counts.

    A count made of independent clusters has variance ``E[clusters] E[size^2]``
    instead of ``E[count]``; with few clusters (a handful of bursts) the block
    means see them too rarely to estimate that, and this does not.
    """
    import numpy as np

    ind = np.concatenate(([False], indicators.astype(bool), [False]))
    edges = np.flatnonzero(np.diff(ind.astype(np.int8)))
    sizes = (edges[1::2] - edges[::2]).astype(np.float64)
    if not sizes.size:
        return 1.0
    return float((sizes**2).sum() / sizes.sum())


@dataclass(frozen=True)
class Dependence:
    """What :func:`check_dependence` found in one sequence of calls, for one percentile.

    Parameters
    ----------
    n : int
        Samples tested.
    q : float
        The percentile whose exceedances were tested.
    runs_p, lag1_p, split_p : float
        p-values of the runs test of the exceedances (clustering), the lag-1
        autocorrelation of the calls slower than the median, and the
        split-half comparison of the exceedance counts (a move).
    lag1 : float
        The lag-1 autocorrelation of the indicator of calls slower than the median.
    block : int
        Calls per block of the batch means.
    tau : float
        Variance factor of the exceedance count (1 when independent).
    alpha : float
        Level of each test.

    Examples
    --------
    >>> import numpy as np
    >>> d = check_dependence(np.random.default_rng(1).lognormal(0, 0.3, 3000), 99)
    >>> d.dependent, d.tau
    (False, 1.0)
    """

    n: int
    q: float
    runs_p: float = 1.0
    lag1_p: float = 1.0
    split_p: float = 1.0
    lag1: float = 0.0
    block: int = 1
    tau: float = 1.0
    alpha: float = ALPHA

    @property
    def dependent(self) -> bool:
        """True when a test fired: the intervals use :attr:`tau`."""
        return min(self.runs_p, self.lag1_p, self.split_p) < self.alpha

    @property
    def reasons(self) -> tuple[str, ...]:
        """What fired, in words."""
        out = []
        if self.runs_p < self.alpha:
            out.append("slow calls came in clusters")
        if self.lag1_p < self.alpha:
            out.append(f"consecutive calls were correlated (lag-1 {self.lag1:+.2f})")
        if self.split_p < self.alpha:
            out.append("the speed moved between the first and second half")
        return tuple(out)

    @property
    def method(self) -> str:
        """How the interval was computed, to print next to it."""
        if not self.dependent:
            return "order statistics"
        return f"batch means over blocks of {self.block} calls: calls were dependent"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict.

        Returns
        -------
        dict

        Examples
        --------
        >>> Dependence(n=100, q=99.0).to_dict()["dependent"]
        False
        """
        return {
            "n": self.n,
            "q": self.q,
            "dependent": self.dependent,
            "method": self.method,
            "reasons": list(self.reasons),
            "runs_p": self.runs_p,
            "lag1_p": self.lag1_p,
            "split_p": self.split_p,
            "lag1": self.lag1,
            "block": self.block,
            "tau": self.tau if math.isfinite(self.tau) else None,
        }


def check_dependence(samples: Any, q: float, *, alpha: float = ALPHA) -> Dependence:
    """Test a sequence of latencies, in call order, for dependence at its ``q``-th percentile.

    Parameters
    ----------
    samples : array-like
        Latencies in call order (any unit).
    q : float
        Percentile in percent.
    alpha : float, default 0.01
        Level of each of the three one-sided tests.

    Returns
    -------
    Dependence
        With ``tau = 1`` when nothing fired or there are fewer than
        :data:`MIN_SAMPLES` samples.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> bursts = np.repeat(rng.lognormal(0, 0.5, 150), 20)  # 20 calls alike in a row
    >>> d = check_dependence(bursts, 99)
    >>> d.dependent, d.tau > 5
    (True, True)
    """
    import numpy as np

    from . import stats

    q = _check_q(q)
    x = _as_array(samples)
    n = int(x.size)
    if n < MIN_SAMPLES:
        return Dependence(n=n, q=q, alpha=alpha)

    ordered = np.sort(x)
    ind = x > stats.percentile(ordered, q)
    # correlation of consecutive calls: of the indicator over the median (robust, O(n))
    r1 = _lag1((x > stats.percentile(ordered, 50.0)).astype(np.float64))
    found = Dependence(
        n=n,
        q=q,
        runs_p=runs_pvalue(ind),
        lag1_p=0.5 * math.erfc((r1 + 1.0 / n) * math.sqrt(n) / math.sqrt(2.0)),
        split_p=split_half_pvalue(ind),
        lag1=r1,
        alpha=alpha,
    )
    if not found.dependent:
        return found
    block = block_length(x)
    return Dependence(
        n=n,
        q=q,
        runs_p=found.runs_p,
        lag1_p=found.lag1_p,
        split_p=found.split_p,
        lag1=r1,
        block=block,
        tau=_tau(ind, block),
        alpha=alpha,
    )


def _scale(index: int | None, n_eff: int, n: int, *, up: bool) -> int | None:
    if index is None:
        return None
    rank = (index + 1) * n / n_eff
    out = (math.ceil(rank) if up else math.floor(rank)) - 1
    if out >= n:
        return None
    return out if out >= 0 else None


def dependent_bounds(
    n: int, q: float, alpha: float, tau: float = 1.0
) -> tuple[int | None, int | None]:
    """One-sided order-statistic bounds over ``n / tau`` effective samples, as indices into ``n``.

    With ``tau = 1`` exactly :func:`prodbench.stats.one_sided_bounds`.

    Parameters
    ----------
    n : int
        Samples.
    q : float
        Percentile in percent.
    alpha : float
        Error rate of each bound.
    tau : float, default 1.0
        Variance factor from :func:`check_dependence`.

    Returns
    -------
    lo, hi : int or None
        0-based indices into the sorted samples; ``None`` where a side is open.

    Examples
    --------
    >>> dependent_bounds(1000, 50, 0.025)
    (468, 531)
    >>> dependent_bounds(1000, 50, 0.025, tau=4.0)
    (439, 563)
    """
    from . import stats

    if not math.isfinite(tau):
        return None, None
    if tau <= 1.0:
        return stats.one_sided_bounds(int(n), float(q), float(alpha))
    n_eff = max(1, int(n / tau))
    lo, hi = stats.one_sided_bounds(n_eff, float(q), float(alpha))
    return _scale(lo, n_eff, int(n), up=False), _scale(hi, n_eff, int(n), up=True)


def percentile_interval(
    samples: Any, q: float, confidence: float = 0.95, *, dependence: Dependence | None = None
) -> tuple[float, float, Dependence]:
    """The percentile's interval, tested for dependence first; the fallback when found.

    Parameters
    ----------
    samples : array-like
        Latencies in call order (not sorted: the order is what is tested).
    q : float
        Percentile in percent.
    confidence : float, default 0.95
        Two-sided coverage.
    dependence : Dependence, optional
        A test already made on these samples.

    Returns
    -------
    low, high : float
        ``-inf`` / ``+inf`` where a side is open.
    Dependence
        What was found; its :attr:`Dependence.method` says which interval this is.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).lognormal(0, 0.3, 2000)
    >>> low, high, d = percentile_interval(x, 50)
    >>> d.method, bool(low < 1.0 < high)
    ('order statistics', True)
    """
    import numpy as np

    x = _as_array(samples)
    d = check_dependence(x, q) if dependence is None else dependence
    if not x.size:
        return -math.inf, math.inf, d
    ordered = np.sort(x)
    alpha = (1.0 - float(confidence)) / 2.0
    if d.dependent:
        lo, hi = dependent_bounds(x.size, q, alpha, d.tau)
    else:
        from . import stats

        lo, hi = stats.order_statistic_bounds(int(x.size), float(q), float(confidence))
    low = -math.inf if lo is None else float(ordered[lo])
    high = math.inf if hi is None else float(ordered[hi])
    return low, high, d


def leading_transient(samples: Any, *, blocks: int = 50, z: float = 4.0) -> int:
    """Calls at the start that are out of line with the rest (a slow or fast start), or 0.

    The sequence is cut into ``blocks`` blocks; the truncation point ``d``
    (in blocks, at most half of them) minimises the marginal standard error
    of the log block medians after it (MSER). It counts only when the
    medians before ``d`` differ from those after by more than ``z``
    standard errors; otherwise 0.

    Parameters
    ----------
    samples : array-like
        Positive latencies in call order.
    blocks : int, default 50
        Blocks to cut the sequence into.
    z : float, default 4.0
        How many standard errors the step must be.

    Returns
    -------
    int
        Calls to drop from the start.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).lognormal(0, 0.2, 5000)
    >>> leading_transient(x)
    0
    >>> x[:500] *= 3  # a slow start
    >>> 400 <= leading_transient(x) <= 700
    True
    """
    import numpy as np

    x = _as_array(samples)
    size = x.size // blocks
    if size < 5 or (x <= 0).any():
        return 0
    med = np.log(np.median(x[: size * blocks].reshape(blocks, size), axis=1))
    # MSER(d) = var(med[d:]) / len(med[d:]), from suffix sums, for d <= blocks / 2
    count = np.arange(blocks, 0, -1, dtype=np.float64)
    total = np.cumsum(med[::-1])[::-1]
    squares = np.cumsum((med**2)[::-1])[::-1]
    var = squares / count - (total / count) ** 2
    score = (var / count)[: blocks // 2 + 1]
    best_d = int(np.argmin(score))
    if best_d == 0:
        return 0
    before, after = med[:best_d], med[best_d:]
    spread = float(after.std(ddof=1)) or 1e-12
    step = abs(float(before.mean()) - float(after.mean()))
    if step <= z * spread * math.sqrt(1.0 / before.size + 1.0 / after.size):
        return 0
    return int(best_d * size)


def settled(
    block_medians: Any, *, tolerance: float = 0.05, window: int = 3, noise: float = 0.0
) -> bool:
    """True when the last ``window`` block medians agree: the warm-up's stopping rule.

    The warm-up runs blocks until this holds (bounded by the caller).
    "Agree" is a relative spread (max / min - 1) of at most ``tolerance``,
    or of at most three times ``noise`` when the medians are that noisy.

    Parameters
    ----------
    block_medians : sequence of float
        Median latency of each warm-up block, oldest first.
    tolerance : float, default 0.05
        Largest relative spread of the last ``window`` medians.
    window : int, default 3
        How many blocks must agree.
    noise : float, default 0.0
        Relative standard error of one block median (from its spread), so
        that a noisy but steady model settles too.

    Returns
    -------
    bool

    Examples
    --------
    >>> settled([3.0, 2.0, 1.5, 1.2, 1.1])
    False
    >>> settled([3.0, 2.0, 1.01, 1.0, 1.02])
    True
    """
    values = [float(v) for v in block_medians][-int(window) :]
    if len(values) < window or min(values) <= 0:
        return False
    return max(values) / min(values) - 1.0 <= max(tolerance, 3.0 * float(noise))


def median_noise(block: Any) -> float:
    """Relative standard error of a block's median, from its interquartile range.

    Parameters
    ----------
    block : array-like
        One block's latencies.

    Returns
    -------
    float
        ``1.253 * (IQR / 1.349) / sqrt(n) / median`` (0 for an empty or zero block).

    Examples
    --------
    >>> round(median_noise([9, 10, 10, 11] * 25), 3)
    0.005
    """
    import numpy as np

    x = _as_array(block)
    if not x.size:
        return 0.0
    q1, med, q3 = np.percentile(x, [25, 50, 75])
    if med <= 0:
        return 0.0
    return float(1.253 * (q3 - q1) / 1.349 / math.sqrt(x.size) / med)
