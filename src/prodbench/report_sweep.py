"""Rendering a :class:`~prodbench.sweep.Sweep`: one table model, several formats.

The rows (one per case and candidate) are built once by :func:`sweep_rows`;
text, Markdown, HTML and the DataFrame render those rows. Every function
returns a value and prints nothing.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .units import format_duration

if TYPE_CHECKING:
    import pandas as pd

    from .sweep import Sweep

__all__ = [
    "SweepRow",
    "render_sweep_html",
    "render_sweep_markdown",
    "render_sweep_text",
    "sweep_frame",
    "sweep_rows",
]

DASH = "—"
UNDERSAMPLED_MARK = "†"
_STATUS_TEXT = {"pass": "PASS", "fail": "FAIL", "inconclusive": "INCONCLUSIVE"}
HEADERS: tuple[tuple[str, str], ...] = (
    ("case", "case"),
    ("candidate", "candidate"),
    ("score", "score"),
    ("p50", "p50 [95% CI]"),
    ("p99", "p99 [95% CI]"),
    ("budget", "budget"),
    ("picks", "picks"),
    ("where", "ran on"),
)


@dataclass
class SweepRow:
    """One (case, candidate) row: raw values for the frame, strings for the tables."""

    case: str
    candidate: str
    status: str  # "ok", "failed: ...", "case failed", "pending"
    values: dict[str, Any] = field(default_factory=dict)
    cells: dict[str, str] = field(default_factory=dict)


def _interval_cell(value: float, low: float, high: float, flagged: bool) -> str:
    def bound(x: float) -> str:
        return "inf" if math.isinf(x) else format_duration(x)

    mark = UNDERSAMPLED_MARK if flagged else ""
    return f"{format_duration(value)}{mark} [{bound(low)}, {bound(high)}]"


def sweep_rows(sw: Sweep) -> list[SweepRow]:
    """The table model: one :class:`SweepRow` per (case, candidate), in order.

    Examples
    --------
    >>> from prodbench.sweep import Sweep
    >>> rows = sweep_rows(Sweep(cases=("a",), comparisons={}, candidates={"a": ("x", "y")}))
    >>> [(r.case, r.candidate, r.status) for r in rows]
    [('a', 'x', 'pending'), ('a', 'y', 'pending')]
    """
    from .sweep import iter_rows

    rows = []
    for case, name in iter_rows(sw):
        run = sw.runs.get(case)
        where = run.where if run is not None else ""
        values: dict[str, Any] = {
            "host": run.host if run else None,
            "worker": (run.worker or None) if run else None,
            "cpu_model": run.cpu_model if run else None,
        }
        cmp = sw.comparisons.get(case)
        if cmp is None:
            status = "case failed" if case in sw.failures else "pending"
            cells = {"case": case, "candidate": name, "where": where}
            rows.append(SweepRow(case, name, status, values, cells))
            continue
        if name in cmp.failures:
            f = cmp.failures[name]
            rows.append(
                SweepRow(
                    case,
                    name,
                    f"failed in {f.phase}: {f.error_type}",
                    values,
                    {"case": case, "candidate": name, "where": where},
                )
            )
            continue
        r = cmp.results[name]
        lat = r.latency
        p50_low, p50_high = lat.interval(50)
        p99_low, p99_high = lat.interval(99)
        budget = cmp.budget_overall(name)
        research = cmp.research_pick == name
        production = cmp.production_pick == name
        values.update(
            {
                "score_name": r.score.name,
                "score": r.score.value,
                "p50_s": lat.p50,
                "p50_low_s": p50_low,
                "p50_high_s": p50_high,
                "p99_s": lat.p99,
                "p99_low_s": p99_low,
                "p99_high_s": p99_high,
                "p99_undersampled": lat.undersampled(99),
                "n_samples": lat.n,
                "budget": budget,
                "research_pick": research,
                "production_pick": production,
            }
        )
        picks = [p for p, on in (("research", research), ("production", production)) if on]
        score = f"{r.score.value:.4f}" if r.score.name == "accuracy" else f"{r.score.value:.4g}"
        cells = {
            "case": case,
            "candidate": name,
            "score": score,
            "p50": _interval_cell(lat.p50, p50_low, p50_high, lat.undersampled(50)),
            "p99": _interval_cell(lat.p99, p99_low, p99_high, lat.undersampled(99)),
            "budget": DASH if budget is None else _STATUS_TEXT[budget],
            "picks": ", ".join(picks) or DASH,
            "where": where,
        }
        rows.append(SweepRow(case, name, "ok", values, cells))
    return rows


def _headers(sw: Sweep) -> list[tuple[str, str]]:
    return [(k, h) for k, h in HEADERS if k != "budget" or sw.budget]


def _notes(sw: Sweep, rows: list[SweepRow]) -> list[str]:
    lines = []
    if any(r.values.get("p99_undersampled") for r in rows):
        lines.append(
            f"{UNDERSAMPLED_MARK} under-sampled percentile (fewer samples than it needs); "
            "raise max_time."
        )
    summary = sw.summary
    for case in sw.cases:
        if case in sw.failures:
            f = sw.failures[case]
            lines.append(f"case {case} FAILED ({f.error_type}): {f.reason}")
        elif case in sw.comparisons:
            cmp = sw.comparisons[case]
            prod = summary.production_picks[case] or "none (every candidate fails the budget)"
            lines.append(
                f"{case}: research pick {summary.research_picks[case]}, production pick {prod}"
            )
            lines.extend(f"  {n}: {f.message}" for n, f in cmp.failures.items())
        else:
            lines.append(f"case {case}: not run (interrupted)")
    lines.append(str(summary))
    mode = {
        "sequential": "cases ran one after another in this process",
    }.get(sw.scheduler, f"cases ran on the Dask cluster {sw.scheduler}")
    lock = "one case per host at a time" if sw.exclusive_hosts else "host lock lifted"
    if sw.scheduler != "sequential":
        mode += f" ({lock})"
    lines.append(mode)
    threads = sorted(
        {
            ", ".join(f"{k}={v}" for k, v in sorted(r.thread_env.items())) or "unset"
            for c, r in sw.runs.items()
            if c in sw.comparisons
        }
    )
    if threads:
        lines.append(f"thread settings where cases ran: {'; '.join(threads)}")
    lines.extend(f"warning: {w}" for w in sw.warnings)
    return lines


def render_sweep_text(sw: Sweep) -> str:
    """The sweep as an aligned text table, picks per case, counts and warnings.

    Examples
    --------
    >>> from prodbench.sweep import Sweep
    >>> print(render_sweep_text(Sweep(cases=("a",), comparisons={})).splitlines()[0])
    sweep of 1 case (0 finished)
    """
    rows = sweep_rows(sw)
    headers = _headers(sw)
    n = len(sw.cases)
    budget = f", budget {sw.budget}" if sw.budget else ""
    lines = [
        f"sweep of {n} case{'' if n == 1 else 's'} ({len(sw.comparisons)} finished"
        f"{f', {len(sw.failures)} failed' if sw.failures else ''}){budget}"
    ]
    if rows:
        table = [[h for _, h in headers]]
        for r in rows:
            cells = [r.cells.get(k, "") for k, _ in headers]
            if r.status != "ok":
                cells[2] = r.status.upper() if r.status != "pending" else "pending"
            table.append(cells)
        widths = [max(len(row[i]) for row in table) for i in range(len(headers))]
        for row in table:
            lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    lines.extend(_notes(sw, rows))
    return "\n".join(lines)


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def render_sweep_markdown(sw: Sweep) -> str:
    """The sweep as a Markdown table with the picks and warnings below it.

    Examples
    --------
    >>> from prodbench.sweep import Sweep
    >>> render_sweep_markdown(Sweep(cases=("a",), comparisons={}, candidates={"a": ("x", "y")}))
    ...  # doctest: +ELLIPSIS
    '| case | candidate |...'
    """
    rows = sweep_rows(sw)
    headers = _headers(sw)
    lines = [
        "| " + " | ".join(h for _, h in headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
    ]
    for r in rows:
        cells = [r.cells.get(k, "") for k, _ in headers]
        if r.status != "ok":
            cells[2] = r.status
        lines.append("| " + " | ".join(_md(c) for c in cells) + " |")
    lines.append("")
    lines.extend(f"- {_md(note)}" for note in _notes(sw, rows))
    return "\n".join(lines)


def render_sweep_html(sw: Sweep) -> str:
    """The sweep as a small HTML table (no JavaScript), for notebooks.

    Examples
    --------
    >>> from prodbench.sweep import Sweep
    >>> "<table" in render_sweep_html(Sweep(cases=("a",), comparisons={}))
    True
    """
    rows = sweep_rows(sw)
    headers = _headers(sw)
    out = ['<div class="prodbench-sweep"><table>', "<thead><tr>"]
    out.extend(f"<th>{html.escape(h)}</th>" for _, h in headers)
    out.append("</tr></thead><tbody>")
    for r in rows:
        cells = [r.cells.get(k, "") for k, _ in headers]
        if r.status != "ok":
            cells[2] = r.status
        out.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    out.append("</tbody></table><ul>")
    out.extend(f"<li>{html.escape(note)}</li>" for note in _notes(sw, rows))
    out.append("</ul></div>")
    return "\n".join(out)


FRAME_COLUMNS: tuple[str, ...] = (
    "case",
    "candidate",
    "status",
    "score_name",
    "score",
    "p50_s",
    "p50_low_s",
    "p50_high_s",
    "p99_s",
    "p99_low_s",
    "p99_high_s",
    "p99_undersampled",
    "n_samples",
    "budget",
    "research_pick",
    "production_pick",
    "host",
    "worker",
    "cpu_model",
)


def sweep_frame(sw: Sweep) -> pd.DataFrame:
    """One row per (case, candidate), tidy columns with units in names.

    Examples
    --------
    >>> from prodbench.sweep import Sweep
    >>> sweep_frame(Sweep(cases=("a",), comparisons={}, candidates={"a": ("x", "y")})).shape
    (2, 19)
    """
    import pandas as pd

    records = []
    for r in sweep_rows(sw):
        record = dict.fromkeys(FRAME_COLUMNS)
        record.update({"case": r.case, "candidate": r.candidate, "status": r.status})
        record.update({k: v for k, v in r.values.items() if k in record})
        records.append(record)
    return pd.DataFrame.from_records(records, columns=list(FRAME_COLUMNS))
