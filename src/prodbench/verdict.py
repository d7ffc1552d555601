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
    format_score,
    format_score_diff,
    round_up,
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
    """A candidate that could not be measured, with its error."""

    name: str
    phase: str
    error_type: str
    message: str

    def to_dict(self) -> dict[str, str]:
        """A JSON-ready dict."""
        return {
            "name": self.name,
            "phase": self.phase,
            "error_type": self.error_type,
            "message": self.message,
        }


@dataclass(frozen=True)
class Stakeholder:
    """One of the seed's production stakeholders, with its objective and pick."""

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
        """Assemble from measured results and the errors of failed candidates."""
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
        adjusted, family = self._holm(names, [raw[n].p_value_raw for n in names])
        return {n: raw[n].adjusted(p, family) for n, p in zip(names, adjusted, strict=True)}

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
        """The :class:`Delta` of candidate ``name`` against the baseline."""
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
        """Per-limit :class:`BudgetCheck` for candidate ``name`` (empty without a budget)."""
        if name not in self.results:
            raise CandidateError(self._unknown(name))
        return self._budget_checks.get(name, {})

    def budget_overall(self, name: str) -> str | None:
        """``"fail"`` if any limit fails, else ``"inconclusive"`` if any is, else ``"pass"``."""
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
        score = self.results[best].score.name
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
        score = self.results[best].score.name
        if len(tied) == 1:
            return best, f"best {score}"
        untrained = [n for n in tied if self.results[n].training is None]
        if untrained:  # a pre-fitted model has no training time to break the tie with
            return best, (
                f"{self._tie_text(best, tied, best, family)}; best point estimate (no training "
                f"time for {', '.join(untrained)} to break the tie)"
            )
        pick = max(tied, key=self._training_speed)
        return pick, f"{self._tie_text(best, tied, pick, family)}; faster training"

    @property
    def research_pick(self) -> str | None:
        """Best score; a tie (no Holm-adjusted significant difference) goes to faster training."""
        return self._research[0]

    @property
    def research_reason(self) -> str:
        """Why the research pick: ``"best accuracy"`` or ``"tied on ...; faster training"``."""
        return self._research[1]

    def _training_speed(self, name: str) -> float:
        r = self.results[name]
        if r.training is not None:
            return r.training.samples_per_second
        return r.throughput.largest.rows_per_second

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
        score = self.results[best].score.name
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
                f"{self._tie_text(best, tied, fastest, family)}; lower p99 ({worst[0]:.2f}x, "
                f"{_pct(confidence)} CI {worst[1]:.2f}-{worst[2]:.2f}x)"
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
        """p99 of ``name`` over p99 of ``other``, with a bootstrap interval (open if under-sampled).

        Examples
        --------
        >>> import prodbench as pb  # doctest: +SKIP
        >>> cmp.p99_ratio("lone", "ensemble")  # doctest: +SKIP
        (0.12, 0.11, 0.13)
        """
        key = (name, other, confidence)
        if key not in self._p99_ratios:  # the picks and the stakeholder lines ask alike
            a = self.results[other].latency.sorted_ns
            b = self.results[name].latency.sorted_ns
            self._p99_ratios[key] = stats.bootstrap_quantile_ratio(a, b, 99, confidence=confidence)
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
        **kwargs: Any,
    ) -> Capacity:
        """Max QPS within a latency budget per worker count, and workers for a target rate.

        Simulated from the measured one-row latencies (nothing is measured
        again); see :func:`prodbench.serving.capacities`, which takes the
        other keywords (``random_state``, ``replicates``, ``requests``).
        ``budget`` defaults to the comparison's, ``qps`` to ``options["qps"]``.

        Examples
        --------
        >>> cap = cmp.capacity("p99=5ms", qps=500)  # doctest: +SKIP
        >>> cap["logreg"][1].qps, cap["logreg"].target.workers  # doctest: +SKIP
        """
        from . import serving

        return serving.capacities(**self._capacity_inputs(budget, qps, workers), **kwargs)

    def _capacity_inputs(
        self, budget: Budget | str | Mapping[str, Any] | None, qps: float | None, workers: Any
    ) -> dict[str, Any]:
        """What :func:`prodbench.serving.capacities` needs, with this comparison's defaults."""
        chosen = self.budget if budget is None else budget
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
        }

    @cached_property
    def target_capacity(self) -> Capacity | None:
        """:meth:`capacity` at the target rate ``options["qps"]`` (None without one)."""
        if not self.options.get("qps") or not self.measured:
            return None
        return self.capacity()

    def cost_per_million(self, name: str) -> float:
        """Compute cost of a million single-row predictions, from mean latency and one core."""
        mean = self.results[name].latency.mean
        return mean * 1e6 / 3600.0 * self.price_per_core_hour

    @cached_property
    def stakeholders(self) -> list[Stakeholder]:
        """The seed's stakeholders, each with its objective and its pick."""
        pool = self.measured
        if not pool:
            return []
        res = self.results
        ml, ml_tied, ml_family = self._score_tie(pool)
        pm = min(pool, key=lambda n: res[n].latency.p99)

        def infra_key(n: str) -> tuple[float, float]:
            footprint, training = res[n].footprint, res[n].training
            size = footprint.size_bytes if footprint is not None else math.inf
            # No fit time (a pre-fitted model) is not fast training: it ranks last on fits.
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
        score_name = res[ml].score.name
        infra_r = res[infra]
        return [
            Stakeholder(
                "ML engineer",
                f"best {score_name}",
                ml,
                f"{score_name} {format_score(score_name, res[ml].score.value)}"
                + (
                    ""
                    if len(ml_tied) == 1
                    else "; best point estimate, not significant "
                    f"({format_p_value(min(p for n, p in ml_tied.items() if n != ml))}"
                    f"{', Holm-adjusted' if ml_family > 1 else ''})"
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
                "small model, fast training",
                infra,
                (
                    f"{format_bytes(infra_r.footprint.size_bytes)}"
                    if infra_r.footprint
                    else "size n/a"
                )
                + (
                    f", fit {format_duration(infra_r.training.fit_time)}"
                    if infra_r.training
                    else ""
                )
                + infra_workers,
            ),
            Stakeholder(
                "Manager",
                f"lowest compute cost (at ${self.price_per_core_hour:g} per core-hour)",
                mgr,
                mgr_reason,
            ),
        ]

    def _runtime_sentence(self, n: str) -> str:
        """A compiled variant: gain and latency against the baseline, budget, parity."""
        d, info = self.versus(n), self.results[n].runtime
        assert info is not None
        gain = format_score_diff(d.score_name, d.score_diff)
        if d.score_name != "accuracy":  # "+1.23 pp" already says what it is
            gain += f" {d.score_name}"
        text = f"{n}: {gain} for {d.p99_ratio:.2g}x the baseline's p99"
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
        base = info.base
        if base in self.results and base != n:
            speed = self.results[base].latency.p50 / self.results[n].latency.p50
            text += f" ({speed:.1f}x faster p50 than {base} on scikit-learn"
            text += f", {100 * info.parity.agreement:.1f}% agreement)"
        return text + "."

    def _score_phrase(self, d: Delta) -> str:
        lo, hi = d.score_diff_interval
        if d.score_name == "accuracy":
            body = (
                f"{d.score_diff * 100:+.2f} pp accuracy (95% CI {lo * 100:+.2f} to {hi * 100:+.2f}"
            )
        else:
            body = (
                f"{format_score_diff(d.score_name, d.score_diff)} {d.score_name} (95% CI "
                f"{format_score_diff(d.score_name, lo)} to {format_score_diff(d.score_name, hi)}"
            )
        sig = "significant" if d.significant else "not significant"
        if d.adjustment:
            test = (
                f"{d.test} {format_p_value(d.p_value)} {d.adjustment}-adjusted over "
                f"{d.n_challengers} challengers (raw {format_p_value(d.p_value_raw)})"
            )
        else:
            test = f"{d.test} {format_p_value(d.p_value)}"
        return f"{body}; {test}, {sig})"

    def _latency_phrase(self, d: Delta) -> str:
        text = (
            f"{d.p99_ratio:.1f}x{UNDERSAMPLED_MARK if d.p99_undersampled else ''} the p99 "
            f"latency ({'+' if d.p99_added >= 0 else '-'}{format_duration(abs(d.p99_added))}"
        )
        if d.p99_undersampled:
            low, high = d.p99_ratio_interval
            text += (
                f"; {UNDERSAMPLED_MARK}p99 under-sampled, ratio 95% CI {low:.2f}x-"
                f"{'inf' if math.isinf(high) else f'{high:.2f}x'}"
            )
        return text + ")"

    def undecided_reason(self, name: str) -> str:
        """What left ``name`` undecided against the budget, and what would decide it.

        E.g. ``'p99 = 2.65 ms (95% CI 2.33 ms-inf, n=300); about 720 samples
        (~2.2 s of sampling) would likely decide it'``.
        """
        parts = []
        latency = self.results[name].latency
        for c in self.budget_status(name).values():
            if c.status != "inconclusive":
                continue
            text = c.describe().replace(" undecided against budget ", " against ")
            if c.samples_to_decide is None:
                text += "; too close to the limit to decide: move the limit or budget p90"
            else:
                seconds = c.samples_to_decide * latency.mean
                text += (
                    f"; about {c.samples_to_decide:,} samples (~{round_up(seconds):g} s of "
                    "sampling, --max-time) would likely decide it"
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
            lines.append(text + ".")
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
        >>> import sys; sys.path.insert(0, "tests")
        >>> from factories import make_comparison, make_result
        >>> cmp = make_comparison([make_result("a"), make_result("b", seed=1)],
        ...                       budget=Budget(p99="1us"))
        >>> cmp.production_decision.sentence
        'Production pick: none, no candidate passes the budget (fails: a, b).'
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
        """The aligned text table, verdict and stakeholders."""
        return str(self)

    def to_markdown(self) -> str:
        """The comparison as a Markdown table and verdict."""
        from . import report

        return report.render(self, "markdown")

    def _repr_html_(self) -> str:
        from . import report

        return report.render(self, "html")

    def to_frame(self) -> Any:
        """One row per candidate, tidy columns with units in names (a pandas DataFrame)."""
        from . import report

        return report.to_frame(self)

    def plot(self, kind: str | None = None, **kwargs: Any) -> Any:
        """Plot the comparison (needs the ``plot`` extra); see :mod:`prodbench.plot`."""
        from . import plot

        return plot.plot_comparison(self, kind=kind, **kwargs)

    # -- persistence -------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with raw samples, metadata and ``schema_version``."""
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
        """Inverse of :meth:`to_dict`; rejects an unknown ``schema_version``."""
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
        """Write :meth:`to_dict` and a readable ``summary`` to ``path`` atomically."""
        from . import report

        write_json_atomic(path, report.to_json_dict(self))

    @classmethod
    def from_json(cls, path: str | os.PathLike[str]) -> Comparison:
        """Read a file written by :meth:`to_json`."""
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
