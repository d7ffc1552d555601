"""Rendering a :class:`~prodbench.sweep_results.Sweep`: one table model, every format over it.

:func:`build_sweep_report` builds, once, the strings every format shows: the
main table (one row per case and candidate), and sections below it (picks
per case and across cases, where each case ran, warnings). Text, Markdown
and HTML lay that out with the comparison report's section renderers;
:func:`sweep_frame` gives the tidy DataFrame with raw numbers.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .cells import DASH, STATUS_TEXT, UNDERSAMPLED_MARK, fmt_duration, fmt_score, wrap
from .html import CSS, h
from .html import render_section as html_section
from .markdown import md
from .markdown import render_section as md_section
from .text import render_section as text_section
from .types import Section

if TYPE_CHECKING:
    import pandas as pd

    from ..sweep_results import Sweep

__all__ = [
    "FRAME_COLUMNS",
    "SweepReport",
    "SweepRow",
    "build_sweep_report",
    "render_sweep_csv",
    "render_sweep_html",
    "render_sweep_json",
    "render_sweep_markdown",
    "render_sweep_text",
    "sweep_frame",
    "sweep_rows",
]

HEADERS: tuple[str, ...] = ("case", "candidate", "score", "p50", "p99 [95% CI]", "budget", "picks")


@dataclass
class SweepRow:
    """One (case, candidate) row: raw values for the frame, strings for the tables."""

    case: str
    candidate: str
    status: str  # "ok", "failed in fit: ValueError", "case failed", "pending"
    values: dict[str, Any] = field(default_factory=dict)
    cells: tuple[str, ...] = ()


@dataclass(frozen=True)
class SweepReport:
    """Everything a renderer shows for a sweep, as strings, in display order."""

    title: str
    headers: tuple[str, ...]
    rows: tuple[SweepRow, ...]
    notes: tuple[str, ...]
    sections: tuple[Section, ...]


def _bound(seconds: float) -> str:
    return "inf" if math.isinf(seconds) else fmt_duration(seconds)


def sweep_rows(sw: Sweep) -> list[SweepRow]:
    """One :class:`SweepRow` per (case, candidate), in order.

    Examples
    --------
    >>> from prodbench.sweep_results import Sweep
    >>> rows = sweep_rows(Sweep(cases=("a",), comparisons={}, candidates={"a": ("x", "y")}))
    >>> [(r.case, r.candidate, r.status) for r in rows]
    [('a', 'x', 'pending'), ('a', 'y', 'pending')]
    """
    budgeted = sw.budget is not None
    rows = []
    for case, name in sw.rows():
        run = sw.runs.get(case)
        values: dict[str, Any] = {
            "host": run.host if run else None,
            "worker": (run.worker or None) if run else None,
            "cpu_model": run.cpu_model if run else None,
        }
        cmp = sw.comparisons.get(case)
        status = ""
        if cmp is None:
            status = "case failed" if case in sw.failures else "pending"
        elif name in cmp.failures:
            f = cmp.failures[name]
            status = f"failed in {f.phase}: {f.error_type}"
        elif name not in cmp.results:
            status = "not measured"
        if status:
            shown = status.upper() if "failed" in status else status
            blank = ("",) * (len(HEADERS) - 3 - (0 if budgeted else 1))
            rows.append(SweepRow(case, name, status, values, (case, name, shown, *blank)))
            continue
        assert cmp is not None
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
        picks = (
            ["both"]
            if research and production
            else [p for p, on in (("research", research), ("production", production)) if on]
        )
        p50_mark = UNDERSAMPLED_MARK if lat.undersampled(50) else ""
        p99_mark = UNDERSAMPLED_MARK if lat.undersampled(99) else ""
        cells = [
            case,
            name,
            fmt_score(r.score.name, r.score.value),
            fmt_duration(lat.p50) + p50_mark,
            f"{fmt_duration(lat.p99)}{p99_mark} [{_bound(p99_low)}, {_bound(p99_high)}]",
        ]
        if budgeted:
            cells.append(DASH if budget is None else STATUS_TEXT[budget])
        cells.append(", ".join(picks) or DASH)
        rows.append(SweepRow(case, name, "ok", values, tuple(cells)))
    return rows


def _threads_text(env: dict[str, str]) -> str:
    """``OMP,MKL,OPENBLAS=1``: the thread variables grouped by value; ``unset`` when none."""
    by_value: dict[str, list[str]] = {}
    for key in sorted(env):
        by_value.setdefault(env[key], []).append(key.removesuffix("_NUM_THREADS"))
    return ", ".join(f"{','.join(keys)}={v}" for v, keys in by_value.items()) or "unset"


def _where_section(sw: Sweep) -> Section | None:
    if not sw.runs:
        return None
    rows = []
    for case in sw.cases:
        run = sw.runs.get(case)
        if run is None:
            continue
        threads = _threads_text(run.thread_env)
        cores = "?" if run.logical_cores is None else str(run.logical_cores)
        rows.append(
            (
                case,
                run.where,
                f"{run.cpu_model or '?'} ({cores} cores)",
                threads,
                str(run.attempts) + (f" (lost {', '.join(run.lost_workers)})" if run.lost_workers
                                     else ""),
            )
        )  # fmt: skip
    mode = (
        "one after another in this process"
        if sw.scheduler == "sequential"
        else f"on the Dask cluster {sw.scheduler}, "
        + ("one case per host at a time" if sw.exclusive_hosts else "host lock lifted")
    )
    return Section(
        "sweep-where",
        "Where cases ran",
        bullets=(f"Cases ran {mode}.",),
        headers=("case", "host (worker)", "CPU", "thread settings", "attempts"),
        rows=tuple(rows),
    )


def _picks_section(sw: Sweep) -> Section:
    summary = sw.summary
    bullets = []
    for case in sw.cases:
        if case in sw.failures:
            f = sw.failures[case]
            bullets.append(f"{case}: FAILED ({f.error_type}): {f.reason}")
        elif case in sw.comparisons:
            cmp = sw.comparisons[case]
            prod = summary.production_picks[case] or "none (no candidate passes the budget)"
            research = summary.research_picks[case]
            why = f" ({cmp.research_reason})" if research and cmp.research_reason else ""
            prod_why = (
                f" ({cmp.production_reason})"
                if summary.production_picks[case] and cmp.production_reason
                else ""
            )
            bullets.append(
                f"{case}: research pick {research}{why}, production pick {prod}{prod_why}."
            )
            bullets.extend(f"{case}: {n} failed: {f.message}" for n, f in cmp.failures.items())
        else:
            bullets.append(f"{case}: not run (interrupted).")
    return Section(
        "sweep-picks", "Picks", bullets=tuple(bullets), notes=tuple(str(summary).splitlines())
    )


def build_sweep_report(sw: Sweep) -> SweepReport:
    """The table model of a sweep: title, rows, footnotes and sections.

    Examples
    --------
    >>> from prodbench.sweep_results import Sweep
    >>> build_sweep_report(Sweep(cases=("a",), comparisons={})).title
    'prodbench sweep: 1 case (0 finished)'
    """
    rows = sweep_rows(sw)
    n = len(sw.cases)
    failed = f", {len(sw.failures)} failed" if sw.failures else ""
    budget = f", budget {sw.budget}" if sw.budget else ""
    title = (
        f"prodbench sweep: {n} case{'' if n == 1 else 's'} "
        f"({len(sw.comparisons)} finished{failed}){budget}"
    )
    notes = []
    if any(r.values.get("p99_undersampled") for r in rows):
        notes.append(
            f"{UNDERSAMPLED_MARK} under-sampled percentile (fewer samples than it needs); "
            "raise max_time."
        )
    headers = tuple(hd for hd in HEADERS if hd != "budget" or sw.budget is not None)
    sections = [_picks_section(sw)]
    where = _where_section(sw)
    if where is not None:
        sections.append(where)
    if sw.warnings:
        sections.append(Section("sweep-warnings", "Warnings", bullets=tuple(sw.warnings)))
    return SweepReport(title, headers, tuple(rows), tuple(notes), tuple(sections))


def _aligned(grid: list[tuple[str, ...]], indent: str = "") -> list[str]:
    n = len(grid[0])
    widths = [max(len(row[i]) for row in grid if i < len(row)) for i in range(n)]
    return [
        (indent + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False))).rstrip()
        for row in grid
    ]


def render_sweep_text(sw: Sweep, *, width: int = 80) -> str:
    """The sweep as aligned text: the table, picks, where cases ran, warnings.

    One table with a ``case`` column when it fits in ``width`` columns, else
    one block per case (``case:`` then its candidates).

    Examples
    --------
    >>> from prodbench.sweep_results import Sweep
    >>> print(render_sweep_text(Sweep(cases=("a",), comparisons={})).splitlines()[0])
    prodbench sweep: 1 case (0 finished)
    """
    rep = build_sweep_report(sw)
    lines = [rep.title, ""]
    table = _aligned([rep.headers, *(r.cells for r in rep.rows)])
    if max(map(len, table)) <= width or not rep.rows:
        lines += table
    else:  # one block per case, without the case column
        grid = [rep.headers[1:], *(r.cells[1:] for r in rep.rows)]
        body = _aligned(grid, indent="  ")
        lines.append(body[0])
        previous = None
        for row, text in zip(rep.rows, body[1:], strict=True):
            if row.case != previous:
                lines.append(f"{row.case}:")
                previous = row.case
            lines.append(text)
    for note in rep.notes:
        lines += wrap(note, indent="", hang="  ", width=width)
    for section in rep.sections:
        lines += text_section(section, width)
    return "\n".join(lines)


def render_sweep_markdown(sw: Sweep) -> str:
    """The sweep as GitHub Markdown: a table, then the sections.

    Examples
    --------
    >>> from prodbench.sweep_results import Sweep
    >>> sw = Sweep(cases=("a",), comparisons={}, candidates={"a": ("x", "y")})
    >>> render_sweep_markdown(sw).splitlines()[2].startswith("| case | candidate | score |")
    True
    """
    rep = build_sweep_report(sw)
    lines = [f"**{md(rep.title)}**", ""]
    lines.append("| " + " | ".join(md(hd) for hd in rep.headers) + " |")
    lines.append("|" + "|".join(":---" for _ in rep.headers) + "|")
    for r in rep.rows:
        cells = [*r.cells, *("" for _ in range(len(rep.headers) - len(r.cells)))]
        lines.append("| " + " | ".join(md(c) for c in cells) + " |")
    if rep.notes:
        lines += ["", "<br>\n".join(md(n) for n in rep.notes)]
    for section in rep.sections:
        lines += md_section(section)
    return "\n".join(lines)


def render_sweep_html(sw: Sweep) -> str:
    """The sweep as a self-contained HTML ``<div>`` (inline style, no JavaScript).

    Examples
    --------
    >>> from prodbench.sweep_results import Sweep
    >>> page = render_sweep_html(Sweep(cases=("a",), comparisons={}))
    >>> page.startswith('<div class="prodbench">') and "<script" not in page
    True
    """
    rep = build_sweep_report(sw)
    out = [
        f'<div class="prodbench"><style>{CSS}</style>',
        f"<p><strong>{h(rep.title)}</strong></p>",
    ]
    out.append("<table><thead><tr>" + "".join(f"<th>{h(c)}</th>" for c in rep.headers))
    out.append("</tr></thead><tbody>")
    for r in rep.rows:
        cells = [*r.cells, *("" for _ in range(len(rep.headers) - len(r.cells)))]
        out.append("<tr>" + "".join(f'<td class="pb-text">{h(c)}</td>' for c in cells) + "</tr>")
    out.append("</tbody></table>")
    out += [f'<p class="pb-note">{h(n)}</p>' for n in rep.notes]
    for section in rep.sections:
        out += html_section(section)
    out.append("</div>")
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
    >>> from prodbench.sweep_results import Sweep
    >>> sweep_frame(Sweep(cases=("a",), comparisons={}, candidates={"a": ("x", "y")})).shape
    (2, 19)
    """
    import pandas as pd

    records = []
    for r in sweep_rows(sw):
        record: dict[str, Any] = dict.fromkeys(FRAME_COLUMNS)
        record.update({"case": r.case, "candidate": r.candidate, "status": r.status})
        record.update({k: v for k, v in r.values.items() if k in record})
        records.append(record)
    return pd.DataFrame.from_records(records, columns=list(FRAME_COLUMNS))


def render_sweep_csv(sw: Sweep) -> str:
    """The :func:`sweep_frame` table as CSV text.

    Examples
    --------
    >>> from prodbench.sweep_results import Sweep
    >>> render_sweep_csv(Sweep(cases=("a",), comparisons={})).splitlines()[0][:20]
    'case,candidate,statu'
    """
    return str(sweep_frame(sw).to_csv(index=False))


def render_sweep_json(sw: Sweep) -> str:
    """The sweep as JSON text: :meth:`Sweep.to_dict` (raw samples and ``summary``).

    Examples
    --------
    >>> from prodbench.sweep_results import Sweep
    >>> json.loads(render_sweep_json(Sweep(cases=("a",), comparisons={})))["kind"]
    'Sweep'
    """
    return json.dumps(sw.to_dict())


#: ``--format`` of the command line -> renderer.
RENDERERS: Mapping[str, Callable[[Sweep], str]] = MappingProxyType(
    {
        "table": render_sweep_text,
        "markdown": render_sweep_markdown,
        "json": render_sweep_json,
        "csv": render_sweep_csv,
        "html": render_sweep_html,
    }
)
