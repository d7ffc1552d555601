"""Two saved runs compared, for CI: ratios, absolute values, environments, gates.

:func:`diff_runs` pairs the candidates measured in both runs and reports,
per candidate, each percentile in both runs (with n, under-sampled ones
flagged), the ratio new/old with a distribution-free interval, and the score
change with its interval and p-value. It compares the two runs' environments
(CPU, cores, versions, thread policy, load, data) and warns where they differ.

Gates (``--fail-on p99=+10%,score=-0.5pp``) decide from intervals, never from a
point estimate:

* a latency gate ``pK=+N%`` **trips** only when the lower bound of the ratio
  new/old lies above ``1 + N%``;
* a score gate ``score=-D`` trips only when the upper bound of the change
  lies below ``-D``;
* a gate whose interval holds both "no change" and "past the limit" is
  **undecided**, never a silent pass (a 2.3x slowdown measured against an old
  p99 with a far upper bound gave ``[0.23, inf]``), and so is one whose
  deciding bound does not exist at all; otherwise the gate is ok;
* a gated candidate that is not in the new run, that scored different data
  (rows digest) or whose estimator changed is undecided too, with the reason,
  and named in :attr:`RunDiff.headline`;
* the family of gates (candidates x metrics) is Holm-controlled: in turn,
  with ``k`` gates still standing, every gate whose bound is beyond its limit
  at one-sided level ``alpha / k`` trips and leaves the family; so the chance
  that any gate trips falsely stays at or below ``alpha``.

The ratio bound is distribution-free: the lower bound of the new run's
percentile over the upper bound of the old run's (:func:`prodbench.stats.one_sided_bounds`,
each at half the level), so it holds at any sample size, and an
under-sampled new run (a slower model gets fewer samples) still gates with
the bound it has.

Examples
--------
>>> parse_fail_on("p99=+10%,score=-0.5pp")
{'p99': 0.1, 'score': 0.005}
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from . import stats
from .budget import PERCENTILE_KEYS
from .calibration import Calibration, MachineFactor, calibration_of, machine_factor
from .deltas import ALPHA, paired_score_test
from .errors import CandidateError, SpecError
from .results import ModelResult
from .units import format_ratio
from .verdict import Comparison

__all__ = [
    "CandidateDiff",
    "Gate",
    "PercentileChange",
    "RunDiff",
    "ScoreChange",
    "diff_runs",
    "parse_fail_on",
    "ratio_bounds",
]

DISPLAY_CONFIDENCE = 0.95

GateStatus = Literal["ok", "tripped", "undecided"]


# --------------------------------------------------------------------------- parsing
def parse_fail_on(text: str) -> dict[str, float]:
    """Parse ``"p99=+10%,score=-0.5pp"`` into limits.

    Latency keys map to the largest allowed relative increase (``0.10``);
    ``score`` maps to the largest allowed drop in score units (``0.005``).

    Raises
    ------
    SpecError
        When a part does not parse, or a limit is not a finite number.

    Examples
    --------
    >>> parse_fail_on("p99=+10%,score=-0.5pp")
    {'p99': 0.1, 'score': 0.005}
    """
    limits: dict[str, float] = {}
    example = "e.g. 'p99=+10%,p50=+20%,score=-0.5pp'"
    for raw in text.replace(";", ",").split(","):
        part = raw.strip()
        if not part:
            continue
        key, sep, value = part.partition("=")
        key, value = key.strip().lower().replace("p99.9", "p999"), value.strip().lower()
        if not sep or not value:
            raise SpecError(f"Cannot read --fail-on part {part!r}: write KEY=LIMIT, {example}.")
        if key in PERCENTILE_KEYS:
            if not value.endswith("%"):
                raise SpecError(
                    f"--fail-on {key} needs a percentage increase such as {key}=+10%, "
                    f"not {value!r}."
                )
            number, scale = value[:-1], 0.01
        elif key == "score":
            if value.endswith("pp"):
                number, scale = value[:-2], 0.01
            elif value.endswith("%"):
                number, scale = value[:-1], 0.01
            else:
                number, scale = value, 1.0
        else:
            raise SpecError(
                f"Unknown --fail-on key {key!r}. Use p50, p90, p99, p999 or score, {example}."
            )
        sign = number.strip()[:1]
        if key in PERCENTILE_KEYS and sign == "-":
            raise SpecError(
                f"--fail-on {part!r}: a latency gate is the largest increase allowed, so it "
                f"is written with '+' (or no sign), e.g. {key}=+{number.strip()[1:]}%."
            )
        if key == "score" and sign == "+":
            raise SpecError(
                f"--fail-on {part!r}: a score gate is the largest drop allowed, so it is "
                f"written with '-' (or no sign), e.g. score=-{value.strip()[1:]}."
            )
        try:
            amount = abs(float(number)) * scale
        except ValueError:
            raise SpecError(
                f"Cannot read the number in --fail-on part {part!r}, {example}."
            ) from None
        if not math.isfinite(amount):
            raise SpecError(
                f"--fail-on {key} limit {value!r} is not a finite number; a gate on it could "
                f"never trip. Give a number, {example}."
            )
        if key in limits:
            raise SpecError(f"--fail-on sets {key} twice. Set each limit once.")
        limits[key] = amount
    if not limits:
        raise SpecError(f"--fail-on is empty; give limits, {example}.")
    return limits


# --------------------------------------------------------------------------- bounds
def ratio_bounds(
    old_sorted: np.ndarray, new_sorted: np.ndarray, q: float, alpha: float
) -> tuple[float, float]:
    """Distribution-free bounds of ``percentile(new) / percentile(old)``.

    Each bound is wrong with probability at most ``alpha``: the lower bound
    is the new run's lower order-statistic bound over the old run's upper
    one, each at ``alpha / 2``, and the other way round for the upper bound.
    ``0`` / ``inf`` where a run is too small to bound that side.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.sort(np.random.default_rng(0).lognormal(0, 0.3, 5000))
    >>> low, high = ratio_bounds(x, 2 * x, 99, 0.025)
    >>> bool(1.5 < low < 2 < high < 2.7)
    True
    """
    return stats.quantile_ratio_bounds(old_sorted, new_sorted, q, alpha)


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class PercentileChange:
    """One percentile of one candidate in both runs (seconds), and the ratio new/old."""

    key: str
    old: float
    new: float
    old_n: int
    new_n: int
    old_undersampled: bool
    new_undersampled: bool
    ratio: float
    low: float
    high: float
    confidence: float = DISPLAY_CONFIDENCE

    @property
    def undersampled(self) -> bool:
        """Either run has fewer samples than this percentile needs."""
        return self.old_undersampled or self.new_undersampled

    @property
    def significant(self) -> bool:
        """The interval excludes no change (1.0)."""
        return self.low > 1.0 or self.high < 1.0


@dataclass(frozen=True)
class ScoreChange:
    """The score of one candidate in both runs, and the change new - old."""

    name: str
    old: float
    new: float
    change: float
    low: float
    high: float
    p_value: float | None
    paired: bool
    confidence: float = DISPLAY_CONFIDENCE

    @property
    def significant(self) -> bool:
        """``p_value < 0.05``."""
        return self.p_value is not None and self.p_value < ALPHA


@dataclass(frozen=True)
class Gate:
    """One ``--fail-on`` limit applied to one candidate.

    ``status`` is ``"tripped"`` when the interval lies beyond the limit at the
    Holm level it was tested at, ``"undecided"`` when it holds both no change
    and past the limit or cannot be computed (``reason`` says why), else
    ``"ok"``. ``bound`` is the
    tripping bound (the ratio's lower bound for latency, the change's upper
    bound for the score) and ``other`` the far bound (the ratio's upper bound,
    the change's lower bound), each at one-sided confidence ``confidence``.
    """

    candidate: str
    key: str
    limit: float
    status: GateStatus
    bound: float
    confidence: float
    reason: str = ""
    other: float = math.nan

    @property
    def label(self) -> str:
        """``'p99=+10%'`` or ``'score=-0.5'``."""
        if self.key == "score":
            return f"score=-{self.limit:g}"
        return f"{self.key}=+{self.limit * 100:g}%"

    def describe(self) -> str:
        """One line: what the gate is, its status and why."""
        conf = f"{self.confidence * 100:.4g}%"
        if self.status == "undecided":
            return f"{self.candidate}: {self.label} UNDECIDED: {self.reason}"
        if self.key == "score":
            text = f"score change [{self.other:+.4g}, {self.bound:+.4g}] ({conf} one-sided bounds)"
        else:
            text = (
                f"{self.key} ratio [{format_ratio(self.bound, unit=False)}, "
                f"{format_ratio(self.other)}] ({conf} one-sided bounds)"
            )
        verdict = "TRIPPED" if self.status == "tripped" else "ok"
        return f"{self.candidate}: {self.label} {verdict}: {text}"


@dataclass(frozen=True)
class CandidateDiff:
    """One candidate measured in both runs."""

    name: str
    percentiles: dict[str, PercentileChange]
    score: ScoreChange | None


@dataclass(frozen=True)
class RunDiff:
    """What :func:`diff_runs` found: per-candidate changes, gates and warnings."""

    candidates: list[CandidateDiff]
    gates: list[Gate]
    warnings: list[str]
    only_old: list[str]
    only_new: list[str]
    failed_new: list[str]
    fail_on: dict[str, float] = field(default_factory=dict)
    alpha: float = ALPHA
    machine_factor: MachineFactor | None = None
    normalized: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def headline(self) -> str:
        """The gates' outcome in one sentence, naming every gate that is not ok.

        Examples
        --------
        >>> diff.headline  # doctest: +SKIP
        'gates: 1 undecided (forest p99=+10%: not in the new run); 1 ok'
        """
        if not self.gates:
            return "no gates (--fail-on not given)"
        parts = []
        for word, gates in (("tripped", self.tripped), ("undecided", self.undecided)):
            if gates:
                named = "; ".join(
                    f"{g.candidate} {g.label}" + (f": {g.reason}" if g.reason else "")
                    for g in gates
                )
                parts.append(f"{len(gates)} {word} ({named})")
        ok = len(self.gates) - len(self.tripped) - len(self.undecided)
        if ok:
            parts.append(f"{ok} ok")
        return "gates: " + "; ".join(parts)

    @property
    def tripped(self) -> list[Gate]:
        """Gates that tripped."""
        return [g for g in self.gates if g.status == "tripped"]

    @property
    def undecided(self) -> list[Gate]:
        """Gates no interval could decide."""
        return [g for g in self.gates if g.status == "undecided"]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (infinite bounds as None)."""

        def num(v: float | None) -> float | None:
            return None if v is None or not math.isfinite(v) else float(v)

        return {
            "candidates": {
                c.name: {
                    **{
                        k: {
                            "old_s": p.old,
                            "new_s": p.new,
                            "old_n": p.old_n,
                            "new_n": p.new_n,
                            "old_undersampled": p.old_undersampled,
                            "new_undersampled": p.new_undersampled,
                            "ratio": num(p.ratio),
                            "low": num(p.low),
                            "high": num(p.high),
                            "confidence": p.confidence,
                            "significant": p.significant,
                        }
                        for k, p in c.percentiles.items()
                    },
                    "score": None
                    if c.score is None
                    else {
                        "name": c.score.name,
                        "old": c.score.old,
                        "new": c.score.new,
                        "change": c.score.change,
                        "low": num(c.score.low),
                        "high": num(c.score.high),
                        "p_value": c.score.p_value,
                        "paired": c.score.paired,
                        "significant": c.score.significant,
                    },
                }
                for c in self.candidates
            },
            "gates": [
                {
                    "candidate": g.candidate,
                    "gate": g.label,
                    "status": g.status,
                    "bound": num(g.bound),
                    "confidence": g.confidence,
                    "reason": g.reason,
                }
                for g in self.gates
            ],
            "fail_on": self.fail_on,
            "headline": self.headline,
            "tripped": bool(self.tripped),
            "undecided": bool(self.undecided),
            "warnings": self.warnings,
            "only_in_old": self.only_old,
            "only_in_new": self.only_new,
            "failed_in_new": self.failed_new,
            "machine_factor": None
            if self.machine_factor is None
            else self.machine_factor.to_dict(),
            "normalized": self.normalized,
            "notes": self.notes,
        }


# --------------------------------------------------------------------------- computing
def _score_change(old: ModelResult, new: ModelResult, confidence: float) -> ScoreChange | None:
    so, sn = old.score, new.score
    if so.name != sn.name or not so.n or not sn.n:  # no score (a latency check's file)
        return None
    change = sn.value - so.value
    paired = so.rows_digest == sn.rows_digest and so.n == sn.n
    low, high, p = _score_bounds(old, new, (1.0 - confidence) / 2.0, paired)
    return ScoreChange(so.name, so.value, sn.value, change, low, high, p, paired, confidence)


def _score_bounds(
    old: ModelResult, new: ModelResult, alpha: float, paired: bool
) -> tuple[float, float, float | None]:
    """One-sided bounds at ``alpha`` each, and the two-sided p-value of no change."""
    so, sn = old.score, new.score
    if paired:  # the interval that inverts the paired test (prodbench.deltas)
        test = paired_score_test(old, new)
        p = float(test.p_value)
        low, high = test.interval(1.0 - 2.0 * alpha)
        return low, high, p
    from scipy.stats import norm

    if so.replicates is not None or sn.replicates is not None:
        # not a mean of per-row terms: each run's bootstrap replicates give its error
        ro, rn = so.replicates, sn.replicates
        if ro is None or rn is None or ro.size < 2 or rn.size < 2:
            return -math.inf, math.inf, None
        se = math.sqrt(float(np.var(ro, ddof=1)) + float(np.var(rn, ddof=1)))
        diff = sn.value - so.value
    else:
        co = np.asarray(so.contributions(), float)
        cn = np.asarray(sn.contributions(), float)
        if co.size < 2 or cn.size < 2:
            return -math.inf, math.inf, None
        se = math.sqrt(co.var(ddof=1) / co.size + cn.var(ddof=1) / cn.size)
        diff = float(cn.mean() - co.mean())
    z = float(norm.ppf(1.0 - alpha))
    if se == 0.0:
        return diff, diff, 1.0 if diff == 0.0 else 0.0
    return diff - z * se, diff + z * se, math.erfc(abs(diff) / se / math.sqrt(2.0))


def _wilson_cc(x: int, n: int, z: float) -> tuple[float, float]:
    """Wilson score bounds with continuity correction for ``x`` of ``n``, at one-sided ``z``."""
    p = x / n
    low = (
        0.0
        if x == 0
        else (2 * n * p + z * z - 1 - z * math.sqrt(z * z - 2 - 1 / n + 4 * p * (n * (1 - p) + 1)))
        / (2 * (n + z * z))
    )
    high = (
        1.0
        if x == n
        else (2 * n * p + z * z + 1 + z * math.sqrt(z * z + 2 - 1 / n + 4 * p * (n * (1 - p) - 1)))
        / (2 * (n + z * z))
    )
    return max(0.0, low), min(1.0, high)


def _unpaired_binary_bounds(
    old: ModelResult, new: ModelResult, alpha: float
) -> tuple[float, float] | None:
    """One-sided bounds at ``alpha`` each of new - old for right/wrong rows on different rows.

    Newcombe's hybrid score interval from continuity-corrected Wilson bounds
    (his method 11): the normal (Wald) bounds trip a gate set exactly at the
    true change more often than ``alpha`` (up to 5.4% for 5%, by simulation
    in ``benchmarks/bench_statements.py``); these stay at or under it. None
    when a score's per-row contributions are not all 0 or 1.
    """
    co = np.asarray(old.score.contributions(), float)
    cn = np.asarray(new.score.contributions(), float)
    if co.size < 2 or cn.size < 2 or not all(np.isin(c, (0.0, 1.0)).all() for c in (co, cn)):
        return None
    from scipy.stats import norm

    z = float(norm.ppf(1.0 - alpha))
    xo, xn = int(co.sum()), int(cn.sum())
    po, pn = xo / co.size, xn / cn.size
    lo_o, hi_o = _wilson_cc(xo, co.size, z)
    lo_n, hi_n = _wilson_cc(xn, cn.size, z)
    d = pn - po
    low = d - math.sqrt((pn - lo_n) ** 2 + (hi_o - po) ** 2)
    high = d + math.sqrt((hi_n - pn) ** 2 + (po - lo_o) ** 2)
    return low, high


def _percentile_change(
    old: ModelResult, new: ModelResult, key: str, confidence: float, cals: _Cals = None
) -> PercentileChange:
    q = PERCENTILE_KEYS[key]
    lo, ln = old.latency, new.latency
    po, pn = lo.percentile(q), ln.percentile(q)
    ratio = pn / po if po > 0 else math.inf
    if cals is None:
        low, high = ratio_bounds(lo.sorted_ns, ln.sorted_ns, q, (1.0 - confidence) / 2.0)
    else:  # half the error to the ratio, half to the machine factor divided out
        low, high = ratio_bounds(lo.sorted_ns, ln.sorted_ns, q, (1.0 - confidence) / 4.0)
        f = machine_factor(cals[1], cals[0], confidence=1.0 - (1.0 - confidence) / 2.0)
        low, high = _divide(low, high, f)
        ratio /= f.ratio
    return PercentileChange(
        key=key,
        old=po,
        new=pn,
        old_n=lo.n,
        new_n=ln.n,
        old_undersampled=lo.undersampled(q),
        new_undersampled=ln.undersampled(q),
        ratio=ratio,
        low=low,
        high=high,
        confidence=confidence,
    )


_Cals = tuple[Calibration, Calibration] | None
"""The old and new runs' calibrations, when latency ratios are normalized by them."""


def _divide(low: float, high: float, f: MachineFactor) -> tuple[float, float]:
    """Bounds of a ratio over the machine factor: the widest quotient of the two intervals."""
    lo = low / f.high if f.high > 0 and math.isfinite(f.high) else 0.0
    hi = high / f.low if f.low > 0 else math.inf
    return lo, hi


def _gate_bounds(
    old: ModelResult, new: ModelResult, key: str, alpha: float, cals: _Cals = None
) -> tuple[float, float, str]:
    """The tripping and the meeting bound of a gate at one-sided ``alpha`` each.

    NaN bounds and the reason when no interval of the change exists. With
    ``cals`` the latency ratio is divided by the machine factor, and ``alpha``
    is split between the ratio's bound and the factor's.
    """
    if key == "score":
        if old.score.name != new.score.name:
            return (
                math.nan,
                math.nan,
                (
                    f"the runs used different scores ({old.score.name} vs {new.score.name}), "
                    "so no interval of the change exists"
                ),
            )
        paired = old.score.rows_digest == new.score.rows_digest and old.score.n == new.score.n
        low, high, _ = _score_bounds(old, new, alpha, paired)
        if not paired:  # right/wrong per row on different rows: the score (Newcombe) bounds
            low, high = _unpaired_binary_bounds(old, new, alpha) or (low, high)
        if not math.isfinite(high):
            return math.nan, math.nan, "too few scored rows to bound the score change"
        return high, low, ""
    q = PERCENTILE_KEYS[key]
    lo, ln = old.latency, new.latency
    if cals is None:
        low, high = ratio_bounds(lo.sorted_ns, ln.sorted_ns, q, alpha)
    else:
        low, high = ratio_bounds(lo.sorted_ns, ln.sorted_ns, q, alpha / 2.0)
        low, high = _divide(low, high, machine_factor(cals[1], cals[0], confidence=1.0 - alpha))
    if stats.one_sided_bounds(ln.n, q, alpha / 2.0)[0] is None:
        return math.nan, high, f"the new run's {key} has no lower bound (n={ln.n:,})"
    if stats.one_sided_bounds(lo.n, q, alpha / 2.0)[1] is None and not low > 0:
        return (
            math.nan,
            high,
            (
                f"the old run's {key} has no upper bound (n={lo.n:,}; under-sampled), so no "
                "interval of the ratio can show a slowdown: re-measure the baseline run with "
                "a longer --max-time"
            ),
        )
    return low, high, ""


def _decide(key: str, limit: float, bound: float, other: float) -> tuple[GateStatus, str]:
    """Tripped beyond the limit; undecided when the interval holds both no change and
    past the limit; else ok (shown within the limit, or shown changed but not past it).
    """
    if key == "score":
        if bound < -limit:
            return "tripped", ""
        if other < -limit and bound >= 0.0:
            return "undecided", (
                f"the score change interval [{other:+.4g}, {bound:+.4g}] contains both no "
                f"change and past the -{limit:g} limit: more test rows would decide it"
            )
        return "ok", ""
    if bound > 1.0 + limit:
        return "tripped", ""
    if other > 1.0 + limit and bound <= 1.0:
        return "undecided", (
            f"the {key} ratio interval [{format_ratio(bound, unit=False)}, "
            f"{format_ratio(other)}] contains both no change and past the limit: more "
            "samples in both runs (a longer --max-time) would decide it"
        )
    return "ok", ""


def _gates(
    pairs: Mapping[str, tuple[ModelResult, ModelResult]],
    fail_on: Mapping[str, float],
    alpha: float,
    blocked: Mapping[str, str] | None = None,
    order: Sequence[str] = (),
    cals: _Cals = None,
) -> list[Gate]:
    """Holm over every (candidate, limit) gate, in interval form.

    ``blocked`` maps a gated candidate that cannot be compared (not in the
    new run, different data, a changed estimator) to the reason: each of its
    gates is undecided and counts in the family.
    """
    blocked = dict(blocked or {})
    names = list(dict.fromkeys([*order, *pairs, *blocked]))
    names = [n for n in names if n in pairs or n in blocked]
    family = [(name, key, limit) for name in names for key, limit in fail_on.items()]
    status: dict[tuple[str, str], Gate] = {}
    standing = list(family)
    # Holm, step-down: with k gates standing, every gate beyond its limit at
    # alpha / k trips and leaves; repeat until none trips. A gate that does
    # not trip stays in the count (conservative), ok or undecided.
    while standing:
        level = alpha / len(standing)
        tripped: list[tuple[str, str, float]] = []
        kept: list[tuple[str, str, float]] = []
        for name, key, limit in standing:
            if name in blocked:
                gate = Gate(name, key, limit, "undecided", math.nan, 1.0 - level, blocked[name])
                kept.append((name, key, limit))
                status[(name, key)] = gate
                continue
            old, new = pairs[name]
            bound, other, reason = _gate_bounds(old, new, key, level, cals)
            if math.isnan(bound):
                verdict: GateStatus = "undecided"
            else:
                verdict, reason = _decide(key, limit, bound, other)
            gate = Gate(name, key, limit, verdict, bound, 1.0 - level, reason, other)
            (tripped if verdict == "tripped" else kept).append((name, key, limit))
            status[(name, key)] = gate
        if not tripped:
            break
        standing = kept
    return [status[(name, key)] for name, key, _ in family]


def _blocked(old: Comparison, new: Comparison, common: list[str]) -> dict[str, str]:
    """Gated candidates that cannot be compared, and why."""
    out: dict[str, str] = {}
    for name in old.measured:
        if name in new.failures:
            out[name] = f"failed in the new run ({new.failures[name].phase})"
        elif name not in new.results:
            out[name] = "not in the new run"
    for name in common:
        ro, rn = old.results[name], new.results[name]
        if ro.score.rows_digest != rn.score.rows_digest or ro.score.n != rn.score.n:
            out[name] = (
                f"the runs used different data (rows digest {ro.score.rows_digest} vs "
                f"{rn.score.rows_digest}): re-run both on the same data, or pass "
                "--on-undecided pass to accept"
            )
        elif ro.estimator != rn.estimator:
            out[name] = (
                f"the estimator changed ({ro.estimator} -> {rn.estimator}): a different "
                "model under the same name; pass --on-undecided pass to accept"
            )
    return out


def _environment_warnings(old: Comparison, new: Comparison, common: list[str]) -> list[str]:
    out: list[str] = []
    eo = old.results[common[0]].environment or {}
    en = new.results[common[0]].environment or {}

    def differs(label: str, a: Any, b: Any) -> None:
        if a is not None and b is not None and a != b:
            out.append(f"{label} differs: old {a}, new {b}")

    differs("CPU", eo.get("cpu_model"), en.get("cpu_model"))
    differs("logical cores", eo.get("logical_cores"), en.get("logical_cores"))
    differs("Python", eo.get("python"), en.get("python"))
    po, pn = eo.get("packages") or {}, en.get("packages") or {}
    if isinstance(po, dict) and isinstance(pn, dict):
        changed = [f"{k} {po[k]} -> {pn[k]}" for k in sorted(set(po) & set(pn)) if po[k] != pn[k]]
        if changed:
            out.append("package versions differ: " + ", ".join(changed))
    differs("thread policy", eo.get("thread_policy"), en.get("thread_policy"))
    differs("thread limit while timing", eo.get("thread_limit"), en.get("thread_limit"))
    differs("GC policy", eo.get("gc_policy"), en.get("gc_policy"))
    lo, ln = eo.get("load_average"), en.get("load_average")
    if isinstance(lo, (list, tuple)) and isinstance(ln, (list, tuple)) and lo and ln:
        a, b = float(lo[0]), float(ln[0])
        cores = float(en.get("logical_cores") or eo.get("logical_cores") or 1)
        if abs(a - b) > max(0.5, 0.25 * cores):
            out.append(
                f"machine load differs: 1-minute load average old {a:.2f}, new {b:.2f} "
                f"({cores:g} cores); latency ratios may reflect the load, not the code"
            )
    for name in common:
        ro, rn = old.results[name], new.results[name]
        if ro.latency.request_format != rn.latency.request_format:
            out.append(
                f"{name}: request format differs: old {ro.latency.request_format}, "
                f"new {rn.latency.request_format}"
            )
        if ro.score.rows_digest != rn.score.rows_digest or ro.score.n != rn.score.n:
            out.append(
                f"{name}: the runs scored different data (rows digest {ro.score.rows_digest} "
                f"vs {rn.score.rows_digest}); score changes compare different rows, tested "
                "unpaired"
            )
    if out:
        out = [f"environments differ, so changes may not come from the model: {w}" for w in out]
    return out


def _calibrations(old: Comparison, new: Comparison, common: list[str]) -> _Cals:
    """The two runs' calibrations (one per run, stored with every result), or None."""
    co = calibration_of(old.results[common[0]].environment)
    cn = calibration_of(new.results[common[0]].environment)
    if co is None or cn is None or co.kernel_version != cn.kernel_version:
        return None
    return co, cn


def _factor_warnings(
    old: Comparison,
    new: Comparison,
    common: list[str],
    factor: MachineFactor | None,
    normalize: bool,
) -> tuple[list[str], list[str]]:
    """Warnings (a factor more than 5% from 1; --normalize without calibrations) and notes."""
    if factor is None:
        missing = [
            label
            for label, run in (("old", old), ("new", new))
            if calibration_of(run.results[common[0]].environment) is None
        ]
        why = (
            f"the {' and '.join(missing)} run{'s have' if len(missing) > 1 else ' has'} no "
            "calibration (saved by an older prodbench or with --no-calibrate)"
            if missing
            else "the runs' calibrations ran different kernels (different prodbench versions)"
        )
        what = "--normalize divided nothing out" if normalize else "no machine factor"
        text = (
            f"{why}, so {what}: the latency ratios include any change of the machine; "
            "re-measure both runs with this prodbench to compare machines"
        )
        return ([text], []) if normalize else ([], [text])
    if not factor.departs():
        return [], []
    if normalize:
        return [], [f"{factor.describe()}; divided out of every latency ratio (--normalize)"]
    return [
        f"{factor.describe()}, so the latency ratios include the machine's change, not only "
        "the model's: pass --normalize to divide it out, or re-run both on one quiet machine"
    ], []


def diff_runs(
    old: Comparison,
    new: Comparison,
    fail_on: Mapping[str, float] | None = None,
    *,
    keys: tuple[str, ...] = ("p50", "p99"),
    alpha: float = ALPHA,
    normalize: bool = False,
) -> RunDiff:
    """Compare two saved runs and apply ``--fail-on`` gates.

    Parameters
    ----------
    old, new : Comparison
        The two runs (e.g. from :meth:`Comparison.from_json`).
    fail_on : mapping, optional
        From :func:`parse_fail_on`: ``{"p99": 0.10, "score": 0.005}``.
    keys : tuple of str, default ("p50", "p99")
        Percentiles to report (gated ones are added).
    alpha : float, default 0.05
        Family-wise error rate of the gates (Holm).
    normalize : bool, default False
        Divide the machine factor (the runs' calibrations, new over old) out
        of every latency ratio before reporting and gating; each interval then
        includes the factor's uncertainty. Without calibrations in both runs
        nothing is divided, and a warning says so.

    Returns
    -------
    RunDiff

    Raises
    ------
    CandidateError
        When no candidate was measured in both runs: nothing could be gated.

    Examples
    --------
    >>> diff = diff_runs(old_cmp, new_cmp, {"p99": 0.1})  # doctest: +SKIP
    >>> [g.status for g in diff.gates]  # doctest: +SKIP
    ['ok']
    """
    limits = dict(fail_on or {})
    common = [n for n in old.measured if n in new.results]
    if not common:
        raise CandidateError(
            "No candidate was measured in both runs "
            f"(old: {', '.join(old.measured) or 'none'}; "
            f"new: {', '.join(new.measured) or 'none'}), "
            "so there is nothing to compare or gate. Diff runs of the same candidates."
        )
    report = list(dict.fromkeys([*keys, *(k for k in PERCENTILE_KEYS if k in limits)]))
    both = _calibrations(old, new, common)
    factor = None if both is None else machine_factor(both[1], both[0])
    cals = both if normalize else None
    factor_warnings, factor_notes = _factor_warnings(old, new, common, factor, normalize)
    candidates = []
    pairs = {}
    for name in common:
        ro, rn = old.results[name], new.results[name]
        pairs[name] = (ro, rn)
        candidates.append(
            CandidateDiff(
                name,
                {k: _percentile_change(ro, rn, k, DISPLAY_CONFIDENCE, cals) for k in report},
                _score_change(ro, rn, DISPLAY_CONFIDENCE),
            )
        )
    return RunDiff(
        candidates=candidates,
        gates=_gates(pairs, limits, alpha, _blocked(old, new, common), old.measured, cals),
        warnings=_environment_warnings(old, new, common) + factor_warnings,
        only_old=[n for n in old.measured if n not in new.results and n not in new.failures],
        only_new=[n for n in new.measured if n not in old.results],
        failed_new=[n for n in old.measured if n in new.failures],
        fail_on=limits,
        alpha=alpha,
        machine_factor=factor,
        normalized=cals is not None,
        notes=factor_notes,
    )
