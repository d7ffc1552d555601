"""The shared table model: a comparison's rows, columns, notes and sections, built once.

:func:`build_report` turns a :class:`~prodbench.verdict.Comparison` into a
:class:`ComparisonReport` of plain strings; every format module lays that out
and computes nothing of its own. :func:`result_items` does the same for one
:class:`~prodbench.results.ModelResult`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..environment import summarize_environment
from ..errors import ProdbenchError
from ..results import LatencyResult, ModelResult
from ..units import format_bytes, format_duration
from ..verdict import Comparison, Delta, FailedCandidate
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
)

__all__ = [
    "SECTION_BUILDERS",
    "Column",
    "ComparisonReport",
    "Row",
    "Section",
    "build_report",
    "delta",
    "result_items",
    "score_name",
]


@dataclass(frozen=True)
class Column:
    """One column of the main table: its key in :attr:`Row.cells`, group and header lines."""

    key: str
    group: str  # "research" or "production"
    header: tuple[str, ...]


@dataclass
class Row:
    """One candidate's numbers, and the strings every format shows for them."""

    name: str
    is_baseline: bool
    failed: str = ""  # "FAILED in fit: ValueError" for a failed candidate
    cells: dict[str, str] = field(default_factory=dict)
    budget_status: str | None = None
    budget_failing: tuple[str, ...] = ()
    undersampled: tuple[str, ...] = ()  # percentile keys flagged on this row
    budget_tip: str = ""  # every budget check described, for a tooltip


@dataclass(frozen=True)
class Section:
    """A titled block below the main table: sentences and/or a small table of strings.

    Every format renders a section it has no special layout for the same
    way: the title, the ``bullets`` as a list, then ``rows`` under
    ``headers`` as a table, then ``notes`` as plain lines.
    """

    key: str
    title: str
    bullets: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ComparisonReport:
    """Everything a renderer shows for a comparison, as strings, in display order."""

    n_candidates: int
    baseline: str
    budget: str | None
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    notes: tuple[str, ...]  # footnotes under the table: significance, under-sampled
    failures: tuple[FailedCandidate, ...]
    sections: tuple[Section, ...]  # verdict, stakeholders, then added sections
    budget_details: tuple[str, ...]
    score_name: str
    pareto: tuple[str, ...] | None  # None when nothing was measured
    measured: str | None
    environment: str | None


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
    ("parity", "production", ("parity",)),  # only with runtime variants
    ("budget", "production", ("budget",)),
)
_RUNTIME_COLUMNS = ("compile", "parity")


def columns(cmp: Comparison) -> tuple[Column, ...]:
    """The main table's columns (the budget column only when there is a budget).

    Compile time and parity appear only when the comparison has compiled
    runtime variants (``compare(runtimes=...)``, ``--runtime``).
    """
    score = score_name(cmp)
    variants = any(r.runtime is not None for r in cmp.results.values())
    return tuple(
        Column(key, group, tuple(h.format(score=score) for h in head))
        for key, group, head in _COLUMNS
        if (key != "budget" or cmp.budget) and (key not in _RUNTIME_COLUMNS or variants)
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


def _thread_trap_notes(cmp: Comparison) -> list[str]:
    """The thread-trap probe's warnings, which change how a server must be run."""
    return [
        f"! {name}: {note}"
        for name in cmp.measured
        for note in cmp.results[name].notes
        if note.startswith("thread trap")
    ]


def _significance_note(cmp: Comparison) -> str | None:
    tests = sorted(
        {d.test for n in cmp.measured if (d := delta(cmp, n)) is not None and d.significant}
    )
    if not tests:
        return None
    adjusted = {
        d.n_challengers
        for n in cmp.measured
        if (d := delta(cmp, n)) is not None and d.adjustment == "Holm"
    }
    holm = f"; Holm-adjusted across {max(adjusted)} challengers" if adjusted else ""
    return (
        f"{SIGNIFICANT_MARK} significant at the 5% level ({', '.join(tests)} test, "
        f"paired on the same test rows{holm})."
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
        + f"{cmp.results[n].latency.stop_reason})"
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


SectionBuilder = Callable[[Comparison], "Section | None"]

#: The sections shown below the main table and its failures, in this order.
#: A module that adds a table appends a builder here (see the package docstring).
SECTION_BUILDERS: list[SectionBuilder] = [_verdict_section, _stakeholders_section]


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
        [n for n in (_significance_note(cmp),) if n]
        + _undersampled_notes(cmp, table)
        + _thread_trap_notes(cmp)
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
            f"{score.name} {fmt_score(score.name, score.value)} on {score.n:,} test rows",
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
        if flagged:
            text += f" {UNDERSAMPLED_MARK} under-sampled: n={lat.n:,} < {lat.required(q):,} needed"
        items.append((f"latency {key}", text, flagged))
    items.append(
        (
            "samples",
            f"{lat.n:,} one-row {lat.method} calls ({lat.request_format}), "
            f"stopped by {lat.stop_reason} after {format_duration(lat.elapsed_s)}",
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
    items.extend(("note", note, False) for note in result.notes)
    if result.environment:
        items.append(("environment", summarize_environment(result.environment), False))
    return items
