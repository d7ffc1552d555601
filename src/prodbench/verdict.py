"""Budgets, deltas against the baseline, the Pareto front and the picks.

This is where "the ensemble buys 0.2% accuracy; is that real, and is it
worth its latency?" is answered: a paired test on the same test rows for
the score, bootstrap intervals for latency ratios, three-valued budget
checks on percentile intervals, and a research pick against a production
pick.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from . import stats
from ._saved import check_saved_names
from .budget import (
    PERCENTILE_KEYS,
    UNDERSAMPLED_MARK,
    Budget,
    BudgetCheck,
    check_budget,
    check_latency,
)
from .budget import format_confidence as _pct
from .budget import format_limit as _fmt_limit
from .deltas import ALPHA, Delta, _predictions_key, paired_test
from .errors import BudgetError, CandidateError, SchemaError
from .results import (
    SCHEMA_VERSION,
    ModelResult,
    check_schema,
    load_json,
    write_json_atomic,
)
from .units import (
    format_bytes,
    format_duration,
    format_p_value,
    format_ratio,
    format_score,
    format_score_diff,
    lower_is_better,
    parse_size,
    round_up,
    say_speed,
    score_label,
)

if TYPE_CHECKING:
    from .serving_results import Capacity

__all__ = [
    "DEFAULT_PRICE_PER_CORE_HOUR",
    "PERCENTILE_KEYS",
    "UNDERSAMPLED_MARK",
    "Budget",
    "BudgetCheck",
    "Comparison",
    "Delta",
    "FailedCandidate",
    "ProductionDecision",
    "Stakeholder",
    "check_latency",
]

DEFAULT_PRICE_PER_CORE_HOUR = 0.05
"""US dollars per core-hour used for the manager's cost when none is given."""


# --------------------------------------------------------------------------- comparison
@dataclass(frozen=True)
class FailedCandidate:
    """A candidate that could not be measured, with its error.

    Examples
    --------
    >>> import prodbench as pb
    >>> f = pb.FailedCandidate("broken", "fit", "ValueError", "Input contains NaN")
    >>> f.to_dict()["phase"]
    'fit'
    """

    name: str
    phase: str
    error_type: str
    message: str

    def to_dict(self) -> dict[str, str]:
        """A JSON-ready dict: ``name``, ``phase``, ``error_type`` and ``message``.

        Returns
        -------
        dict of str to str

        Examples
        --------
        >>> import prodbench as pb
        >>> pb.FailedCandidate("broken", "fit", "ValueError", "boom").to_dict()
        {'name': 'broken', 'phase': 'fit', 'error_type': 'ValueError', 'message': 'boom'}
        """
        return {
            "name": self.name,
            "phase": self.phase,
            "error_type": self.error_type,
            "message": self.message,
        }


def _fits_for_interval(confidence: float) -> int:
    """Fits per candidate for a median fit-time ratio interval at ``confidence``."""
    n = 2
    while None in stats.one_sided_bounds(n, 50, (1.0 - confidence) / 4.0):
        n += 1
    return n


# How a score sentence names the paired test and the interval that inverts it.
_TEST_WORDS = {
    "McNemar": ("exact McNemar", "exact conditional"),
    "permutation": ("sign-flip permutation", "permutation-inverted"),
    "bootstrap": ("paired bootstrap", "bootstrap percentile, the test itself"),
}


@dataclass(frozen=True)
class Stakeholder:
    """One of the seed's production stakeholders, with its objective and pick.

    Examples
    --------
    >>> import prodbench as pb
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.naive_bayes import GaussianNB
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> cmp = pb.compare([GaussianNB(), DecisionTreeClassifier()], X, y,
    ...                  budget="p99=50ms", max_time=0.3, batch_sizes=(1,))
    >>> [s.role for s in cmp.stakeholders]
    ['ML engineer', 'Product manager', 'Infrastructure', 'Manager']
    """

    role: str
    objective: str
    pick: str | None
    reason: str


@dataclass(frozen=True, eq=False)
class Comparison:
    """Several candidates measured on the same rows, and what follows from it.

    Build it with :func:`prodbench.compare`. Holds the :class:`ModelResult`
    of each candidate (``cmp.results[name]``) and the candidates that failed
    (``cmp.failures``); everything else is derived when asked.

    Examples
    --------
    >>> import prodbench as pb
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> cmp = pb.compare([LogisticRegression(max_iter=5000), KNeighborsClassifier()],
    ...                  X, y, max_time=0.3)
    >>> cmp.baseline, cmp.versus("KNeighborsClassifier").score_name
    ('LogisticRegression', 'accuracy')
    """

    names: tuple[str, ...]
    results: dict[str, ModelResult]
    failures: dict[str, FailedCandidate] = field(default_factory=dict)
    baseline: str = ""
    budget: Budget | None = None
    options: dict[str, Any] = field(default_factory=dict)
    price_per_core_hour: float = DEFAULT_PRICE_PER_CORE_HOUR

    @classmethod
    def build(
        cls,
        *,
        names: list[str],
        results: Mapping[str, ModelResult],
        failures: Mapping[str, Exception],
        baseline: str,
        budget: Budget | None,
        options: Mapping[str, Any],
        price_per_core_hour: float | None = None,
    ) -> Comparison:
        """Assemble from measured results and the errors of failed candidates.

        :func:`prodbench.compare` calls this; use it to rebuild a comparison from
        results measured separately (on the same rows) or to change the baseline.

        Parameters
        ----------
        names : list of str
            Every candidate, in table order (failed ones included).
        results : Mapping of str to ModelResult
            The measured candidates.
        failures : Mapping of str to Exception
            The candidates that failed, with their error.
        baseline : str
            The candidate the others are compared with.
        budget : Budget or None
            The latency budget, if any.
        options : Mapping
            The options the run used (kept in the saved JSON).
        price_per_core_hour : float, optional
            For the cost per million predictions.

        Returns
        -------
        Comparison

        Examples
        --------
        >>> import prodbench as pb
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.naive_bayes import GaussianNB
        >>> from sklearn.tree import DecisionTreeClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> cmp = pb.compare([GaussianNB(), DecisionTreeClassifier()], X, y,
        ...                  budget="p99=50ms", max_time=0.3, batch_sizes=(1,))
        >>> other = pb.Comparison.build(names=list(cmp.names), results=cmp.results, failures={},
        ...                             baseline="DecisionTreeClassifier", budget=None, options={})
        >>> other.baseline
        'DecisionTreeClassifier'
        """
        failed = {
            n: FailedCandidate(
                name=n,
                phase=getattr(exc, "phase", "") or "setup",
                error_type=type(exc.__cause__ or exc).__name__,
                message=str(exc),
            )
            for n, exc in failures.items()
        }
        return cls(
            names=tuple(names),
            results={n: results[n] for n in names if n in results},
            failures=failed,
            baseline=baseline,
            budget=budget,
            options=dict(options),
            price_per_core_hour=(
                DEFAULT_PRICE_PER_CORE_HOUR if price_per_core_hour is None else price_per_core_hour
            ),
        )

    # -- derived ---------------------------------------------------------------
    @property
    def measured(self) -> list[str]:
        """Names of candidates that were measured, in order."""
        return [n for n in self.names if n in self.results]

    @property
    def ok(self) -> bool:
        """True when no candidate failed."""
        return not self.failures

    @cached_property
    def _deltas(self) -> dict[str, Delta]:
        if self.baseline not in self.results:
            return {}
        base = self.results[self.baseline]
        raw = {n: Delta.between(base, self.results[n]) for n in self.measured if n != self.baseline}
        # Many challengers, one error rate: Holm across the challengers.
        names = list(raw)
        # Each interval is taken at the level Holm tested its challenger at,
        # so it excludes 0 exactly when the adjusted p-value is significant.
        p_raw = [raw[n].p_value_raw for n in names]
        adjusted, family = self._holm(names, p_raw)
        levels = self._holm_levels(names, p_raw)
        return {
            n: raw[n].adjusted(p, family, level)
            for n, p, level in zip(names, adjusted, levels, strict=True)
        }

    def _holm_levels(self, names: list[str], p_values: list[float]) -> list[float]:
        """The level Holm's step-down tested each hypothesis at (copies counted once)."""
        keys = [_predictions_key(self.results[n].score.y_pred) for n in names]
        distinct = list(dict.fromkeys(keys))
        first: dict[bytes, float] = {}
        for key, p in zip(keys, p_values, strict=True):
            first.setdefault(key, p)
        levels = stats.holm_levels([first[k] for k in distinct], ALPHA)
        by_key = dict(zip(distinct, levels, strict=True))
        return [float(by_key[k]) for k in keys]

    def _holm(self, names: list[str], p_values: list[float]) -> tuple[list[float], int]:
        """Holm-adjusted p-values, one hypothesis per distinct set of predictions.

        Candidates whose test-set predictions are identical (a model and its
        compiled runtime variant with full parity, say) test the same
        hypothesis with the same p-value, so they count once in the family:
        counting each copy would only make the adjustment stricter for no
        reason. Returns the adjusted values (in ``names`` order) and the
        family size.
        """
        keys = [_predictions_key(self.results[n].score.y_pred) for n in names]
        distinct = list(dict.fromkeys(keys))
        first: dict[bytes, float] = {}
        for key, p in zip(keys, p_values, strict=True):
            first.setdefault(key, p)
        adjusted = dict(zip(distinct, stats.holm([first[k] for k in distinct]), strict=True))
        return [float(adjusted[k]) for k in keys], len(distinct)

    def versus(self, name: str) -> Delta:
        """The :class:`Delta` of candidate ``name`` against the baseline.

        Parameters
        ----------
        name : str
            A candidate's name, as in ``cmp.names``.

        Returns
        -------
        Delta
            Score difference with its paired interval and p-value (Holm-adjusted
            across the challengers), latency ratios with intervals.

        Examples
        --------
        >>> import prodbench as pb
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.naive_bayes import GaussianNB
        >>> from sklearn.tree import DecisionTreeClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> cmp = pb.compare([GaussianNB(), DecisionTreeClassifier()], X, y,
        ...                  budget="p99=50ms", max_time=0.3, batch_sizes=(1,))
        >>> d = cmp.versus("DecisionTreeClassifier")
        >>> d.baseline, d.score_name
        ('GaussianNB', 'accuracy')
        """
        if name not in self.results:
            raise CandidateError(self._unknown(name))
        if self.baseline not in self.results:
            raise CandidateError(
                f"The baseline {self.baseline!r} failed, so there is nothing to compare "
                f"{name!r} with. Fix the baseline or choose another with baseline=."
            )
        if name == self.baseline:
            raise CandidateError(f"{name!r} is the baseline; compare another candidate with it.")
        return self._deltas[name]

    def _unknown(self, name: str) -> str:
        if name in self.failures:
            return f"Candidate {name!r} failed: {self.failures[name].message}"
        return f"No candidate named {name!r}. Known: {', '.join(map(repr, self.names))}."

    @cached_property
    def _budget_checks(self) -> dict[str, dict[str, BudgetCheck]]:
        if not self.budget:
            return {}
        assert self.budget is not None
        return {n: check_budget(self.results[n], self.budget) for n in self.measured}

    def budget_status(self, name: str) -> dict[str, BudgetCheck]:
        """Per-limit :class:`BudgetCheck` for candidate ``name`` (empty without a budget).

        Parameters
        ----------
        name : str
            A candidate's name, as in ``cmp.names``.

        Returns
        -------
        dict of str to BudgetCheck
            Keyed by limit (``"p99"``, ``"size"`` ...).

        Examples
        --------
        >>> import prodbench as pb
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.naive_bayes import GaussianNB
        >>> from sklearn.tree import DecisionTreeClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> cmp = pb.compare([GaussianNB(), DecisionTreeClassifier()], X, y,
        ...                  budget="p99=50ms", max_time=0.3, batch_sizes=(1,))
        >>> check = cmp.budget_status("GaussianNB")["p99"]
        >>> check.status in ("pass", "fail", "inconclusive")
        True
        """
        if name not in self.results:
            raise CandidateError(self._unknown(name))
        return self._budget_checks.get(name, {})

    def budget_overall(self, name: str) -> str | None:
        """``"fail"`` if any limit fails, else ``"inconclusive"`` if any is, else ``"pass"``.

        Parameters
        ----------
        name : str
            A candidate's name, as in ``cmp.names``.

        Returns
        -------
        str or None
            None without a budget.

        Examples
        --------
        >>> import prodbench as pb
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.naive_bayes import GaussianNB
        >>> from sklearn.tree import DecisionTreeClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> cmp = pb.compare([GaussianNB(), DecisionTreeClassifier()], X, y,
        ...                  budget="p99=50ms", max_time=0.3, batch_sizes=(1,))
        >>> cmp.budget_overall("GaussianNB") in ("pass", "fail", "inconclusive")
        True
        """
        checks = self.budget_status(name)
        if not checks:
            return None
        states = {c.status for c in checks.values()}
        for s in ("fail", "inconclusive"):
            if s in states:
                return s
        return "pass"

    @cached_property
    def _p_values(self) -> dict[tuple[str, str], float]:
        """Paired-test p-values already computed, by sorted pair of names."""
        return {}

    def _p_value(self, a: str, b: str) -> float:
        # The picks test the same pairs again and again, and a permutation
        # test on a large regression test set takes a second: compute each once.
        key = (a, b) if a <= b else (b, a)
        if key not in self._p_values:
            self._p_values[key] = paired_test(self.results[key[0]], self.results[key[1]])[0]
        return self._p_values[key]

    def _score_tie(self, pool: list[str]) -> tuple[str, dict[str, float], int]:
        """The best score in ``pool`` and the candidates tied with it.

        Returns the best, ``{name: Holm-adjusted p vs the best}`` for every
        candidate the paired test cannot separate from it (the best included,
        with p = 1), and the size of the family: Holm runs over the
        comparisons with the best, one per distinct set of predictions.
        """
        best = self._best_score(pool)
        others = [n for n in pool if n != best]
        adjusted, family = self._holm(others, [self._p_value(best, n) for n in others])
        tied = {best: 1.0}
        tied.update({n: p for n, p in zip(others, adjusted, strict=True) if p >= ALPHA})
        return best, tied, family

    def _best_score(self, pool: list[str]) -> str:
        return max(pool, key=lambda n: (self.results[n].score.value, -self.names.index(n)))

    def _tie_text(self, best: str, tied: Mapping[str, float], pick: str, family: int) -> str:
        """``'tied on accuracy with b (p=0.58, Holm-adjusted)'``."""
        score = score_label(self.results[best].score.name)
        others = [n for n in tied if n != pick]
        p = tied[pick] if pick != best else min(tied[n] for n in tied if n != best)
        adjusted = ", Holm-adjusted" if family > 1 else ""
        return f"tied on {score} with {', '.join(others)} ({format_p_value(p)}{adjusted})"

    @cached_property
    def _research(self) -> tuple[str | None, str]:
        pool = self.measured
        if not pool:
            return None, ""
        best, tied, family = self._score_tie(pool)
        score = score_label(self.results[best].score.name)
        if len(tied) == 1:
            return best, f"best {score}"
        # Training tie-break, decided like the production p99 tie-break: the
        # fastest-training tied candidate wins only where its fit-time ratio
        # interval with every other tied candidate excludes 1 (Bonferroni over
        # those comparisons). A candidate without a fit time (a pre-fitted
        # file) never wins on training, and an undecided tie stays a tie.
        tie = list(tied)
        untimed = [n for n in tie if self.results[n].training is None]
        timed = [n for n in tie if n not in untimed]
        why: str
        if untimed:
            why = (
                f"training not compared: {', '.join(untimed)} "
                f"{'has' if len(untimed) == 1 else 'have'} no fit time (pre-fitted)"
            )
        else:
            fastest = min(timed, key=lambda n: (self._fit_time(n), self.names.index(n)))
            rivals = [n for n in tie if n != fastest]
            confidence = 1.0 - ALPHA / len(rivals)
            ratios = {n: self.fit_time_ratio(fastest, n, confidence=confidence) for n in rivals}
            if all(high < 1.0 for _, _, high in ratios.values()):
                worst = max(ratios.values(), key=lambda r: r[2])
                return fastest, (
                    f"{self._tie_text(best, tied, fastest, family)}; faster training "
                    f"({format_ratio(worst[0])} the fit time, {_pct(confidence)} CI "
                    f"{format_ratio(worst[1], unit=False)}-{format_ratio(worst[2])})"
                )
            fits = min(self.results[n].training.n_fits for n in tie)  # type: ignore[union-attr]
            if any(math.isinf(high) for _, _, high in ratios.values()):
                need = _fits_for_interval(confidence)
                why = (
                    f"fit times not compared: {fits} fit{'s' if fits != 1 else ''} "
                    f"cannot bound a fit-time ratio (min_fits={need} could)"
                )
            else:
                slow = [n for n, (_, _, high) in ratios.items() if not high < 1.0]
                why = f"fit times not separable from {', '.join(slow)} (ratio interval includes 1)"
        return best, f"best point estimate; {self._tie_text(best, tied, best, family)}; {why}"

    @property
    def research_pick(self) -> str | None:
        """Best score, unless a tie on score is decided by a fit-time ratio interval.

        Candidates the paired test cannot separate from the best (Holm-adjusted)
        are tied; the tie goes to the fastest-training one only where the
        interval on its fit-time ratio with each other tied candidate excludes
        1. A candidate without a fit time never wins on training; otherwise the
        pick is the best point score and the reason says it is a tie.
        """
        return self._research[0]

    @property
    def research_reason(self) -> str:
        """Why the research pick: ``"best accuracy"``, a decided training tie-break, or a tie."""
        return self._research[1]

    def _fit_time(self, name: str) -> float:
        training = self.results[name].training
        return math.inf if training is None else training.fit_time

    def fit_time_ratio(
        self, name: str, other: str, *, confidence: float = 0.95
    ) -> tuple[float, float, float]:
        """Median fit time of ``name`` over that of ``other``, with a distribution-free interval.

        The interval is the order-statistic bound of each median
        (:func:`prodbench.stats.quantile_ratio_bounds`): ``(0, inf)`` when
        there are too few fits to bound it, NaNs when a side has no fit time.

        Parameters
        ----------
        name, other : str
            Two candidates' names.
        confidence : float, default 0.95
            The interval's coverage.

        Returns
        -------
        (float, float, float)
            The ratio and its interval's lower and upper bounds. Below 1:
            ``name`` trains faster.

        Examples
        --------
        >>> import prodbench as pb
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.naive_bayes import GaussianNB
        >>> from sklearn.tree import DecisionTreeClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> cmp = pb.compare([GaussianNB(), DecisionTreeClassifier()], X, y,
        ...                  max_time=0.3, batch_sizes=(1,), min_fits=3)
        >>> ratio, low, high = cmp.fit_time_ratio("GaussianNB", "DecisionTreeClassifier")
        >>> low <= ratio <= high
        True
        """
        a, b = self.results[other].training, self.results[name].training
        if a is None or b is None:
            return math.nan, math.nan, math.nan
        old = np.sort(np.asarray(a.fit_times_ns, dtype=np.float64))
        new = np.sort(np.asarray(b.fit_times_ns, dtype=np.float64))
        low, high = stats.quantile_ratio_bounds(old, new, 50, (1.0 - confidence) / 2.0)
        ratio = b.fit_time / a.fit_time if a.fit_time > 0 else math.inf
        return ratio, low, high

    @property
    def eligible(self) -> list[str]:
        """Candidates that may be the production pick: every limit PASSES (all, without budget).

        A compiled runtime variant whose predictions differ from its base's
        (:attr:`ModelResult.parity_ok` False) is never eligible.
        """
        pool = [n for n in self.measured if self.results[n].parity_ok]
        if not self.budget:
            return pool
        return [n for n in pool if self.budget_overall(n) == "pass"]

    @property
    def undecided(self) -> list[str]:
        """Candidates whose budget check is inconclusive: neither eligible nor failing."""
        return [n for n in self.measured if self.budget_overall(n) == "inconclusive"]

    @cached_property
    def _production(self) -> tuple[str | None, str]:
        pool = self.eligible
        if not pool:
            return None, ""
        best, tied, family = self._score_tie(pool)
        score = score_label(self.results[best].score.name)
        within = " within the budget" if self.budget else ""
        if len(tied) == 1:
            return best, f"best {score}{within}"
        tie = list(tied)
        # Latency tie-break: the lowest p99 wins only where its ratio interval
        # with each other tied candidate excludes 1, taken at a Bonferroni-
        # adjusted confidence over those comparisons.
        fastest = min(tie, key=lambda n: (self.results[n].latency.p99, self.names.index(n)))
        rivals = [n for n in tie if n != fastest]
        confidence = 1.0 - ALPHA / len(rivals)
        ratios = {n: self.p99_ratio(fastest, n, confidence=confidence) for n in rivals}
        not_separated = [n for n, (_, _, high) in ratios.items() if not high < 1.0]
        if not not_separated:
            worst = max(ratios.values(), key=lambda r: r[2])
            reason = (
                f"{self._tie_text(best, tied, fastest, family)}; lower p99 "
                f"({format_ratio(worst[0])}, {_pct(confidence)} CI "
                f"{format_ratio(worst[1], unit=False)}-{format_ratio(worst[2])})"
            )
            return fastest, reason
        close = [fastest, *not_separated]

        def size(n: str) -> float:
            footprint = self.results[n].footprint
            return math.inf if footprint is None else float(footprint.size_bytes)

        pick = min(
            close, key=lambda n: (size(n), -self.results[n].score.value, self.names.index(n))
        )
        others = [n for n in close if n != pick]
        sizes = ", ".join(
            format_bytes(size(n)) if math.isfinite(size(n)) else "size n/a" for n in others
        )
        pick_size = format_bytes(size(pick)) if math.isfinite(size(pick)) else "size n/a"
        reason = (
            f"{self._tie_text(best, tied, pick, family)}; p99 not separable from "
            f"{', '.join(others)} (ratio interval includes 1); smaller model "
            f"({pick_size} vs {sizes})"
        )
        return pick, reason

    @property
    def production_pick(self) -> str | None:
        """Among candidates that PASS every budget limit: best score.

        Scores the paired test cannot separate (Holm-adjusted) are tied; a tie
        goes to the lower p99 only where the p99 ratio interval excludes 1,
        then to the smaller model. Inconclusive candidates are never picked
        (see :attr:`undecided`). None when no candidate passes.
        """
        return self._production[0]

    @property
    def production_reason(self) -> str:
        """Why the production pick, naming the tie-break that decided."""
        return self._production[1]

    def _p99_not_separated(self, fastest: str, pool: list[str]) -> str:
        """A note when a p99 ratio interval with ``fastest`` includes 1 (Bonferroni)."""
        rivals = [n for n in pool if n != fastest]
        if not rivals:
            return ""
        confidence = 1.0 - ALPHA / len(rivals)
        close = [n for n in rivals if not self.p99_ratio(fastest, n, confidence=confidence)[2] < 1]
        if not close:
            return ""
        return f"; lowest point estimate, not significant (vs {', '.join(close)})"

    def p99_ratio(
        self, name: str, other: str, *, confidence: float = 0.95
    ) -> tuple[float, float, float]:
        """p99 of ``name`` over p99 of ``other``, with a distribution-free interval.

        The order-statistic bounds of both p99s
        (:func:`prodbench.stats.quantile_ratio_bounds`), valid at any sample
        size and open on the side an under-sampled run cannot bound.

        Parameters
        ----------
        name, other : str
            Two candidates' names.
        confidence : float, default 0.95
            The interval's coverage.

        Returns
        -------
        (float, float, float)
            The ratio, and its interval's lower and upper bounds (``inf`` for an
            open side). Below 1: ``name`` is faster at p99.

        Examples
        --------
        >>> import prodbench as pb
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.naive_bayes import GaussianNB
        >>> from sklearn.tree import DecisionTreeClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> cmp = pb.compare([GaussianNB(), DecisionTreeClassifier()], X, y,
        ...                  budget="p99=50ms", max_time=0.3, batch_sizes=(1,))
        >>> ratio, low, high = cmp.p99_ratio("GaussianNB", "DecisionTreeClassifier")
        >>> low <= ratio <= high
        True
        """
        key = (name, other, confidence)
        if key not in self._p99_ratios:  # the picks and the stakeholder lines ask alike
            la, lb = self.results[other].latency, self.results[name].latency
            # distribution-free order-statistic bounds: the bootstrap of a p99
            # under-covers when a side has few samples in its tail (a false
            # "lower p99" 4-7% of the time for a nominal 2.5%)
            low, high = stats.quantile_ratio_bounds(
                la.sorted_ns, lb.sorted_ns, 99, (1.0 - confidence) / 2.0
            )
            ratio = lb.p99 / la.p99 if la.p99 > 0 else math.inf
            self._p99_ratios[key] = (ratio, low, high)
        return self._p99_ratios[key]

    @cached_property
    def _p99_ratios(self) -> dict[tuple[str, str, float], tuple[float, float, float]]:
        return {}

    @cached_property
    def pareto(self) -> list[str]:
        """Candidates on the (score up, p99 down) Pareto front."""
        points = {
            n: (self.results[n].score.value, self.results[n].latency.p99) for n in self.measured
        }
        front = []
        for n, (s, p) in points.items():
            dominated = any(
                (s2 >= s and p2 <= p) and (s2 > s or p2 < p)
                for m, (s2, p2) in points.items()
                if m != n
            )
            if not dominated:
                front.append(n)
        return front

    def capacity(
        self,
        budget: Budget | str | Mapping[str, Any] | None = None,
        qps: float | None = None,
        workers: int | tuple[int, ...] = (1, 2, 4, 8),
        host_memory: int | str | None = None,
        **kwargs: Any,
    ) -> Capacity:
        """Max QPS within a latency budget per worker count, and workers for a target rate.

        Simulated from the measured one-row latencies (nothing is measured
        again): one call to :func:`prodbench.serving.capacities`.

        Parameters
        ----------
        budget : Budget, str or dict, optional
            The percentile limits to stay within (``"p99=5ms"``); default: the
            comparison's budget.
        qps : float, optional
            A target rate: each candidate's workers needed for it
            (``cap[name].target``); default: the run's ``options["qps"]``.
        workers : int or tuple of int, default (1, 2, 4, 8)
            Worker counts sharing one FIFO queue.
        host_memory : int or str, optional
            The memory of one host (``"16GB"``, or bytes): with each
            candidate's memory per worker (``result.memory``), how many workers
            fit on a host and how many hosts the target rate needs
            (``cap.workers_per_host(name)``, ``cap.hosts_needed(name)``);
            default the run's ``options["host_memory"]``.
        **kwargs
            ``random_state`` (for the simulation), ``replicates`` (independent
            simulations per rate, for the interval), ``requests`` (simulated
            requests per replicate), ``arrivals`` (``"gamma:cv=3"``, a trace)
            and ``batching="auto"`` (the best micro-batching policy, from the
            bulk phase's per-call times; ``cap[name].batched``).

        Returns
        -------
        Capacity
            ``cap[name][workers]`` is a :class:`~prodbench.serving_results.MaxQPS`
            with its 95% interval.

        Raises
        ------
        BudgetError
            When no budget with a percentile limit is given or set on the comparison.

        Examples
        --------
        >>> import prodbench as pb
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.naive_bayes import GaussianNB
        >>> from sklearn.tree import DecisionTreeClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> cmp = pb.compare([GaussianNB(), DecisionTreeClassifier()], X, y,
        ...                  budget="p99=50ms", max_time=0.3, batch_sizes=(1,))
        >>> cap = cmp.capacity("p99=50ms", workers=(1, 2), qps=100, replicates=2, requests=2000)
        >>> cap["GaussianNB"][2].qps >= cap["GaussianNB"][1].qps > 0
        True
        """
        from . import serving

        return serving.capacities(
            **self._capacity_inputs(budget, qps, workers, host_memory, **kwargs)
        )

    def _capacity_inputs(
        self,
        budget: Budget | str | Mapping[str, Any] | None,
        qps: float | None,
        workers: Any,
        host_memory: int | str | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """What :func:`prodbench.serving.capacities` needs, with this comparison's defaults.

        With ``batching``, the bulk phase's per-call times by batch size too.
        """
        if kwargs.get("batching") and "batch_service" not in kwargs:
            kwargs["batch_service"] = {n: self.results[n].throughput for n in self.measured}
        chosen = self.budget if budget is None else budget
        host = host_memory if host_memory is not None else self.options.get("host_memory")
        if chosen is None:
            raise BudgetError(
                "Capacity needs a latency budget with a percentile limit. Pass budget='p99=5ms' "
                "(or compare with --budget p99=5ms)."
            )
        return {
            "latencies": {name: self.results[name].latency for name in self.measured},
            "budget": chosen,
            "workers": workers,
            "qps": qps if qps is not None else self.options.get("qps"),
            "price_per_core_hour": self.price_per_core_hour,
            # memory per worker (as measured) and the host it must fit on
            "memory": {n: m for n in self.measured if (m := self.results[n].memory) is not None},
            "host_memory": None if host is None else parse_size(host),
            **kwargs,
        }

    @cached_property
    def target_capacity(self) -> Capacity | None:
        """:meth:`capacity` at the target rate ``options["qps"]`` (None without one)."""
        if not self.options.get("qps") or not self.measured:
            return None
        return self.capacity()

    def cost_per_million(self, name: str) -> float:
        """Compute cost of a million single-row predictions, from mean latency and one core.

        Parameters
        ----------
        name : str
            A candidate's name, as in ``cmp.names``.

        Returns
        -------
        float
            Dollars, at ``price_per_core_hour`` (0.05 unless the run set it).

        Examples
        --------
        >>> import prodbench as pb
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.naive_bayes import GaussianNB
        >>> from sklearn.tree import DecisionTreeClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> cmp = pb.compare([GaussianNB(), DecisionTreeClassifier()], X, y,
        ...                  budget="p99=50ms", max_time=0.3, batch_sizes=(1,))
        >>> cmp.cost_per_million("GaussianNB") > 0
        True
        """
        mean = self.results[name].latency.mean
        return mean * 1e6 / 3600.0 * self.price_per_core_hour

    @cached_property
    def stakeholders(self) -> list[Stakeholder]:
        """The seed's stakeholders, each with its objective (and its assumption) and its pick.

        The manager's cost assumes one core 100% busy at the mean latency
        unless a target rate is known (:attr:`target_capacity`), in which case
        it is the workers that rate needs within the budget, times the price.
        """
        pool = self.measured
        if not pool:
            return []
        res = self.results
        ml, ml_tied, ml_family = self._score_tie(pool)
        pm = min(pool, key=lambda n: res[n].latency.p99)

        def infra_key(n: str) -> tuple[float, float]:
            footprint, training = res[n].footprint, res[n].training
            size = footprint.size_bytes if footprint is not None else math.inf
            # no fit time (a pre-fitted file): never the fastest to train
            fit = training.fit_time if training is not None else math.inf
            return (size, fit)

        sizes = sorted(pool, key=lambda n: infra_key(n)[0])
        fits = sorted(pool, key=lambda n: infra_key(n)[1])
        infra = min(pool, key=lambda n: (sizes.index(n) + fits.index(n), infra_key(n)[0]))
        cheapest = min(pool, key=self.cost_per_million)
        mgr: str | None = cheapest
        mgr_reason = f"${self.cost_per_million(cheapest):.4f} per million predictions"
        infra_workers = ""
        cap = self.target_capacity
        if cap is not None:  # at the target rate: workers x price, not the idle mean latency
            at = f"{cap.qps:g} QPS"
            cost = {
                n: t.cost_per_million
                for n in pool
                if n in cap.candidates
                and (t := cap[n].target) is not None
                and t.workers is not None
            }
            mgr = min(cost, key=cost.__getitem__) if cost else None
            mgr_reason = (
                f"no candidate meets the budget at {at}"
                if mgr is None
                else f"${cost[mgr]:.4f} per million at {at}, {_workers(cap.workers_needed(mgr))}"
            )
            needed = cap.workers_needed(infra)
            infra_workers = (
                f", budget not met at {at}" if needed is None else f", {_workers(needed)} for {at}"
            )
            infra_workers += _hosts_text(cap, infra, needed)
        score_name = res[ml].score.name
        infra_r = res[infra]
        return [
            Stakeholder(
                "ML engineer",
                f"best {score_label(score_name)}",
                ml,
                f"{score_label(score_name)} {format_score(score_name, res[ml].score.value)}"
                + (", lower is better" if lower_is_better(score_name) else "")
                + (
                    ""
                    if len(ml_tied) == 1
                    else "; best point estimate, not significant "
                    f"({format_p_value(min(p for n, p in ml_tied.items() if n != ml))}"
                    f"{', Holm-adjusted' if ml_family > 1 else ''})"
                )
                + (
                    ""
                    if self.research_pick in (ml, None)
                    else f"; the research pick {self.research_pick} is tied with it and "
                    "trains faster"
                ),
            ),
            Stakeholder(
                "Product manager",
                "lowest p99 latency",
                pm,
                f"p99 {format_duration(res[pm].latency.p99)}" + self._p99_not_separated(pm, pool),
            ),
            Stakeholder(
                "Infrastructure",
                "small model, fast training (best sum of the size and fit-time ranks)",
                infra,
                _infra_reason(infra_r) + infra_workers,
            ),
            Stakeholder(
                "Manager",
                self._manager_objective(None if cap is None else cap.qps),
                mgr,
                mgr_reason,
            ),
        ]

    def _manager_objective(self, qps: float | None) -> str:
        """The manager's objective with its price and its assumption about load."""
        default = self.price_per_core_hour == DEFAULT_PRICE_PER_CORE_HOUR
        return (
            f"lowest compute cost (at ${self.price_per_core_hour:g} per core-hour"
            + (", the default price: set price_per_core_hour" if default else "")
            + (
                "; one core 100% busy at the mean latency: no target rate given"
                if qps is None
                else f"; workers needed at {qps:g} QPS within the budget"
            )
            + ")"
        )

    def _runtime_sentence(self, n: str) -> str:
        """A compiled variant: gain and latency against the baseline, budget, parity."""
        d, info = self.versus(n), self.results[n].runtime
        assert info is not None
        gain = format_score_diff(d.score_name, d.score_diff)
        if d.score_name != "accuracy":  # "+1.23 pp" already says what it is
            gain += f" {score_label(d.score_name)}"
        text = f"{n}: {gain} for {format_ratio(d.p99_ratio)} the baseline's p99"
        if not info.parity.ok:
            return f"{text}; {info.parity.describe()}: never the production pick."
        failing = [c for c in self.budget_status(n).values() if c.status == "fail"]
        if failing:
            text += ": fails " + ", ".join(
                f"{c.key} < {_fmt_limit(c.key, c.limit)}" for c in failing
            )
            text += " even compiled"
        elif self.budget:
            status = self.budget_overall(n)
            text += ": within budget once compiled" if status == "pass" else f": budget {status}"
        gain_vs_base = self.compile_gain(n)
        if gain_vs_base is not None:
            ratio, low, high, worth = gain_vs_base
            text += (
                f" ({say_speed(ratio, 'p50')} than {info.base} on scikit-learn, 95% CI "
                f"{format_ratio(low, unit=False)}-{format_ratio(high)} the time"
                f", {100 * info.parity.agreement:.1f}% agreement)"
            )
            if not worth:  # parity holds here: the latency decides
                text += "; not worth compiling: " + (
                    "slower than scikit-learn" if low > 1.0 else f"not faster than {info.base}"
                )
        return text + "."

    def compile_gain(self, name: str) -> tuple[float, float, float, bool] | None:
        """A compiled variant's p50 over its scikit-learn base's, and whether compiling pays.

        Returns ``(ratio, low, high, worth)``: the p50 ratio variant / base
        with its 95% bootstrap interval, and ``worth`` true only when the
        interval is below 1 (the variant is faster) and its predictions
        agree (parity). None for a candidate that is not a compiled variant
        of a measured base.

        Parameters
        ----------
        name : str
            A candidate's name, e.g. ``"knn@onnx"``.

        Returns
        -------
        (float, float, float, bool) or None

        Examples
        --------
        >>> import prodbench as pb
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.naive_bayes import GaussianNB
        >>> from sklearn.tree import DecisionTreeClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> cmp = pb.compare([GaussianNB(), DecisionTreeClassifier()], X, y,
        ...                  max_time=0.3, batch_sizes=(1,))
        >>> cmp.compile_gain("GaussianNB") is None  # not a compiled variant
        True
        """
        if name not in self.results:
            raise CandidateError(self._unknown(name))
        info = self.results[name].runtime
        if info is None or info.base not in self.results or info.base == name:
            return None
        base = self.results[info.base].latency.sorted_ns
        ratio, low, high = stats.bootstrap_quantile_ratio(
            base, self.results[name].latency.sorted_ns, 50
        )
        return ratio, low, high, bool(high < 1.0 and info.parity.ok)

    def _score_phrase(self, d: Delta) -> str:
        """``'+1.11 pp accuracy (95% CI +0.22 to +2.22, exact conditional; exact McNemar ...)'``.

        The interval inverts the printed test at the printed level, so it
        excludes 0 exactly when the sentence says "significant".
        """
        lo, hi = d.score_diff_interval
        test_words, interval_words = _TEST_WORDS.get(d.test, (d.test, "paired"))
        level = f"{_pct(d.score_diff_confidence)} CI"
        if d.score_name == "accuracy":
            body = (
                f"{d.score_diff * 100:+.2f} pp accuracy ({level} {lo * 100:+.2f} to {hi * 100:+.2f}"
            )
        elif lower_is_better(d.score_name):  # the loss, in its sign: "MAE 3.13 worse"
            change = format_score_diff(d.score_name, d.score_diff)
            way = "worse" if d.score_diff < 0 else "better" if d.score_diff > 0 else "unchanged"
            body = (
                f"{score_label(d.score_name)} {change.lstrip('+-')} {way} ({level} "
                f"{format_score_diff(d.score_name, hi)} to {format_score_diff(d.score_name, lo)}"
            )
        else:
            body = (
                f"{format_score_diff(d.score_name, d.score_diff)} {d.score_name} ({level} "
                f"{format_score_diff(d.score_name, lo)} to {format_score_diff(d.score_name, hi)}"
            )
        body += f", {interval_words}"
        if not math.isclose(d.score_diff_confidence, 1.0 - ALPHA):
            body += ", at the level Holm tested this challenger at"
        sig = "significant" if d.significant else "not significant"
        if d.adjustment:
            test = (
                f"{test_words} {format_p_value(d.p_value)} {d.adjustment}-adjusted over "
                f"{d.n_challengers} challengers (raw {format_p_value(d.p_value_raw)})"
            )
        else:
            test = f"{test_words} {format_p_value(d.p_value)}"
        return f"{body}; {test}, {sig})"

    @staticmethod
    def _detectable_phrase(d: Delta) -> str:
        """``'; with 450 test rows a difference under about 3.30 pp cannot be told from noise'``."""
        if not d.n_rows:
            return ""

        def diff_text(x: float) -> str:
            return format_score_diff(d.score_name, abs(x)).lstrip("+-") + (
                "" if d.score_name == "accuracy" else f" {score_label(d.score_name)}"
            )

        text = (
            f"; with {d.n_rows:,} test rows a difference under about "
            f"{diff_text(d.detectable_diff)} cannot be told from noise"
        )
        rows = d.rows_to_detect()
        if not d.significant and rows is not None and rows > d.n_rows:
            text += (
                f"; about {round_up(rows):,.0f} rows would detect {diff_text(abs(d.score_diff))}"
            )
        return text

    def _latency_phrase(self, d: Delta) -> str:
        text = (
            f"{format_ratio(d.p99_ratio)}{UNDERSAMPLED_MARK if d.p99_undersampled else ''} the p99 "
            f"latency ({'+' if d.p99_added >= 0 else '-'}{format_duration(abs(d.p99_added))}"
        )
        if d.p99_undersampled:
            low, high = d.p99_ratio_interval
            text += (
                f"; {UNDERSAMPLED_MARK}p99 under-sampled, ratio 95% CI "
                f"{format_ratio(low)}-{format_ratio(high)}"
            )
        return text + ")"

    def undecided_reason(self, name: str) -> str:
        """What left ``name`` undecided against the budget, and what would decide it.

        E.g. ``'p99 = 2.65 ms (95% CI 2.33 ms-inf, n=300); about 720 samples
        (~2.2 s of sampling) would decide it about 67% of the time, judged from
        these samples (a p99 that sits on the limit is never decided)'``.

        Parameters
        ----------
        name : str
            A candidate's name, as in ``cmp.names``.

        Returns
        -------
        str
            Empty when ``name`` is not undecided.

        Examples
        --------
        >>> import prodbench as pb
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.naive_bayes import GaussianNB
        >>> from sklearn.tree import DecisionTreeClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> cmp = pb.compare([GaussianNB(), DecisionTreeClassifier()], X, y,
        ...                  budget="p99=50ms", max_time=0.3, batch_sizes=(1,))
        >>> isinstance(cmp.undecided_reason("GaussianNB"), str)
        True
        """
        parts = []
        latency = self.results[name].latency
        for c in self.budget_status(name).values():
            if c.status != "inconclusive":
                continue
            text = c.describe().replace(" undecided against budget ", " against ")
            if c.samples_to_decide is None:
                text += "; too close to the limit to decide: move the limit or budget p90"
            elif c.decide_chance is not None and c.decide_chance < 0.5:
                text += (
                    f"; no max_time is likely to decide it (about {c.samples_to_decide:,} "
                    f"samples would only {c.decide_chance:.0%} of the time, judged from these "
                    "samples): move the limit or budget p90"
                )
            else:
                seconds = c.samples_to_decide * latency.mean
                chance = (
                    "" if c.decide_chance is None else f" about {c.decide_chance:.0%} of the time"
                )
                text += (
                    f"; about {c.samples_to_decide:,} samples (~{round_up(seconds):g} s of "
                    f"sampling, --max-time) would decide it{chance}, judged from these samples "
                    f"(a {c.key} that sits on the limit is never decided)"
                )
            parts.append(text)
        return "; ".join(parts)

    @cached_property
    def verdict(self) -> list[str]:
        """Plain-language sentences: one per non-baseline candidate, then the picks."""
        lines = []
        for n in self.names:
            if n == self.baseline:
                continue
            if n in self.failures:
                f = self.failures[n]
                lines.append(f"{n}: failed during {f.phase} ({f.error_type}); not measured.")
                continue
            if self.baseline not in self.results:
                continue
            if self.results[n].runtime is not None:
                lines.append(self._runtime_sentence(n))
                continue
            d = self.versus(n)
            text = f"{n}: {self._score_phrase(d)} for {self._latency_phrase(d)}"
            failing = [c for c in self.budget_status(n).values() if c.status == "fail"]
            if failing:
                text += "; fails " + ", ".join(
                    f"{c.key} < {_fmt_limit(c.key, c.limit)}" for c in failing
                )
            elif self.budget:
                text += f"; budget {_BUDGET_WORD[self.budget_overall(n) or 'pass']}"
            lines.append(text + self._detectable_phrase(d) + ".")
        if self.baseline in self.failures:
            lines.insert(
                0,
                f"{self.baseline} (baseline): failed during {self.failures[self.baseline].phase}; "
                "no deltas can be computed.",
            )
        for n in self.undecided:
            lines.append(
                f"{n} is undecided against the budget (never the production pick): "
                f"{self.undecided_reason(n)}."
            )
        if self.measured:
            lines.append(f"{self.research_sentence} {self.production_decision.sentence}")
        return lines

    @property
    def research_sentence(self) -> str:
        """``'Research pick: a (best accuracy).'``: the research pick as every output says it."""
        return f"Research pick: {self.research_pick} ({self.research_reason})."

    @cached_property
    def production_decision(self) -> ProductionDecision:
        """The production pick, or who fails and who is undecided: what every output says.

        The verdict, the reports, the plots and the JSON summary all take
        their words about the production pick from here.

        Examples
        --------
        >>> import prodbench as pb
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.naive_bayes import GaussianNB
        >>> from sklearn.tree import DecisionTreeClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> cmp = pb.compare([GaussianNB(), DecisionTreeClassifier()], X, y,
        ...                  budget="p99=1us", max_time=0.3, batch_sizes=(1,))
        >>> cmp.production_decision.sentence  # doctest: +NORMALIZE_WHITESPACE
        'Production pick: none, no candidate passes the budget (fails: GaussianNB,
        DecisionTreeClassifier).'
        """
        return ProductionDecision(
            pick=self.production_pick,
            reason=self.production_reason,
            failing=tuple(n for n in self.measured if self.budget_overall(n) == "fail"),
            undecided=tuple(self.undecided),
        )

    # -- rendering ---------------------------------------------------------------
    def __str__(self) -> str:
        from . import report

        return report.render(self, "table")

    def __repr__(self) -> str:
        budget = f", budget={str(self.budget)!r}" if self.budget else ""
        failed = f", failed={sorted(self.failures)!r}" if self.failures else ""
        return f"Comparison(names={self.names!r}, baseline={self.baseline!r}{budget}{failed})"

    def to_text(self) -> str:
        """The aligned text table, verdict and stakeholders (what ``print(cmp)`` shows).

        Returns
        -------
        str

        Examples
        --------
        >>> import prodbench as pb
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.naive_bayes import GaussianNB
        >>> from sklearn.tree import DecisionTreeClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> cmp = pb.compare([GaussianNB(), DecisionTreeClassifier()], X, y,
        ...                  budget="p99=50ms", max_time=0.3, batch_sizes=(1,))
        >>> "Research pick:" in cmp.to_text()
        True
        """
        return str(self)

    def to_markdown(self) -> str:
        """The comparison as Markdown: both tables, the verdict, the stakeholders.

        Returns
        -------
        str
            GitHub-flavoured Markdown (tables with ``|``), for a pull request or a wiki page.

        Examples
        --------
        >>> import prodbench as pb
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.naive_bayes import GaussianNB
        >>> from sklearn.tree import DecisionTreeClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> cmp = pb.compare([GaussianNB(), DecisionTreeClassifier()], X, y,
        ...                  budget="p99=50ms", max_time=0.3, batch_sizes=(1,))
        >>> md = cmp.to_markdown()
        >>> "| GaussianNB" in md and "Research pick:" in md
        True
        """
        from . import report

        return report.render(self, "markdown")

    def _repr_html_(self) -> str:
        from . import report

        return report.render(self, "html")

    def to_html(self, path: str | os.PathLike[str]) -> None:
        """Write the report page: one self-contained HTML file, written atomically.

        The decision in plain words first, then the tables, the plots (the
        ``plot`` extra), warnings and environment; see
        :func:`prodbench.report.render_page`.

        Parameters
        ----------
        path : str or path-like
            The ``.html`` file to write; its directory must exist.

        Examples
        --------
        >>> import sys, tempfile, pathlib; sys.path.insert(0, "tests")
        >>> from factories import make_comparison, make_result
        >>> cmp = make_comparison([make_result("a"), make_result("b", seed=1)])
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "report.html"
        >>> cmp.to_html(out); out.read_text().startswith("<!DOCTYPE html>")
        True
        """
        from . import report

        report.write_page(self, path)

    def to_frame(self) -> Any:
        """One row per candidate, tidy columns with units in their names (a pandas DataFrame).

        Returns
        -------
        pandas.DataFrame
            Indexed by candidate; columns such as ``score``, ``p50_s``,
            ``p99_s`` with their interval bounds, ``fit_s``, ``size_bytes``, the
            deltas against the baseline and the budget status.

        Examples
        --------
        >>> import prodbench as pb
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.naive_bayes import GaussianNB
        >>> from sklearn.tree import DecisionTreeClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> cmp = pb.compare([GaussianNB(), DecisionTreeClassifier()], X, y,
        ...                  budget="p99=50ms", max_time=0.3, batch_sizes=(1,))
        >>> df = cmp.to_frame()
        >>> len(df), "p99_s" in df.columns
        (2, True)
        """
        from . import report

        return report.to_frame(self)

    def plot(self, kind: str | None = None, **kwargs: Any) -> Any:
        """Plot the comparison (needs the ``plot`` extra).

        One call to :func:`prodbench.plot.plot_comparison`.

        Parameters
        ----------
        kind : {None, "spectrum", "tradeoff", "throughput", "load", "cost"}, default None
            ``None`` draws the spectrum, trade-off and throughput panels side by
            side; a name draws that panel alone. ``"spectrum"``: latency at every
            percentile with its 95% interval; ``"tradeoff"``: score against p99
            with the Pareto front, the budget and the picks; ``"throughput"``: bulk
            rows/s against batch size; ``"load"``: p50 and p99 against offered
            requests per second, simulated from the measured latencies (a few
            seconds), with each candidate's max QPS within the budget.
        ax : matplotlib.axes.Axes, optional
            Draw one ``kind`` into these axes.
        figsize : (float, float), optional
            Size of a new figure in inches.
        workers : int, default 1
            Workers sharing one queue, for ``kind="load"``.
        budget : Budget, str or dict, optional
            For ``kind="load"`` only: the budget whose line and max QPS to draw,
            even when the comparison had none (default: the comparison's).

        Returns
        -------
        matplotlib.figure.Figure

        Raises
        ------
        SpecError
            For an unknown ``kind``, ``ax`` without a ``kind``, or ``budget`` with
            another ``kind`` than ``"load"``.
        MissingDependencyError
            When matplotlib is not installed (``pip install "prodbench[plot]"``).

        Examples
        --------
        >>> import prodbench as pb
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.naive_bayes import GaussianNB
        >>> from sklearn.tree import DecisionTreeClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> cmp = pb.compare([GaussianNB(), DecisionTreeClassifier()], X, y,
        ...                  budget="p99=50ms", max_time=0.3, batch_sizes=(1,))
        >>> fig = cmp.plot()
        >>> [a.get_title() for a in fig.axes][0]
        'Single-request latency by percentile'
        >>> fig = cmp.plot(kind="tradeoff", figsize=(6, 4))
        >>> fig.savefig("tradeoff.png")
        """
        from . import plot

        return plot.plot_comparison(self, kind=kind, **kwargs)

    # -- persistence -------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with raw samples, metadata and ``schema_version``.

        Returns
        -------
        dict
            Read back by :meth:`from_dict`.

        Examples
        --------
        >>> import prodbench as pb
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.naive_bayes import GaussianNB
        >>> from sklearn.tree import DecisionTreeClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> cmp = pb.compare([GaussianNB(), DecisionTreeClassifier()], X, y,
        ...                  budget="p99=50ms", max_time=0.3, batch_sizes=(1,))
        >>> data = cmp.to_dict()
        >>> data["kind"], data["names"]
        ('Comparison', ['GaussianNB', 'DecisionTreeClassifier'])
        """
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "Comparison",
            "names": list(self.names),
            "baseline": self.baseline,
            "budget": None if self.budget is None else self.budget.to_dict(),
            "options": self.options,
            "price_per_core_hour": self.price_per_core_hour,
            "results": {n: r.to_dict() for n, r in self.results.items()},
            "failures": {n: f.to_dict() for n, f in self.failures.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Comparison:
        """Rebuild from :meth:`to_dict`'s dict (migrating an older ``schema_version``).

        Parameters
        ----------
        data : Mapping
            A saved comparison, as :meth:`to_dict` wrote it.

        Returns
        -------
        Comparison
            Every decision is derived again from the raw samples.

        Raises
        ------
        SchemaError
            For something that is not a saved Comparison, or a newer version.

        Examples
        --------
        >>> import prodbench as pb
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.naive_bayes import GaussianNB
        >>> from sklearn.tree import DecisionTreeClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> cmp = pb.compare([GaussianNB(), DecisionTreeClassifier()], X, y,
        ...                  budget="p99=50ms", max_time=0.3, batch_sizes=(1,))
        >>> again = pb.Comparison.from_dict(cmp.to_dict())
        >>> again.research_pick == cmp.research_pick
        True
        """
        data = check_schema(data, "Comparison")
        check_saved_names(data, "comparison")  # names, baseline and price agree and make sense
        try:
            return cls(
                names=tuple(data["names"]),
                results={n: ModelResult.from_dict(r) for n, r in data["results"].items()},
                failures={n: FailedCandidate(**f) for n, f in data.get("failures", {}).items()},
                baseline=data["baseline"],
                budget=None if data.get("budget") is None else Budget(**data["budget"]),
                options=dict(data.get("options", {})),
                price_per_core_hour=float(
                    data.get("price_per_core_hour", DEFAULT_PRICE_PER_CORE_HOUR)
                ),
            )
        except SchemaError:
            raise
        except (KeyError, TypeError, AttributeError, ValueError, OverflowError) as exc:
            raise SchemaError(
                f"The saved comparison is incomplete or malformed ({type(exc).__name__}: {exc}). "
                "Re-run the comparison and save it again."
            ) from exc

    def to_json(self, path: str | os.PathLike[str]) -> None:
        """Write :meth:`to_dict` and a readable ``summary`` to ``path`` atomically.

        Parameters
        ----------
        path : str or os.PathLike
            The JSON file to write (replaced if it exists); ``python -m prodbench
            show`` and ``diff`` read it.

        Examples
        --------
        >>> import prodbench as pb
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.naive_bayes import GaussianNB
        >>> from sklearn.tree import DecisionTreeClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> cmp = pb.compare([GaussianNB(), DecisionTreeClassifier()], X, y,
        ...                  budget="p99=50ms", max_time=0.3, batch_sizes=(1,))
        >>> cmp.to_json("run.json")
        >>> pb.Comparison.from_json("run.json").names == cmp.names
        True
        """
        from . import report

        write_json_atomic(path, report.to_json_dict(self))

    @classmethod
    def from_json(cls, path: str | os.PathLike[str]) -> Comparison:
        """Read a file written by :meth:`to_json` (or ``python -m prodbench compare --output``).

        Parameters
        ----------
        path : str or os.PathLike
            The JSON file.

        Returns
        -------
        Comparison

        Raises
        ------
        SchemaError
            For a file that is not a saved comparison.

        Examples
        --------
        >>> import prodbench as pb
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.naive_bayes import GaussianNB
        >>> from sklearn.tree import DecisionTreeClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> cmp = pb.compare([GaussianNB(), DecisionTreeClassifier()], X, y,
        ...                  budget="p99=50ms", max_time=0.3, batch_sizes=(1,))
        >>> cmp.to_json("run.json")
        >>> pb.Comparison.from_json("run.json").baseline
        'GaussianNB'
        """
        return cls.from_dict(load_json(path))


@dataclass(frozen=True)
class ProductionDecision:
    """The production pick of a comparison, or why there is none, as data and as words.

    Built once by :attr:`Comparison.production_decision`; the verdict,
    every report format, the plots and the JSON summary render these
    words rather than composing their own.

    Attributes
    ----------
    pick : str or None
        The production pick (None when no candidate passes the budget).
    reason : str
        Why the pick, naming the tie-break that decided (``""`` without one).
    failing : tuple of str
        Measured candidates that fail a budget limit.
    undecided : tuple of str
        Measured candidates whose budget check is inconclusive (never picked).
    """

    pick: str | None
    reason: str
    failing: tuple[str, ...] = ()
    undecided: tuple[str, ...] = ()

    @property
    def none_reason(self) -> str:
        """``'no candidate passes the budget (fails: a; undecided: b)'`` (``""`` with a pick)."""
        if self.pick is not None:
            return ""
        said = [f"fails: {', '.join(self.failing)}"] if self.failing else []
        if self.undecided:
            said.append(f"undecided: {', '.join(self.undecided)}")
        return f"no candidate passes the budget ({'; '.join(said)})"

    @property
    def sentence(self) -> str:
        """``'Production pick: a (best accuracy within the budget).'``, or none and why."""
        if self.pick is None:
            return f"Production pick: none, {self.none_reason}."
        return f"Production pick: {self.pick} ({self.reason})."


_BUDGET_WORD = {"pass": "passes", "inconclusive": "undecided", "fail": "fails"}


def _workers(n: int | None) -> str:
    return f"{n} worker" if n == 1 else f"{n} workers"


def _infra_reason(r: ModelResult) -> str:
    """ "8.17 kB, fit 875 ms, 208 MB per worker": the infrastructure line's figures."""
    size = format_bytes(r.footprint.size_bytes) if r.footprint else "size n/a"
    fit = f", fit {format_duration(r.training.fit_time)}" if r.training else ""
    memory = (
        ""
        if r.memory is None
        else f", {format_bytes(r.memory.per_worker_bytes)} per worker"
        + ("" if r.memory.isolated else " (shared process)")
    )
    return size + fit + memory


def _hosts_text(cap: Capacity, name: str, needed: int | None) -> str:
    """ ", 2 hosts of 16 GB (7 workers each)": the hosts the workers need, by memory."""
    per_host = cap.workers_per_host(name)
    if per_host is None or cap.host_memory is None:
        return ""
    host = format_bytes(cap.host_memory)
    if per_host == 0:
        return f"; one worker does not fit in a {host} host"
    if needed is None:
        return f"; {per_host} workers fit in a {host} host"
    hosts = cap.hosts_needed(name, needed)
    return f", {hosts} host{'s' if hosts != 1 else ''} of {host} ({per_host} workers fit in each)"
