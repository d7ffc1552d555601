"""The sequential PASS/FAIL/INCONCLUSIVE rule of a latency budget check.

Pure: it decides from sorted samples and counts, so its error rates can be
simulated on a fake clock (``benchmarks/bench_decision_rates.py``).
:mod:`prodbench.testing` drives it with real samples.

The sequential rule (:class:`SequentialRule`)
---------------------------------------------
Looking after every block and stopping at the first decision is optional
stopping: each look is another chance of a wrong verdict. The error rate
``1 - confidence`` (5% by default) is therefore *spent* over the looks, by a
weighted Bonferroni (union) bound, separately for the two errors:

* half of it goes to the final look at ``max_time``, on every sample;
* the other half is split equally over at most 14 interim looks, taken on
  the first 64, 128, 256, ..., 524,288 samples (a plan fixed in advance);
* each look compares one-sided order-statistic bounds
  (:func:`prodbench.stats.one_sided_bounds`) at its share with the limit;
* with several limits, the false-FAIL share is divided among them too (one
  wrong FAIL of any limit fails the check); a PASS needs every limit.

So over the whole sequence a model truly beyond a limit passes with
probability at most ``1 - confidence``, and a model truly within every limit
fails with probability at most ``1 - confidence``. The intervals printed are
the ones that decided, at the confidence they were taken at (for example
"99.64% CI" at an interim look, "95% CI" at the final one).

Samples that are not independent (:mod:`prodbench.dependence`)
---------------------------------------------------------------
The bounds above assume independent calls. Each look therefore first drops
a leading transient the warm-up missed (a slow or fast start,
:func:`prodbench.dependence.leading_transient`), then tests the rest for
dependence at each limit's percentile; where it is found, the look's bounds
are the batch-means ones over ``n / tau`` effective samples
(:func:`prodbench.dependence.dependent_bounds`). No interim look is taken
before ``min_wall_s`` seconds of sampling (the check sets ``min(3 s, 30% of
max_time)``): a look planned earlier is skipped, its share unspent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from . import dependence
from .budget import PERCENTILE_KEYS, percentile_of
from .errors import BudgetError

__all__ = ["SequentialDecision", "SequentialRule"]


@dataclass(frozen=True)
class SequentialRule:
    """How the error rate of a budget check is spent over its looks.

    Parameters
    ----------
    error_rate : float, default 0.05
        Largest probability of a false PASS, and separately of a false
        FAIL, over the whole sequence of looks.
    first_look : int, default 64
        Samples at the first interim look; each next one doubles it.
    interim_looks : int, default 14
        Number of interim looks (64 ... 524,288 samples by default).
    final_share : float, default 0.5
        Share of ``error_rate`` kept for the final look at ``max_time``.
    min_wall_s : float, default 0.0
        No interim look before this many seconds of sampling (known only
        when :meth:`SequentialDecision.update` is given ``elapsed``).

    Examples
    --------
    >>> rule = SequentialRule()
    >>> rule.looks[:4], rule.looks[-1]
    ((64, 128, 256, 512), 524288)
    >>> rule.alphas(n_limits=1, final=True)
    (0.025, 0.025)
    """

    error_rate: float = 0.05
    first_look: int = 64
    interim_looks: int = 14
    final_share: float = 0.5
    min_wall_s: float = 0.0

    def __post_init__(self) -> None:
        if not self.min_wall_s >= 0.0:
            raise BudgetError(f"min_wall_s must be >= 0 seconds, got {self.min_wall_s!r}.")
        if not 0.0 < self.error_rate < 1.0:
            raise BudgetError(f"error_rate must be between 0 and 1, got {self.error_rate!r}.")
        if not 0.0 < self.final_share <= 1.0:
            raise BudgetError(f"final_share must be in (0, 1], got {self.final_share!r}.")

    @property
    def looks(self) -> tuple[int, ...]:
        """Sample counts of the interim looks, fixed in advance."""
        if self.final_share >= 1.0:
            return ()
        return tuple(self.first_look * 2**k for k in range(self.interim_looks))

    def alphas(self, *, n_limits: int, final: bool) -> tuple[float, float]:
        """``(alpha_pass, alpha_fail)`` of one look: each one-sided bound's error rate.

        ``alpha_pass`` bounds a false PASS (upper bound below the true
        percentile), ``alpha_fail`` a false FAIL, per limit.
        """
        share = self.final_share if final else (1.0 - self.final_share) / self.interim_looks
        alpha = self.error_rate * share
        return alpha, alpha / max(1, n_limits)


@dataclass
class _LimitState:
    key: str
    q: float
    limit: float
    status: str = "pending"
    n: int = 0
    alpha_pass: float = 0.0
    alpha_fail: float = 0.0
    final: bool = False
    start: int = 0
    tau: float = 1.0
    method: str = "order statistics"


@dataclass
class SequentialDecision:
    """The decision sequence of :class:`SequentialRule` over samples in call order.

    Feed it the samples taken so far (the same units as the limits) with
    :meth:`update`; it looks at every planned prefix it has not seen yet
    and, with ``final=True``, at all of them. Pure: no clock, so
    simulations run it on pre-drawn arrays.

    Parameters
    ----------
    limits : mapping of str to float
        ``{"p99": 0.005, ...}``; keys from ``p50``, ``p90``, ``p99``, ``p999``.
    rule : SequentialRule, optional
        How the error rate is spent.

    Examples
    --------
    >>> import numpy as np
    >>> samples = np.random.default_rng(0).lognormal(np.log(0.001), 0.2, 2000)
    >>> d = SequentialDecision({"p99": 0.005})
    >>> d.update(samples, final=True), d.outcome, d.states["p99"].n
    (True, 'pass', 1024)
    """

    limits: Mapping[str, float]
    rule: SequentialRule = field(default_factory=SequentialRule)

    def __post_init__(self) -> None:
        unknown = [k for k in self.limits if percentile_of(k) is None]
        if unknown:
            raise BudgetError(
                f"{unknown[0]!r} is not a percentile limit; use p50 to p99.99 "
                f"({', '.join(PERCENTILE_KEYS)}, p95, ...)."
            )
        self.states = {
            k: _LimitState(k, float(percentile_of(k) or 0.0), float(v))
            for k, v in self.limits.items()
        }
        self._next_look = 0
        self._finished = False

    @property
    def done(self) -> bool:
        """True once the outcome is known (a FAIL, every limit PASS, or the final look)."""
        statuses = {s.status for s in self.states.values()}
        return self._finished or "fail" in statuses or statuses == {"pass"}

    @property
    def outcome(self) -> Literal["pass", "fail", "inconclusive"]:
        """``"fail"`` if a limit failed, ``"pass"`` if every limit passed, else inconclusive."""
        statuses = {s.status for s in self.states.values()}
        if "fail" in statuses:
            return "fail"
        if statuses == {"pass"}:
            return "pass"
        return "inconclusive"

    @property
    def next_look(self) -> int | None:
        """Samples at which the next interim look falls (None when decided or none is left).

        Examples
        --------
        >>> SequentialDecision({"p99": 5_000_000}).next_look
        64
        """
        looks = self.rule.looks
        if self.done or self._next_look >= len(looks):
            return None
        return looks[self._next_look]

    def update(
        self, samples: np.ndarray, *, final: bool = False, elapsed: float | None = None
    ) -> bool:
        """Look at every planned prefix of ``samples`` not seen yet; return :attr:`done`.

        ``final=True`` is the look at ``max_time``: every sample, the final
        share of the error rate; limits still undecided become inconclusive.
        ``elapsed`` is the seconds of sampling that gave ``samples``; a
        planned look whose prefix took less than the rule's ``min_wall_s``
        (``elapsed`` prorated by samples) is skipped.
        """
        x = np.asarray(samples)
        looks = self.rule.looks
        while not self.done and self._next_look < len(looks) and looks[self._next_look] <= x.size:
            k = looks[self._next_look]
            self._next_look += 1
            if elapsed is not None and elapsed * k / x.size < self.rule.min_wall_s:
                continue  # too early: the machine's first second is not a sample of it
            self._look(x[:k], final=False)
        if final and not self.done:
            if x.size:
                self._look(x, final=True)
            for s in self.states.values():
                if s.status == "pending":
                    s.status = "inconclusive"
                    s.n, s.final = x.size, True
                    s.alpha_pass, s.alpha_fail = self.rule.alphas(
                        n_limits=len(self.states), final=True
                    )
            self._finished = True
        return self.done

    def _look(self, x: np.ndarray, *, final: bool) -> None:
        a_pass, a_fail = self.rule.alphas(n_limits=len(self.states), final=final)
        pending = [s for s in self.states.values() if s.status == "pending"]
        if not final and not any(
            _decides(
                int(np.count_nonzero(x <= s.limit)), *_bounds(x.size, s.q, a_fail, a_pass, 1.0)
            )
            for s in pending
        ):
            return  # nothing decides even as if independent: the checks below only widen
        start = dependence.leading_transient(x)
        y = x[start:]
        n = y.size
        for s in self.states.values():
            if s.status != "pending":
                continue
            below = int(np.count_nonzero(y <= s.limit))
            # Dependence only ever widens the bounds: test it where the
            # independent bounds would decide, and at the final look.
            tau = 1.0
            if final or _decides(below, *_bounds(n, s.q, a_fail, a_pass, 1.0)):
                found = dependence.check_dependence(y, s.q)
                tau = found.tau
                s.method = found.method
                if start:
                    s.method = f"first {start:,} calls dropped as a transient; {s.method}"
            s.start, s.tau = start, tau
            lo, hi = _bounds(n, s.q, a_fail, a_pass, tau)
            if hi is not None and below >= hi + 1:  # x_(hi) <= limit
                s.status = "pass"
            elif lo is not None and below < lo + 1:  # x_(lo) > limit
                s.status = "fail"
            else:
                continue
            s.n, s.alpha_pass, s.alpha_fail, s.final = x.size, a_pass, a_fail, final


def _bounds(
    n: int, q: float, a_fail: float, a_pass: float, tau: float
) -> tuple[int | None, int | None]:
    """The look's lower bound (at ``a_fail``) and upper bound (at ``a_pass``), as indices."""
    return (
        dependence.dependent_bounds(n, q, a_fail, tau)[0],
        dependence.dependent_bounds(n, q, a_pass, tau)[1],
    )


def _decides(below: int, lo: int | None, hi: int | None) -> bool:
    """True when ``below`` samples at or under the limit pass or fail with these bounds."""
    return (hi is not None and below >= hi + 1) or (lo is not None and below < lo + 1)
