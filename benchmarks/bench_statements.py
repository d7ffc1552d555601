"""Do the score sentences agree with their own numbers? By simulation (issue 18).

Prints, for simulated paired classification tables (n test rows, a share of
discordant rows, the candidate winning a fraction ``w`` of them):

* how often the printed interval excludes 0 while the printed test says "not
  significant" (or the reverse), before (the paired percentile bootstrap next
  to the exact McNemar test) and after (the exact conditional interval that
  inverts the McNemar test): the goal is 0;
* the coverage of the new paired interval at n = 150, 360, 1,000 and 10,000
  with 1% and 5% discordant rows (goal: at least the nominal 95% minus 1%);
* the same disagreement rate and coverage for the regression path (sign-flip
  permutation test and the interval that inverts it) on t(3) differences;
* how often the production tie-break declares a false "lower p99" between a
  well-sampled (5,000) and an under-sampled candidate of the same latency
  distribution, with the bootstrap ratio interval (before) and the
  order-statistic bounds the tie-break now uses (after).

* how often the score gate of ``diff`` (``--fail-on score=-1pp``) trips when
  the true change sits exactly on the limit (goal: at most 5% plus Monte
  Carlo error), on paired tables (same test rows) and on different rows,
  through ``prodbench.diff``'s own bounds (run it on the old tree for
  "before");
* whether the budget advice for an undecided p99 ("about N samples would
  decide it about X% of the time") comes true at the rate it states, by
  re-running each piece of advice with the samples it names, for a p99 on its
  limit, near it, and drawn around it ("before": the old tree's "would
  likely decide it", read as 80%);
* the share of the latency budget that goes to the candidate whose budget
  outcome is still open (one fake on its p50 limit, two far beyond it), on a
  fake clock through the engine's driver: run it with ``PYTHONPATH`` on the
  old tree for "before" (its driver takes no limits) and on this one for
  "after"; ``--real`` adds the same run through ``compare`` with busy-wait
  models (machine-dependent).

No timing at all (but ``--real``): the figures do not depend on the machine.

Run: ``python benchmarks/bench_statements.py`` (about half an hour on a busy
2-core machine);
``--quick`` for a tenth of the replicates; ``--share`` for the latency-share
figure alone (``--real`` adds its busy-wait run), ``--gate`` for it and the
score gate's rate, ``--advice`` for it and the budget advice's rate.
"""

import inspect
import sys
import time
from pathlib import Path

import numpy as np

from prodbench import stats

ALPHA = 0.05


def _disagrees(low: float, high: float, p: float) -> bool:
    return (low > 0 or high < 0) != (p < ALPHA)


def classification(replicates: int) -> None:
    """Disagreement before/after and coverage of the exact conditional interval."""
    rng = np.random.default_rng(18)
    print(f"classification: {replicates} tables per cell, 95% level")
    print("      n  discordant  wins  before: CI vs test disagree  after  coverage")
    worst = 1.0
    for n in (150, 360, 1000, 10_000):
        for share in (0.01, 0.05):
            for wins in (0.5, 0.7, 0.9):
                before = after = covered = 0
                pc, pb = share * wins, share * (1 - wins)
                truth = pc - pb
                for _ in range(replicates):
                    b, c, _rest = (int(v) for v in rng.multinomial(n, [pb, pc, 1 - share]))
                    t = stats.McNemarInterval(b, c, n)
                    p = t.p_value
                    d = np.zeros(n)
                    d[:b], d[b : b + c] = -1.0, 1.0
                    old = stats.paired_bootstrap_mean(d, random_state=int(rng.integers(1 << 30)))
                    before += _disagrees(*old, p)
                    low, high = t.interval(1 - ALPHA)
                    after += _disagrees(low, high, p)
                    covered += low <= truth <= high
                cov = covered / replicates
                worst = min(worst, cov)
                print(
                    f"  {n:>5}  {share:>9.0%}  {wins:>4.0%}  {before / replicates:>27.2%}  "
                    f"{after / replicates:>5.2%}  {cov:>8.1%}"
                )
    print(f"  lowest coverage: {worst:.1%} (goal >= 94.0%)")


def holm_family(replicates: int) -> None:
    """Three challengers, Holm-adjusted: the interval at each one's Holm level."""
    rng = np.random.default_rng(19)
    bad = 0
    for _ in range(replicates):
        n = int(rng.choice([150, 360, 1000]))
        tables = [rng.multinomial(n, [0.01, w * 0.04, 1 - 0.01 - w * 0.04]) for w in (0.2, 0.5, 1)]
        tests = [stats.McNemarInterval(int(b), int(c), n) for b, c, _ in tables]
        raw = [t.p_value for t in tests]
        adjusted, levels = stats.holm(raw), stats.holm_levels(raw, ALPHA)
        for t, p, level in zip(tests, adjusted, levels, strict=True):
            low, high = t.interval(1 - level, reject=p < ALPHA)
            raw_low, raw_high = t.interval(1 - level)  # without the decision passed in
            bad += _disagrees(low, high, p) or _disagrees(raw_low, raw_high, p)
    print(f"Holm over 3 challengers, {replicates} families: disagreements {bad}")


def regression(replicates: int) -> None:
    """Sign-flip permutation: bootstrap (before) and the inverted interval (after)."""
    rng = np.random.default_rng(20)
    print(f"regression (t(3) differences): {replicates} cases per cell, 2,000 sign flips")
    print("      n  effect  before: disagree  after  coverage")
    for n in (150, 360, 1000):
        for effect in (0.0, 0.1, 0.2):
            before = after = covered = 0
            for i in range(replicates):
                d = rng.standard_t(3, n) + effect
                t = stats.SignFlipTest.from_differences(d, n_resamples=2000, random_state=i)
                p = t.p_value
                before += _disagrees(*stats.paired_bootstrap_mean(d, random_state=i), p)
                low, high = t.interval(1 - ALPHA)
                after += _disagrees(low, high, p)
                covered += low <= effect <= high
            print(
                f"  {n:>5}  {effect:>6}  {before / replicates:>16.2%}  "
                f"{after / replicates:>5.2%}  {covered / replicates:>8.1%}"
            )


def p99_tie_break(replicates: int) -> None:
    """False "lower p99" between equal candidates, one under-sampled."""
    rng = np.random.default_rng(21)
    print(f'p99 tie-break between equal candidates: {replicates} pairs, false "lower p99" rate')
    print("  n_small  before (bootstrap)  after (order statistics)")
    for n_small in (370, 600, 1000):
        before = after = 0
        for i in range(replicates):
            a = np.sort(np.exp(rng.normal(0.0, 0.3, 5000)))
            b = np.sort(np.exp(rng.normal(0.0, 0.3, n_small)))
            fast, slow = (a, b) if stats.percentile(a, 99) <= stats.percentile(b, 99) else (b, a)
            _, _, high = stats.bootstrap_quantile_ratio(slow, fast, 99, random_state=i)
            before += high < 1.0
            _, high2 = stats.quantile_ratio_bounds(slow, fast, 99, 0.025)
            after += high2 < 1.0
        print(f"  {n_small:>7}  {before / replicates:>18.2%}  {after / replicates:>24.2%}")


def score_gate(replicates: int) -> None:
    """False-trip rate of the score gate with the true change exactly at the limit."""
    import dataclasses

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from factories import make_result

    from prodbench import diff

    rng = np.random.default_rng(23)
    limit = 0.01
    print(f"score gate score=-1pp, true change -1pp: {replicates} pairs per cell, 5% level")
    print("      n  rows       setting          trip rate")
    worst = 0.0
    for n in (200, 1000, 5000):
        y = np.arange(n) % 2
        cells = [("same", 0.1), ("same", 0.3), ("different", 0.7), ("different", 0.95)]
        for rows, value in cells:
            trips = 0
            for _ in range(replicates):
                if rows == "same":  # discordant share ``value``, the new model losing 1pp
                    p_old, p_new = value / 2 + limit / 2, value / 2 - limit / 2
                    cat = rng.choice(3, size=n, p=[p_old, p_new, 1 - value])
                    both = rng.random(n) < 0.9
                    old_c = np.where(cat == 0, True, np.where(cat == 1, False, both))
                    new_c = np.where(cat == 1, True, np.where(cat == 0, False, both))
                else:  # accuracy ``value`` on one test set, ``value - 1pp`` on another
                    old_c = rng.random(n) < value
                    new_c = rng.random(n) < value - limit
                old = make_result("m", n=10, correct=old_c, y_true=y)
                new = make_result("m", n=10, correct=new_c, y_true=y)
                if rows == "different":
                    score = dataclasses.replace(new.score, rows_digest="other rows")
                    new = dataclasses.replace(new, score=score)
                bound, _other, _reason = diff._gate_bounds(old, new, "score", ALPHA)
                trips += bound < -limit
            rate = trips / replicates
            worst = max(worst, rate)
            setting = f"discordant {value:.0%}" if rows == "same" else f"accuracy {value:.0%}"
            print(f"  {n:>5}  {rows:<9}  {setting:<15}  {rate:>8.2%}")
    mc = 2 * np.sqrt(0.05 * 0.95 / replicates)
    print(f"  highest trip rate: {worst:.2%} (goal <= 5% + {mc:.2%} Monte Carlo error)")


def budget_advice(replicates: int) -> None:
    """Does "N more samples would decide it" come true at the rate it claims?"""
    from prodbench import budget

    rng = np.random.default_rng(2)
    q, alpha, n0 = 99, 0.025, 1000
    have_chance = hasattr(budget, "decide_chance")
    print(
        f"budget advice for an undecided p99 after {n0:,} samples: {replicates} first runs "
        "per cell; each piece of advice re-run with the samples it names"
    )
    print("  true share at/below the limit   advice given   claimed   came true")
    cells: list[tuple[str, float | None]] = [
        ("0.990 (p99 on the limit)", 0.99),
        ("0.9925", 0.9925),
        ("0.995", 0.995),
        ("uniform 0.98-1.00", None),
    ]
    for label, share in cells:
        given = claimed = came = 0.0
        for _ in range(replicates):
            f = float(rng.uniform(0.98, 1.0)) if share is None else share
            below = int(rng.binomial(n0, f))
            lo, hi = stats.one_sided_bounds(n0, q, alpha)
            if (hi is not None and below >= hi + 1) or (lo is not None and below < lo + 1):
                continue  # decided already: no advice
            m = stats.samples_to_decide(below, n0, q, alpha)
            if m is None or m > 1_000_000:
                continue  # "too close to decide": no promise made
            chance = budget.decide_chance(below, n0, q, alpha, m) if have_chance else 0.8
            if chance < 0.5:
                continue  # "no max_time is likely to decide it": no promise made
            given += 1
            claimed += chance
            lo_m, hi_m = stats.one_sided_bounds(m, q, alpha)
            k = int(rng.binomial(m, f))
            came += (hi_m is not None and k >= hi_m + 1) or (lo_m is not None and k < lo_m + 1)
        if given:
            print(
                f"  {label:<30} {given / replicates:>12.0%}   {claimed / given:>7.0%}   "
                f"{came / given:>9.0%}"
            )
    print(
        "  (claimed: "
        + ("the stated chance" if have_chance else '"likely", read as 80%')
        + "; an undecided percentile on its limit is never decided, whatever the time)"
    )


def latency_share(real: bool) -> None:
    """Share of the latency budget that goes to the undecided candidate."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from fakes import near_and_far

    from prodbench.engine.driver import _run

    steered = "limits" in inspect.signature(_run).parameters
    print(
        "latency budget share, p50 limit 150 us: near (on it), far (1 ms), farther (2 ms); "
        + ("driver steered by the budget" if steered else "driver without budget steering")
    )
    print("  fake clock, max_time=0.5 s per candidate (1.5 s run budget)")
    limits, runners = near_and_far(0.5)
    kw = {"limits": limits} if steered else {}
    out = _run(list(runners), None, None, raise_errors=True, max_time=0.5, **kw)
    _print_shares({k: (n, s, r) for k, (n, s, r) in out.items()})
    if real:
        _real_share()


def _print_shares(rows: dict[str, tuple[int, float, str]]) -> None:
    total_s = sum(s for _, s, _ in rows.values())
    total_n = sum(n for n, _, _ in rows.values())
    for name, (n, s, reason) in rows.items():
        print(f"    {name:<8} {s / total_s:>6.1%} of the time  {n / total_n:>6.1%} of samples "
              f"(n={n:,}, {reason})")  # fmt: skip


def _real_share() -> None:
    from fakes import busy_wait_ns
    from sklearn.datasets import load_breast_cancer

    import prodbench as pb

    class Bimodal:
        def __init__(self, fast_ns: int, slow_ns: int, slow: float) -> None:
            rng = np.random.default_rng(0)
            self.draws = np.where(rng.random(1 << 14) < slow, slow_ns, fast_ns).tolist()
            self.i = 0

        def fit(self, X: object, y: np.ndarray) -> "Bimodal":
            self.label_ = np.unique(y)[:1]
            return self

        def predict(self, X: np.ndarray) -> np.ndarray:
            if len(X) == 1:
                self.i = (self.i + 1) % len(self.draws)
                busy_wait_ns(self.draws[self.i])
                return self.label_
            return np.repeat(self.label_, len(X))

    X, y = load_breast_cancer(return_X_y=True)
    models = {
        "near": Bimodal(50_000, 300_000, 0.48),
        "far": Bimodal(500_000, 500_000, 0.0),
        "farther": Bimodal(800_000, 800_000, 0.0),
    }
    cmp = pb.compare(
        models, X, y, budget="p50=150us", max_time=1.0, precision=1e-6, min_fits=1,
        isolate=False, progress=False,
    )  # fmt: skip
    print("  busy-wait models through compare (far 500 us, farther 800 us), max_time=1 s")
    _print_shares(
        {
            n: (r.latency.n, r.latency.elapsed_s, r.latency.stop_reason)
            for n, r in cmp.results.items()
        }
    )


def main() -> None:
    """Print the figures."""
    quick = "--quick" in sys.argv
    t0 = time.time()
    if "--share" in sys.argv:  # only the latency-share figure
        latency_share("--real" in sys.argv)
        return
    latency_share("--real" in sys.argv)
    if "--advice" in sys.argv:  # only the budget advice's rate
        budget_advice(300 if quick else 3000)
        return
    budget_advice(300 if quick else 3000)
    if "--gate" in sys.argv:  # only the score gate's rate
        score_gate(200 if quick else 2000)
        return
    score_gate(200 if quick else 2000)
    classification(200 if quick else 2000)
    holm_family(300 if quick else 3000)
    regression(50 if quick else 400)
    p99_tie_break(200 if quick else 2000)
    print(f"({time.time() - t0:.0f} s)")


if __name__ == "__main__":
    main()
