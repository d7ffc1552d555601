"""The shared table model: a comparison's rows, columns, notes and sections, built once.

:func:`build_report` turns a :class:`~prodbench.verdict.Comparison` into a
:class:`ComparisonReport` of plain strings; every format module lays that out
and computes nothing of its own. :func:`result_items` does the same for one
:class:`~prodbench.results.ModelResult`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ..environment import summarize_environment
from ..errors import ProdbenchError
from ..units import format_bytes, format_duration, lower_is_better, score_label
from .cells import (
    DASH,
    PERCENTILES,
    SIGNIFICANT_MARK,
    STATUS_TEXT,
    UNDERSAMPLED_MARK,
    fmt_bound,
    fmt_bytes,
    fmt_duration,
    fmt_int,
    fmt_interval,
    fmt_interval_units,
    fmt_rate,
    fmt_ratio,
    fmt_score,
    fmt_score_diff,
    stop_words,
)
from .types import Column, ComparisonReport, Row, Section

if TYPE_CHECKING:
    from ..results import LatencyResult, ModelResult
    from ..serving_results import Capacity
    from ..verdict import Comparison, Delta

__all__ = [
    "SECTION_BUILDERS",
    "Column",
    "ComparisonReport",
    "Row",
    "Section",
    "build_report",
    "capacity_section",
    "comparison_capacity_section",
    "delta",
    "result_items",
    "score_name",
]


_COLUMNS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # key, group, header lines ("{score}" is replaced by the score's name)
    ("score", "research", ("{score}",)),
    ("delta", "research", ("Δ vs", "baseline")),
    ("fit", "research", ("fit", "time")),
    ("train", "research", ("train", "rows/s")),
    ("bulk", "research", ("bulk", "rows/s")),
    ("compile", "research", ("compile", "time")),  # only with runtime variants
    ("p50", "production", ("p50",)),
    ("p99", "production", ("p99", "[95% CI]")),
    ("ratio", "production", ("p99", "vs base")),
    ("cold", "production", ("cold", "start")),
    ("size", "production", ("size",)),
    ("memory", "production", ("memory",)),  # only when memory was recorded
    ("parity", "production", ("parity",)),  # only with runtime variants
    ("budget", "production", ("budget",)),
)
_RUNTIME_COLUMNS = ("compile", "parity")


def columns(cmp: Comparison) -> tuple[Column, ...]:
    """The main table's columns (the budget column only when there is a budget).

    Compile time and parity appear only when the comparison has compiled
    runtime variants (``compare(runtimes=...)``, ``--runtime``).
    """
    score = score_label(score_name(cmp))
    variants = any(r.runtime is not None for r in cmp.results.values())
    memory = any(r.memory is not None for r in cmp.results.values())
    return tuple(
        Column(key, group, tuple(h.format(score=score) for h in head))
        for key, group, head in _COLUMNS
        if (key != "budget" or cmp.budget)
        and (key not in _RUNTIME_COLUMNS or variants)
        and (key != "memory" or memory)
    )


def score_name(cmp: Comparison) -> str:
    """The score's name (``accuracy``, ``r2``, ...) of the first measured candidate."""
    for n in cmp.measured:
        return cmp.results[n].score.name
    return "score"


def delta(cmp: Comparison, name: str) -> Delta | None:
    """The delta against the baseline, or None (baseline itself, failed baseline, unpaired)."""
    if name == cmp.baseline:
        return None
    try:
        return cmp.versus(name)
    except ProdbenchError:
        return None


def _percentile_cell(lat: LatencyResult, q: float) -> tuple[str, bool]:
    if lat.n == 0:
        return DASH, False
    flagged = lat.undersampled(q)
    return format_duration(lat.percentile(q)) + (UNDERSAMPLED_MARK if flagged else ""), flagged


def rows(cmp: Comparison) -> tuple[Row, ...]:
    """One :class:`Row` per candidate in ``cmp.names`` order, failed ones included."""
    out: list[Row] = []
    for name in cmp.names:
        is_base = name == cmp.baseline
        if name in cmp.failures:
            f = cmp.failures[name]
            out.append(Row(name, is_base, failed=f"FAILED in {f.phase}: {f.error_type}"))
            continue
        if name not in cmp.results:
            continue
        r = cmp.results[name]
        d = delta(cmp, name)
        lat = r.latency
        p50, p50_flag = _percentile_cell(lat, 50)
        p99, p99_flag = _percentile_cell(lat, 99)
        if lat.n:
            # "31.7† [30.7, inf) ms": the value in the interval's unit, the unit once
            low, high = lat.interval(99)
            unit = format_duration(lat.p99).rsplit(" ", 1)[-1]
            p99 = (
                fmt_bound(lat.p99, unit)
                + (UNDERSAMPLED_MARK if p99_flag else "")
                + " "
                + fmt_interval(low, high, lat.p99)
            )
        if is_base:
            delta_cell = "(baseline)"
        elif d is None:
            delta_cell = DASH
        else:
            delta_cell = fmt_score_diff(d.score_name, d.score_diff)
            if d.significant:
                delta_cell += SIGNIFICANT_MARK
        checks = cmp.budget_status(name)
        status = cmp.budget_overall(name)
        failing = tuple(c.key for c in checks.values() if c.status == "fail")
        cells = {
            "candidate": name,
            "score": fmt_score(r.score.name, r.score.value),
            "delta": delta_cell,
            "fit": DASH if r.training is None else fmt_duration(r.training.fit_time),
            "train": DASH if r.training is None else fmt_rate(r.training.samples_per_second),
            "bulk": fmt_rate(r.throughput.largest.rows_per_second)
            if r.throughput.batches
            else DASH,
            "p50": p50,
            "p99": p99,
            "ratio": DASH
            if d is None
            else fmt_ratio(d.p99_ratio) + (UNDERSAMPLED_MARK if d.p99_undersampled else ""),
            "cold": fmt_duration(lat.cold_start),
            "size": DASH if r.footprint is None else fmt_bytes(r.footprint.size_bytes),
            "memory": DASH if r.memory is None else fmt_bytes(r.memory.per_worker_bytes),
            "compile": DASH if r.runtime is None else fmt_duration(r.runtime.conversion_time),
            "parity": DASH
            if r.runtime is None
            else (
                f"{100 * r.runtime.parity.agreement:.1f}%"
                if r.runtime.parity.ok
                else f"FAILED {100 * r.runtime.parity.agreement:.1f}%"
            ),
            "budget": DASH
            if status is None
            else STATUS_TEXT[status]
            + (f" {','.join(failing)}" if failing and len(checks) > 1 else ""),
        }
        flagged = tuple(k for k, on in (("p50", p50_flag), ("p99", p99_flag)) if on)
        tip = "; ".join(c.describe() for c in checks.values())
        out.append(Row(name, is_base, "", cells, status, failing, flagged, tip))
    return tuple(out)


def _memory_notes(cmp: Comparison) -> list[str]:
    """What the memory column is, said once (and that in-process figures are not per worker)."""
    kept = [r.memory for r in cmp.results.values() if r.memory is not None]
    if not kept:
        return []
    if all(m.isolated for m in kept):
        return [
            "Memory: each candidate's worker process once the model is loaded or fitted "
            "(resident set; the peak while predicting if higher), the interpreter, its "
            "libraries and the data it holds included."
        ]
    return [
        "Memory: measured in the one shared process (isolation off): every candidate, the "
        "data and prodbench included, so an overestimate of one worker; use isolate=True "
        "for per-worker figures."
    ]


def _undersampled_notes(cmp: Comparison, table: Sequence[Row]) -> list[str]:
    notes = []
    for row in table:
        lat = cmp.results[row.name].latency if row.name in cmp.results else None
        for key in row.undersampled:
            assert lat is not None
            q = dict(PERCENTILES)[key]
            notes.append(
                f"{UNDERSAMPLED_MARK} {row.name}: {key} under-sampled: n={fmt_int(lat.n)} < "
                f"{fmt_int(lat.required(q))} needed; the value is near the slowest call, "
                f"not a reliable {key}.{_more_time(cmp.results[row.name], q)}"
            )
    return notes


def _more_time(result: Any, q: float) -> str:
    """How much more latency sampling (max_time / --max-time) a percentile needs."""
    lat = result.latency
    max_time = result.options.get("max_time")
    if not lat.n or not lat.elapsed_s or not isinstance(max_time, (int, float)):
        return ""
    per_call = lat.elapsed_s / (lat.n + lat.warmup)
    more = math.ceil((lat.required(q) - lat.n) * per_call * 1.1 + 0.5)
    return (
        f" It needs about {more} s more sampling: raise max_time (--max-time) to about "
        f"{math.ceil(max_time + more)} s."
    )


def _encoding_notes(cmp: Comparison) -> list[str]:
    """How the presets' fronts encoded a table's columns: one line per distinct encoding."""
    from ..models import ENCODING_NOTE

    by_text: dict[str, list[str]] = {}
    for name in cmp.measured:
        for note in cmp.results[name].notes:
            if note.startswith(ENCODING_NOTE):
                by_text.setdefault(note, []).append(name)
    return [f"{', '.join(names)}: {note}" for note, names in by_text.items()]


def _interrupted_notes(cmp: Comparison) -> list[str]:
    """The mark of a run cut short by Ctrl-C: which candidates hold partial results."""
    cut = [n for n in cmp.measured if cmp.results[n].interrupted]
    if not cut:
        return []
    who = ", ".join(cut)
    verb = "was" if len(cut) == 1 else "were"
    return [
        f"! interrupted: {who} {verb} cut short by Ctrl-C: the phases finished before it and "
        "the latency samples taken so far, no footprint; figures and picks are partial."
    ]


def _thread_trap_notes(cmp: Comparison) -> list[str]:
    """The thread-trap probe's and the machine-noise warnings, which change how to read a run."""
    from ..noise import BUSY_PREFIX, DRIFT_PREFIX, shared_tail_warning

    notes = [
        f"! {name}: {note}"
        for name in cmp.measured
        for note in cmp.results[name].notes
        if note.startswith(("thread trap", DRIFT_PREFIX))
    ]
    busy = [
        n for name in cmp.measured for n in cmp.results[name].notes if n.startswith(BUSY_PREFIX)
    ]
    if busy:  # the same machine for every candidate: once, the first one's words
        notes.append(f"! {busy[0]}")
    for name in cmp.measured:  # which intervals are not the order-statistic ones, and why
        lat = cmp.results[name].latency
        if lat.n and lat.dependence(99).dependent:
            reasons = "; ".join(lat.dependence(99).reasons)
            notes.append(f"! {name}: p99 interval by {lat.interval_method(99)} ({reasons})")
    tail = shared_tail_warning({name: cmp.results[name].latency for name in cmp.measured})
    if tail is not None:
        notes.append(f"! {tail}")
    return notes


def _significance_note(cmp: Comparison) -> str | None:
    tests = sorted(
        {
            d.method or f"{d.test} test"
            for n in cmp.measured
            if (d := delta(cmp, n)) is not None and d.significant
        }
    )
    if not tests:
        return None
    adjusted = {
        d.n_challengers
        for n in cmp.measured
        if (d := delta(cmp, n)) is not None and d.adjustment == "Holm"
    }
    holm = (
        f"; Holm-adjusted across {max(adjusted)} challengers, each interval at the level "
        "Holm tested its challenger at"
        if adjusted
        else ""
    )
    return (
        f"{SIGNIFICANT_MARK} significant at the 5% level ({', '.join(tests)}, "
        f"paired on the same test rows; an interval excludes 0 exactly when its test is "
        f"significant{holm})."
    )


def _measured_note(cmp: Comparison) -> str | None:
    measured = cmp.measured
    if not measured:
        return None
    first = cmp.results[measured[0]]
    batches = {
        cmp.results[n].throughput.largest.batch_size
        for n in measured
        if cmp.results[n].throughput.batches
    }
    formats = {cmp.results[n].latency.request_format for n in measured}
    samples = ", ".join(
        f"{n} n={fmt_int(cmp.results[n].latency.n)} ("
        + ("" if len(formats) == 1 else f"{cmp.results[n].latency.request_format}, ")
        + f"{stop_words(cmp.results[n].latency.stop_reason)})"
        for n in measured
    )
    text = f"{fmt_int(first.score.n)} test rows"
    if batches:
        text += f"; bulk rows/s at batch size {', '.join(map(str, sorted(batches)))}"
    requests = (
        f"one-row {_FORMAT_WORDS.get(f, f)} requests"
        if len(formats) == 1 and (f := next(iter(formats)))
        else "one-row requests, each in the type its model was fitted on"
    )
    return f"{text}; latency samples (one predict call each, {requests}): {samples}."


_FORMAT_WORDS = {"numpy": "numpy-array", "pandas": "DataFrame"}


def _environment_line(cmp: Comparison) -> str | None:
    for n in cmp.measured:
        return summarize_environment(cmp.results[n].environment)
    return None


def _budget_details(cmp: Comparison) -> list[str]:
    """``BudgetCheck.describe()`` for every limit that did not pass."""
    out = []
    for n in cmp.measured:
        for c in cmp.budget_status(n).values():
            if c.status != "pass":
                out.append(f"{n}: {c.describe()}")
    return out


# --------------------------------------------------------------------------- sections
def _verdict_section(cmp: Comparison) -> Section | None:
    if not cmp.verdict:
        return None
    return Section("verdict", "Verdict", bullets=tuple(cmp.verdict))


def _stakeholders_section(cmp: Comparison) -> Section | None:
    if not cmp.stakeholders:
        return None
    return Section(
        "stakeholders",
        "Stakeholders",
        headers=("stakeholder", "objective", "pick", "why"),
        rows=tuple((s.role, s.objective, s.pick or DASH, s.reason) for s in cmp.stakeholders),
    )


# --------------------------------------------------------------------------- capacity
def _limits_text(cap: Capacity) -> str:
    return ", ".join(f"{k} < {format_duration(v, trim=True)}" for k, v in cap.budget.items())


def _batched_bullets(cap: Capacity) -> list[str]:
    """One line per candidate with a batching what-if: best policy next to one by one."""
    out = []
    for name, cand in cap.candidates.items():
        b = cand.batched
        if b is None:
            continue
        m = b.max_qps
        one = cand.max_qps.get(m.workers)
        flag = UNDERSAMPLED_MARK if m.undersampled else ""
        line = (
            f"{name}: batching max_batch={b.max_batch}, max_wait={b.max_wait * 1e3:g} ms: "
            f"{'>= ' if m.capped else ''}{fmt_rate(m.qps)}{flag} QPS "
            f"[{fmt_rate(m.qps_low)}, {fmt_rate(m.qps_high)}] on {m.workers} "
            f"worker{'s' if m.workers != 1 else ''}"
        )
        if one is not None:
            line += f" (one by one {fmt_rate(one.qps)})"
        t = b.target
        if t is not None and cap.qps is not None:
            if t.workers is None:
                line += f"; at {cap.qps:g} QPS: {t.reason}"
            else:
                assert b.target_policy is not None
                line += (
                    f"; {t.workers} worker{'s' if t.workers != 1 else ''} for {cap.qps:g} QPS "
                    f"with max_batch={b.target_policy[0]}, "
                    f"max_wait={b.target_policy[1] * 1e3:g} ms (p99 {fmt_duration(t.p99)})"
                )
        if b.note:
            line += f"; {b.note}"
        out.append(line)
    return out


def capacity_section(cap: Capacity) -> Section:
    """The capacity of every candidate as a section of strings.

    Examples
    --------
    >>> from prodbench.serving_results import Capacity, CandidateCapacity, MaxQPS
    >>> m = MaxQPS(1, 1234.0, 1100.0, 1300.0, 0.0005, 5000, {"p99": 0.005})
    >>> cap = Capacity({"p99": 0.005}, (1,), {"lone": CandidateCapacity("lone", {1: m})})
    >>> capacity_section(cap).rows
    (('lone', '1', '1.23k', '[1.10k, 1.30k]', '62%'),)
    """
    rows = []
    for name, cand in cap.candidates.items():
        for workers, m in cand.max_qps.items():
            flag = UNDERSAMPLED_MARK if m.undersampled else ""
            if m.qps <= 0:
                row = (name, str(workers), "0" + flag, DASH, DASH)
            else:
                row = (
                    name,
                    str(workers),
                    (">= " if m.capped else "") + fmt_rate(m.qps) + flag,
                    f"[{fmt_rate(m.qps_low)}, {fmt_rate(m.qps_high)}]",
                    f"{m.utilization:.0%}",
                )
            rows.append(row + _memory_cells(cap, name, workers, serves=m.qps > 0))
    bullets = []
    if cap.qps is not None:
        for name, cand in cap.candidates.items():
            t = cand.target
            if t is None:
                continue
            if t.workers is None:
                bullets.append(
                    f"{name}: cannot serve {cap.qps:g} QPS within the budget: {t.reason}."
                )
                continue
            bullets.append(
                f"{name}: {t.workers} worker{'s' if t.workers != 1 else ''} for {cap.qps:g} QPS; "
                f"p50 {fmt_duration(t.p50)}, p99 {fmt_duration(t.p99)} at that load; "
                f"${t.cost_per_million:.4f} per million predictions"
                + (f"; {t.note}" if t.note else "")
                + _hosts_bullet(cap, name, t.workers)
            )
    bullets += _batched_bullets(cap)
    process = "Poisson arrival" if cap.arrivals == "poisson" else f"arrival ({cap.arrivals})"
    notes = [
        f"Max QPS: the highest {process} rate at which the simulated "
        f"{_limits_text(cap)} holds, workers sharing one FIFO queue, service times drawn "
        "from the measured one-row latencies (single-threaded workers, no network). "
        f"95% interval from {cap.replicates} bootstrap replicates over the samples and "
        "the simulation seeds.",
    ]
    capped = sorted(
        {m.requests for c in cap.candidates.values() for m in c.max_qps.values() if m.capped}
    )
    if capped:
        from ..serving import trusted_utilization  # a pure function of the request count

        notes.append(
            ">= : the budget still holds at the highest utilisation a simulation of "
            f"{capped[0]:,} requests is trusted at ({trusted_utilization(capped[0]):.0%}; "
            "nearer saturation it has not reached steady state): a lower bound."
        )
    if cap.qps is not None:
        notes.append(
            f"Workers for {cap.qps:g} QPS: the fewest whose max-QPS lower bound reaches it; "
            f"cost = workers x ${cap.price_per_core_hour:g} per core-hour, one core per worker."
        )
    for name in cap.undersampled:
        cand = cap.candidates[name]
        open_low = any(m.qps_low == 0.0 < m.qps for m in cand.max_qps.values())
        notes.append(
            f"{UNDERSAMPLED_MARK} {name}: capacity from {cand.n_samples:,} samples, too few for "
            "the budget's percentile (p99 needs 662): the tail the simulation draws from is "
            "poorly known"
            + (
                "; its interval starts at 0, since so few samples give the percentile no "
                "upper bound"
                if open_low
                else ""
            )
            + "; measure longer."
        )
    notes += _capacity_memory_notes(cap)
    # A batching helper may add its "best batching policy" rows and note here.
    return Section(
        "capacity",
        f"Capacity within {_limits_text(cap)}",
        bullets=tuple(bullets),
        headers=("candidate", "workers", "max QPS", "95% CI", "utilization")
        + (("memory",) if cap.memory else ())
        + (("hosts",) if cap.memory and cap.host_memory is not None else ()),
        rows=tuple(rows),
        notes=tuple(notes),
    )


def _memory_cells(
    cap: Capacity, name: str, workers: int, *, serves: bool = True
) -> tuple[str, ...]:
    """The memory of one worker of ``name``, and the hosts ``workers`` need (with a host size).

    No hosts for a worker count that serves nothing within the budget.
    """
    if not cap.memory:
        return ()
    per = cap.memory_per_worker(name)
    cells = (DASH if per is None else fmt_bytes(per),)
    if cap.host_memory is None:
        return cells
    if not serves:
        return (*cells, DASH)
    hosts = cap.hosts_needed(name, workers)
    if hosts is None:
        return (*cells, DASH if per is None else "none fits")
    return (*cells, str(hosts))


def _hosts_bullet(cap: Capacity, name: str, workers: int) -> str:
    per = cap.memory_per_worker(name)
    if per is None:
        return ""
    text = f"; {fmt_bytes(per)} per worker"
    if cap.host_memory is None:
        return text
    host, per_host = fmt_bytes(cap.host_memory), cap.workers_per_host(name)
    if not per_host:
        return text + f", more than a {host} host holds"
    hosts = cap.hosts_needed(name, workers)
    return text + f", {per_host} fit in a {host} host: {hosts} host{'s' if hosts != 1 else ''}"


def _capacity_memory_notes(cap: Capacity) -> list[str]:
    if not cap.memory:
        return []
    notes = [
        "memory: per worker, its resident memory as measured in its own process once the "
        "model was loaded or fitted (the peak while predicting if higher); the resident set "
        "counts shared library pages in every worker, so it is an upper bound on a host."
    ]
    if not all(m.isolated for m in cap.memory.values()):
        notes.append(
            "! memory measured in the one shared process (isolation off): an overestimate of "
            "one worker; measure with isolation for per-worker figures."
        )
    if cap.host_memory is not None:
        notes.append(
            f"hosts: of {fmt_bytes(cap.host_memory)} each, by memory alone (cores not counted)."
        )
    return notes


def comparison_capacity_section(cmp: Comparison) -> Section | None:
    """The section builder: capacity at the comparison's target rate, if it has one."""
    cap = cmp.target_capacity
    if cap is None:
        return None
    section = capacity_section(cap)
    # A failed candidate is not simulated: said, not silently left out of the table.
    missing = tuple(not_simulated(cmp))
    return dataclasses.replace(section, bullets=section.bullets + missing) if missing else section


def not_simulated(cmp: Comparison) -> list[str]:
    """One line per failed candidate of ``cmp``: it has no capacity (it has no latencies).

    Examples
    --------
    >>> import sys; sys.path.insert(0, "tests")
    >>> from factories import make_comparison, make_result
    >>> not_simulated(make_comparison([make_result("a")]))
    []
    """
    return [
        f"{f.name}: not simulated, it failed during {f.phase} ({f.error_type}): no measured "
        "latencies to draw from."
        for f in (cmp.failures[n] for n in cmp.names if n in cmp.failures)
    ]


SectionBuilder = Callable[["Comparison"], "Section | None"]

#: The sections shown below the main table and its failures, in this order.
#: A new section adds its builder here (see the package docstring).
SECTION_BUILDERS: tuple[SectionBuilder, ...] = (
    _verdict_section,
    _stakeholders_section,
    comparison_capacity_section,
)


def build_report(cmp: Comparison) -> ComparisonReport:
    """Build the table model of ``cmp`` once; every format renders from it.

    Parameters
    ----------
    cmp : Comparison

    Returns
    -------
    ComparisonReport

    Examples
    --------
    >>> import sys; sys.path.insert(0, "tests")
    >>> from factories import make_comparison, make_result
    >>> rep = build_report(make_comparison([make_result("a"), make_result("b", seed=1)]))
    >>> [r.name for r in rep.rows], rep.rows[0].cells["delta"]
    (['a', 'b'], '(baseline)')
    """
    table = rows(cmp)
    notes = (
        _interrupted_notes(cmp)
        + [n for n in (_significance_note(cmp),) if n]
        + _undersampled_notes(cmp, table)
        + _thread_trap_notes(cmp)
        + _encoding_notes(cmp)
        + _memory_notes(cmp)
        + [f"! {w}" for w in cmp.options.get("warnings", ())]
    )
    sections = tuple(s for build in SECTION_BUILDERS if (s := build(cmp)) is not None)
    return ComparisonReport(
        n_candidates=len(cmp.names),
        baseline=cmp.baseline,
        budget=str(cmp.budget) if cmp.budget else None,
        columns=columns(cmp),
        rows=table,
        notes=tuple(notes),
        failures=tuple(cmp.failures[n] for n in cmp.names if n in cmp.failures),
        sections=sections,
        budget_details=tuple(_budget_details(cmp)) if cmp.budget else (),
        score_name=score_name(cmp),
        pareto=tuple(cmp.pareto) if cmp.measured else None,
        measured=_measured_note(cmp),
        environment=_environment_line(cmp),
    )


# --------------------------------------------------------------------------- one result
def result_items(result: ModelResult) -> list[tuple[str, str, bool]]:
    """(label, value, flagged) lines for one result, shared by its text and HTML forms.

    Examples
    --------
    >>> import sys; sys.path.insert(0, "tests")
    >>> from factories import make_result
    >>> result_items(make_result("a"))[0][0]
    'score'
    """
    items: list[tuple[str, str, bool]] = []
    score = result.score
    items.append(
        (
            "score",
            f"{score_label(score.name)} {fmt_score(score.name, score.value)} on {score.n:,} "
            f"test rows{', lower is better' if lower_is_better(score.name) else ''}",
            False,
        )
    )
    if result.training is None:
        items.append(("training", "pre-fitted (not timed)", False))
    else:
        t = result.training
        items.append(
            (
                "training",
                f"fit {format_duration(t.fit_time)} (median of {t.n_fits} fit"
                f"{'' if t.n_fits == 1 else 's'} on {t.n_rows:,} rows), "
                f"{fmt_rate(t.samples_per_second)} rows/s",
                False,
            )
        )
    if result.throughput.batches:
        items.append(
            (
                "bulk predict",
                ", ".join(
                    f"batch {b.batch_size:,}: {fmt_rate(b.rows_per_second)} rows/s"
                    for b in sorted(result.throughput.batches, key=lambda b: b.batch_size)
                ),
                False,
            )
        )
    lat = result.latency
    for key, q in PERCENTILES:
        if lat.n == 0:
            items.append((f"latency {key}", "no samples", True))
            continue
        low, high = lat.interval(q)
        flagged = lat.undersampled(q)
        text = f"{format_duration(lat.percentile(q))} 95% CI {fmt_interval_units(low, high)}"
        if lat.dependence(q).dependent:  # the interval that holds for them, said beside it
            text += f" ({lat.interval_method(q)})"
        if flagged:
            text += f" {UNDERSAMPLED_MARK} under-sampled: n={lat.n:,} < {lat.required(q):,} needed"
        items.append((f"latency {key}", text, flagged))
    items.append(
        (
            "samples",
            f"{lat.n:,} one-row {lat.method} calls ({lat.request_format}), "
            f"{stop_words(lat.stop_reason)} after {format_duration(lat.elapsed_s)}",
            False,
        )
    )
    items.append(
        (
            "cold start",
            f"{fmt_duration(lat.cold_start)}; {lat.warmup:,} warm-up calls discarded; "
            f"{lat.gc_collections:,} GC collections during timed calls",
            False,
        )
    )
    if result.footprint is not None:
        fp = result.footprint
        items.append(
            (
                "size",
                f"{format_bytes(fp.size_bytes)} (joblib), load {format_duration(fp.load_time)}",
                False,
            )
        )
    if result.memory is not None:
        items.append(("memory", result.memory.describe(), False))
    items.extend(("note", note, False) for note in result.notes)
    if result.environment:
        items.append(("environment", summarize_environment(result.environment), False))
    return items
