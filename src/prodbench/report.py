"""Rendering: a comparison or a result as text, Markdown, HTML, a DataFrame, CSV, JSON.

Every function here returns a value and prints nothing; front ends decide
where it goes. The layout follows the seed's table of the two priorities:
columns are grouped under *research priority* (score, fit time, training
and bulk throughput) and *production priority* (single-request latency
percentiles with their intervals, cold start, size, budget).

Two rules hold in every format:

* a percentile with fewer samples than it needs is flagged (``†`` and a
  footnote), never shown as a plain number;
* a candidate that failed still has a row, with the phase and error type,
  and its message is shown below the table.
"""

from __future__ import annotations

import html
import json
import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .environment import summarize_environment
from .errors import ProdbenchError
from .results import LatencyResult, ModelResult
from .units import format_bytes, format_duration
from .verdict import Comparison, Delta

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "render_csv",
    "render_html",
    "render_json",
    "render_markdown",
    "render_result",
    "render_text",
    "result_html",
    "to_frame",
]

DASH = "—"
UNDERSAMPLED_MARK = "†"
SIGNIFICANT_MARK = "*"
PROSE_WIDTH = 116
_STATUS_TEXT = {"pass": "PASS", "fail": "FAIL", "inconclusive": "INCONCLUSIVE"}
_STATUS_SYMBOL = {"pass": "✓", "fail": "✗", "inconclusive": "?"}
_PERCENTILES = (("p50", 50.0), ("p90", 90.0), ("p99", 99.0), ("p999", 99.9))


# --------------------------------------------------------------------------- number formats
def _fmt_duration(seconds: float | None) -> str:
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return DASH
    return format_duration(seconds)


def _fmt_bytes(size: float | None) -> str:
    return DASH if size is None else format_bytes(size)


def _fmt_rate(per_second: float | None) -> str:
    """Rows per second in three significant digits: ``1.85k``, ``12.3M``."""
    if per_second is None or math.isnan(per_second):
        return DASH
    if math.isinf(per_second):
        return "inf"
    for suffix, factor in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if per_second >= factor:
            return f"{_sig(per_second / factor)}{suffix}"
    return _sig(per_second)


def _sig(value: float, digits: int = 3) -> str:
    if value == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    return f"{value:.{decimals}f}"


_UNIT_FACTORS = {"s": 1.0, "ms": 1e3, "µs": 1e6, "ns": 1e9}


def _fmt_bound(seconds: float, unit: str) -> str:
    if math.isinf(seconds):
        return "inf" if seconds > 0 else "-inf"
    return _sig(seconds * _UNIT_FACTORS.get(unit, 1.0))


def _fmt_interval(low: float, high: float, reference: float) -> str:
    """``[210, 224]`` in the unit ``format_duration(reference)`` chose; inf for open sides."""
    unit = format_duration(reference).rsplit(" ", 1)[-1]
    return f"[{_fmt_bound(low, unit)}, {_fmt_bound(high, unit)}]"


def _fmt_interval_units(low: float, high: float) -> str:
    """``[210 µs, 224 µs]`` with each side in its own unit."""
    return f"[{format_duration(low)}, {format_duration(high)}]"


def _fmt_score(name: str, value: float) -> str:
    return f"{value:.4f}" if name == "accuracy" else f"{value:.4g}"


def _fmt_score_diff(name: str, diff: float) -> str:
    return f"{diff * 100:+.2f} pp" if name == "accuracy" else f"{diff:+.4g}"


def _fmt_ratio(ratio: float | None) -> str:
    if ratio is None or math.isnan(ratio):
        return DASH
    if math.isinf(ratio):
        return "inf"
    if ratio >= 100:
        return f"{ratio:.0f}x"
    return f"{ratio:.2f}x" if ratio < 10 else f"{ratio:.1f}x"


def _fmt_int(n: int) -> str:
    return f"{n:,}"


def _wrap(text: str, indent: str = "  ", bullet: str = "", hang: str | None = None) -> list[str]:
    """Wrap prose for a terminal; continuation lines align under the text (or ``hang``)."""
    first = indent + bullet
    rest = indent + " " * len(bullet) if hang is None else hang
    out: list[str] = []
    for i, paragraph in enumerate(text.splitlines() or [""]):
        out.extend(
            textwrap.wrap(
                paragraph,
                PROSE_WIDTH,
                initial_indent=first if i == 0 else rest,
                subsequent_indent=rest,
                break_long_words=False,
                break_on_hyphens=False,
            )
            or [first if i == 0 else rest]
        )
    return out


# --------------------------------------------------------------------------- shared cells
@dataclass
class _Row:
    """One candidate's numbers, and the strings every format shows for them."""

    name: str
    is_baseline: bool
    failed: str = ""  # "FAILED in fit: ValueError" for a failed candidate
    cells: dict[str, str] = field(default_factory=dict)
    budget_status: str | None = None
    budget_failing: tuple[str, ...] = ()
    undersampled: tuple[str, ...] = ()  # percentile keys flagged on this row


_COLUMNS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # key, group, header lines ("{score}" is replaced by the score's name)
    ("score", "research", ("{score}",)),
    ("delta", "research", ("Δ vs", "baseline")),
    ("fit", "research", ("fit", "time")),
    ("train", "research", ("train", "rows/s")),
    ("bulk", "research", ("bulk", "rows/s")),
    ("p50", "production", ("p50",)),
    ("p99", "production", ("p99", "[95% CI]")),
    ("ratio", "production", ("p99", "vs base")),
    ("cold", "production", ("cold", "start")),
    ("size", "production", ("size",)),
    ("budget", "production", ("budget",)),
)
_GROUP_TITLES = {"research": "research priority", "production": "production priority"}


def _columns(cmp: Comparison) -> list[tuple[str, str, tuple[str, ...]]]:
    score = _score_name(cmp)
    cols = []
    for key, group, head in _COLUMNS:
        if key == "budget" and not cmp.budget:
            continue
        cols.append((key, group, tuple(h.format(score=score) for h in head)))
    return cols


def _score_name(cmp: Comparison) -> str:
    for n in cmp.measured:
        return cmp.results[n].score.name
    return "score"


def _delta(cmp: Comparison, name: str) -> Delta | None:
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


def _rows(cmp: Comparison) -> list[_Row]:
    rows: list[_Row] = []
    for name in cmp.names:
        is_base = name == cmp.baseline
        if name in cmp.failures:
            f = cmp.failures[name]
            rows.append(_Row(name, is_base, failed=f"FAILED in {f.phase}: {f.error_type}"))
            continue
        if name not in cmp.results:
            continue
        r = cmp.results[name]
        d = _delta(cmp, name)
        lat = r.latency
        p50, p50_flag = _percentile_cell(lat, 50)
        p99, p99_flag = _percentile_cell(lat, 99)
        if lat.n:
            low, high = lat.interval(99)
            p99 += " " + _fmt_interval(low, high, lat.p99)
        if is_base:
            delta = "(baseline)"
        elif d is None:
            delta = DASH
        else:
            delta = _fmt_score_diff(d.score_name, d.score_diff)
            if d.significant:
                delta += SIGNIFICANT_MARK
        checks = cmp.budget_status(name)
        status = cmp.budget_overall(name)
        failing = tuple(c.key for c in checks.values() if c.status == "fail")
        cells = {
            "candidate": name,
            "score": _fmt_score(r.score.name, r.score.value),
            "delta": delta,
            "fit": DASH if r.training is None else _fmt_duration(r.training.fit_time),
            "train": DASH if r.training is None else _fmt_rate(r.training.samples_per_second),
            "bulk": _fmt_rate(r.throughput.largest.rows_per_second)
            if r.throughput.batches
            else DASH,
            "p50": p50,
            "p99": p99,
            "ratio": DASH if d is None else _fmt_ratio(d.p99_ratio),
            "cold": _fmt_duration(lat.cold_start),
            "size": DASH if r.footprint is None else _fmt_bytes(r.footprint.size_bytes),
            "budget": DASH
            if status is None
            else _STATUS_TEXT[status]
            + (f" {','.join(failing)}" if failing and len(checks) > 1 else ""),
        }
        flagged = tuple(k for k, on in (("p50", p50_flag), ("p99", p99_flag)) if on)
        rows.append(_Row(name, is_base, "", cells, status, failing, flagged))
    return rows


def _undersampled_notes(cmp: Comparison, rows: Sequence[_Row]) -> list[str]:
    notes = []
    for row in rows:
        lat = cmp.results[row.name].latency if row.name in cmp.results else None
        for key in row.undersampled:
            assert lat is not None
            q = dict(_PERCENTILES)[key]
            notes.append(
                f"{UNDERSAMPLED_MARK} {row.name}: {key} under-sampled: n={_fmt_int(lat.n)} < "
                f"{_fmt_int(lat.required(q))} needed; the value is near the slowest call, "
                f"not a reliable {key}."
            )
    return notes


def _significance_note(cmp: Comparison) -> str | None:
    tests = sorted(
        {d.test for n in cmp.measured if (d := _delta(cmp, n)) is not None and d.significant}
    )
    if not tests:
        return None
    return (
        f"{SIGNIFICANT_MARK} significant at the 5% level ({', '.join(tests)} test, "
        "paired on the same test rows)."
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
    samples = ", ".join(
        f"{n} n={_fmt_int(cmp.results[n].latency.n)} ({cmp.results[n].latency.stop_reason})"
        for n in measured
    )
    text = f"{_fmt_int(first.score.n)} test rows"
    if batches:
        text += f"; bulk rows/s at batch size {', '.join(map(str, sorted(batches)))}"
    return f"{text}; latency samples (one-row predict calls): {samples}."


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


# --------------------------------------------------------------------------- text
def _text_table(cmp: Comparison, rows: Sequence[_Row], only: str | None = None) -> list[str]:
    """The table with both groups side by side, or only the group ``only``."""
    cols = [c for c in _columns(cmp) if only is None or c[1] == only]
    n_head = max(len(h) for _, _, h in cols)
    name_w = max([len("candidate")] + [len(r.name) for r in rows])
    widths = {}
    for key, _, head in cols:
        widths[key] = max(
            [len(h) for h in head] + [len(r.cells.get(key, "")) for r in rows if not r.failed]
        )
    groups = [g for g in ("research", "production") if any(c[1] == g for c in cols)]

    def join(parts: dict[str, str], name: str) -> str:
        line = name.ljust(name_w)
        for gi, g in enumerate(groups):
            line += "  " if gi == 0 else " │ "
            cells = [parts.get(k, "").rjust(widths[k]) for k, grp, _ in cols if grp == g]
            line += "  ".join(cells)
        return line.rstrip()

    # group titles, centred over their columns on a rule
    spans = []
    pos = name_w
    for gi, g in enumerate(groups):
        pos += 2 if gi == 0 else 3
        width = sum(widths[k] for k, grp, _ in cols if grp == g)
        width += 2 * (sum(1 for c in cols if c[1] == g) - 1)
        spans.append((pos, width, g))
        pos += width
    title = ""
    for start, width, g in spans:
        title = title.ljust(start - (1 if title else 0)) + (" " if title else "")
        title += f" {_GROUP_TITLES[g].upper()} ".center(width, "─")
    lines = [title]
    for i in range(n_head):
        parts = {}
        for key, _, head in cols:
            # bottom-align the header lines of each column
            offset = n_head - len(head)
            parts[key] = head[i - offset] if i >= offset else ""
        lines.append(join(parts, "candidate" if i == n_head - 1 else ""))
    rule = "─" * name_w
    for gi, (_, width, _) in enumerate(spans):
        rule += "──" if gi == 0 else "─┼─"
        rule += "─" * width
    lines.append(rule)
    for r in rows:
        if r.failed:
            mark = "  (baseline)" if r.is_baseline else ""
            lines.append(r.name.ljust(name_w) + "  " + r.failed + mark)
        else:
            lines.append(join(r.cells, r.name))
    return lines


def render_text(cmp: Comparison, *, width: int = 120) -> str:
    """Render a comparison as an aligned plain-text report.

    The table has one row per candidate, in ``cmp.names`` order, with its
    columns grouped under RESEARCH PRIORITY and PRODUCTION PRIORITY; below it
    come footnotes (significance, under-sampled percentiles), failures, the
    verdict, the stakeholders, the budget, the rows and samples measured and
    one line about the environment. ``str(cmp)`` calls this.

    Parameters
    ----------
    cmp : Comparison
        A comparison from :func:`prodbench.compare` (or loaded from JSON).
    width : int, default 120
        When the side-by-side table would be wider, the research and the
        production columns are shown as two tables, one above the other.

    Returns
    -------
    str

    Examples
    --------
    >>> import prodbench as pb
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> cmp = pb.compare([LogisticRegression(max_iter=5000), KNeighborsClassifier()],
    ...                  X, y, max_time=0.3)
    >>> text = render_text(cmp)
    >>> "RESEARCH PRIORITY" in text and "(baseline)" in text
    True
    """
    rows = _rows(cmp)
    lines = [
        f"prodbench comparison: {len(cmp.names)} candidates, baseline {cmp.baseline}"
        + (f", budget {cmp.budget}" if cmp.budget else ""),
        "",
    ]
    table = _text_table(cmp, rows)
    if max(map(len, table)) > width:
        table = [*_text_table(cmp, rows, "research"), "", *_text_table(cmp, rows, "production")]
    lines += table
    notes = [n for n in (_significance_note(cmp),) if n] + _undersampled_notes(cmp, rows)
    if notes:
        lines.append("")
        for note in notes:
            lines += _wrap(note, indent="", hang="  ")
    if cmp.failures:
        lines += ["", "Failures:"]
        for f in (cmp.failures[n] for n in cmp.names if n in cmp.failures):
            lines += _wrap(f"{f.name} ({f.phase}, {f.error_type}): {f.message}", bullet="- ")
    if cmp.verdict:
        lines += ["", "Verdict:"]
        for sentence in cmp.verdict:
            lines += _wrap(sentence, bullet="- ")
    if cmp.stakeholders:
        lines += ["", "Stakeholders:"]
        role_w = max(len(s.role) for s in cmp.stakeholders)
        obj_w = max(len(s.objective) for s in cmp.stakeholders)
        pick_w = max(len(s.pick or DASH) for s in cmp.stakeholders)
        for s in cmp.stakeholders:
            lines.append(
                f"  {s.role.ljust(role_w)}  {s.objective.ljust(obj_w)}  -> "
                f"{(s.pick or DASH).ljust(pick_w)} ({s.reason})"
            )
    lines.append("")
    if cmp.budget:
        lines.append(f"Budget: {cmp.budget}")
        for detail in _budget_details(cmp):
            lines += _wrap(detail, bullet="- ")
    else:
        lines.append("Budget: none (pass budget= to check latency and size limits)")
    if cmp.measured:
        lines.append(f"Pareto front ({_score_name(cmp)} up, p99 down): {', '.join(cmp.pareto)}")
    measured = _measured_note(cmp)
    if measured:
        lines += _wrap("Measured: " + measured, indent="", hang="  ")
    env = _environment_line(cmp)
    if env:
        lines += _wrap("Environment: " + env, indent="", hang="  ")
    return "\n".join(lines)


# --------------------------------------------------------------------------- markdown
def _md(text: str) -> str:
    """Escape a user string for a Markdown table cell."""
    escaped = html.escape(text, quote=False).replace("\\", "\\\\")
    for char in "|*_`[]":
        escaped = escaped.replace(char, "\\" + char)
    return escaped.replace("\n", " ")


def _md_header(head: tuple[str, ...]) -> str:
    return " ".join(head)


def render_markdown(cmp: Comparison) -> str:
    """Render a comparison as GitHub Markdown.

    A table whose first header row names the two groups (*Research priority*,
    *Production priority*) over their first columns, a bold row of column
    names, one row per candidate; then footnotes, the verdict as bullets,
    the stakeholders as a table, the budget and the environment.

    Parameters
    ----------
    cmp : Comparison

    Returns
    -------
    str

    Examples
    --------
    >>> import prodbench as pb
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> cmp = pb.compare({"lone": LogisticRegression(max_iter=500),
    ...                   "tree": DecisionTreeClassifier()}, X, y, max_time=0.2)
    >>> md = render_markdown(cmp)
    >>> "Research priority" in md and "lone (baseline)" in md
    True
    """
    rows = _rows(cmp)
    cols = _columns(cmp)
    group_row = ["", *("" for _ in cols)]
    seen: set[str] = set()
    for i, (_, group, _) in enumerate(cols):
        if group not in seen:
            seen.add(group)
            group_row[i + 1] = f"{_GROUP_TITLES[group].capitalize()} →"
    names_row = ["**candidate**", *(f"**{_md_header(h)}**" for _, _, h in cols)]
    align = [":---", *("---:" for _ in cols)]
    lines = [
        f"**prodbench comparison**: {len(cmp.names)} candidates, baseline `{_md(cmp.baseline)}`"
        + (f", budget {_md(str(cmp.budget))}" if cmp.budget else ""),
        "",
        "| " + " | ".join(group_row) + " |",
        "|" + "|".join(align) + "|",
        "| " + " | ".join(names_row) + " |",
    ]
    for r in rows:
        name = _md(r.name) + (" (baseline)" if r.is_baseline else "")
        if r.failed:
            cells = [f"**{_md(r.failed)}**", *("" for _ in cols[1:])]
        else:
            cells = [_md(r.cells[k]) for k, _, _ in cols]
            cells = [
                f"**{c}**" if k == "budget" and r.budget_status == "fail" else c
                for c, (k, _, _) in zip(cells, cols, strict=True)
            ]
        lines.append("| " + " | ".join([name, *cells]) + " |")
    notes = [n for n in (_significance_note(cmp),) if n] + _undersampled_notes(cmp, rows)
    if notes:
        lines.append("")
        lines += [_md(n) + "<br>" if i < len(notes) - 1 else _md(n) for i, n in enumerate(notes)]
    if cmp.failures:
        lines += ["", "**Failures**", ""]
        for f in (cmp.failures[n] for n in cmp.names if n in cmp.failures):
            lines.append(
                f"- `{_md(f.name)}` ({_md(f.phase)}, {_md(f.error_type)}): {_md(f.message)}"
            )
    if cmp.verdict:
        lines += ["", "**Verdict**", ""]
        lines += [f"- {_md(v)}" for v in cmp.verdict]
    if cmp.stakeholders:
        lines += [
            "",
            "| stakeholder | objective | pick | why |",
            "|:---|:---|:---|:---|",
        ]
        for s in cmp.stakeholders:
            lines.append(
                f"| {_md(s.role)} | {_md(s.objective)} | {_md(s.pick or DASH)} | {_md(s.reason)} |"
            )
    lines.append("")
    if cmp.budget:
        lines.append(f"**Budget**: {_md(str(cmp.budget))}")
        details = _budget_details(cmp)
        if details:
            lines.append("")
            lines += [f"- {_md(d)}" for d in details]
    else:
        lines.append("**Budget**: none")
    footer = []
    if cmp.measured:
        footer.append(
            f"Pareto front ({_md(_score_name(cmp))} up, p99 down): "
            + ", ".join(_md(n) for n in cmp.pareto)
        )
    measured = _measured_note(cmp)
    if measured:
        footer.append("Measured: " + _md(measured))
    env = _environment_line(cmp)
    if env:
        footer.append("Environment: " + _md(env))
    if footer:
        lines += ["", "<br>\n".join(footer)]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- html
_CSS = """
.prodbench { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; font-size: 13px; }
.prodbench table { border-collapse: collapse; margin: 0.4em 0; }
.prodbench th, .prodbench td { padding: 3px 8px; border: 1px solid #bbb; }
.prodbench td { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.prodbench td.pb-name, .prodbench td.pb-text { text-align: left; }
.prodbench th.pb-group { text-align: center; letter-spacing: 0.05em; }
.prodbench th.pb-research { border-bottom: 3px solid #3b6ea5; }
.prodbench th.pb-production { border-bottom: 3px solid #b5651d; }
.prodbench .pb-pass { background: #d9f2d9; color: #14501e; }
.prodbench .pb-fail { background: #f9d6d5; color: #7a1111; font-weight: bold; }
.prodbench .pb-inconclusive { background: #fff1c2; color: #5c4400; }
.prodbench .pb-failed { background: #eee; color: #7a1111; font-style: italic; }
.prodbench .pb-flag { color: #b5651d; font-weight: bold; }
.prodbench .pb-note { color: #555; margin: 0.2em 0; }
.prodbench h4 { margin: 0.6em 0 0.2em 0; }
"""


def _h(text: str) -> str:
    return html.escape(text, quote=True)


def _budget_td(status: str | None, text: str, title: str = "") -> str:
    if status is None:
        return f"<td>{_h(text)}</td>"
    tip = f' title="{_h(title)}"' if title else ""
    return f'<td class="pb-{status}"{tip}>{_STATUS_SYMBOL[status]} {_h(text)}</td>'


def _flag_html(text: str) -> str:
    """Escape, then wrap the under-sampled mark so it stands out."""
    return _h(text).replace(UNDERSAMPLED_MARK, f'<span class="pb-flag">{UNDERSAMPLED_MARK}</span>')


def render_html(cmp: Comparison) -> str:
    """Render a comparison as a self-contained HTML ``<div>`` (inline style, no JavaScript).

    The table has a two-level header: *Research priority* and *Production
    priority* span their columns. Budget cells carry a colour and a text mark
    (✓ pass, ✗ fail, ? inconclusive), so they read without colour too. Every
    user-provided string (names, messages) is escaped. Used by
    ``Comparison._repr_html_`` in notebooks.

    Parameters
    ----------
    cmp : Comparison

    Returns
    -------
    str

    Examples
    --------
    >>> import prodbench as pb
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> cmp = pb.compare({"lone": LogisticRegression(max_iter=500),
    ...                   "tree": DecisionTreeClassifier()}, X, y, max_time=0.2)
    >>> page = render_html(cmp)
    >>> page.startswith('<div class="prodbench">') and "<script" not in page
    True
    """
    rows = _rows(cmp)
    cols = _columns(cmp)
    out = [f'<div class="prodbench"><style>{_CSS}</style>']
    out.append(
        f"<p><strong>prodbench comparison</strong>: {len(cmp.names)} candidates, baseline "
        f"<code>{_h(cmp.baseline)}</code>"
        + (f", budget {_h(str(cmp.budget))}" if cmp.budget else "")
        + "</p>"
    )
    out.append("<table><thead><tr>")
    out.append('<th rowspan="2">candidate</th>')
    for group in ("research", "production"):
        span = sum(1 for c in cols if c[1] == group)
        if span:
            out.append(
                f'<th class="pb-group pb-{group}" colspan="{span}">'
                f"{_GROUP_TITLES[group].capitalize()}</th>"
            )
    out.append("</tr><tr>")
    out += [f"<th>{_h(' '.join(h))}</th>" for _, _, h in cols]
    out.append("</tr></thead><tbody>")
    for r in rows:
        name = _h(r.name) + (" <em>(baseline)</em>" if r.is_baseline else "")
        out.append(f'<tr><td class="pb-name">{name}</td>')
        if r.failed:
            out.append(f'<td class="pb-failed pb-text" colspan="{len(cols)}">{_h(r.failed)}</td>')
        else:
            for key, _, _ in cols:
                if key == "budget":
                    checks = cmp.budget_status(r.name)
                    tip = "; ".join(c.describe() for c in checks.values())
                    out.append(_budget_td(r.budget_status, r.cells[key].capitalize(), tip))
                else:
                    out.append(f"<td>{_flag_html(r.cells[key])}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    notes = [n for n in (_significance_note(cmp),) if n] + _undersampled_notes(cmp, rows)
    out += [f'<p class="pb-note">{_flag_html(n)}</p>' for n in notes]
    if cmp.failures:
        out.append("<h4>Failures</h4><ul>")
        for f in (cmp.failures[n] for n in cmp.names if n in cmp.failures):
            out.append(
                f"<li><code>{_h(f.name)}</code> ({_h(f.phase)}, {_h(f.error_type)}): "
                f'<pre style="display:inline;white-space:pre-wrap">{_h(f.message)}</pre></li>'
            )
        out.append("</ul>")
    if cmp.verdict:
        out.append("<h4>Verdict</h4><ul>")
        out += [f"<li>{_h(v)}</li>" for v in cmp.verdict]
        out.append("</ul>")
    if cmp.stakeholders:
        out.append("<h4>Stakeholders</h4><table><thead><tr>")
        out.append("<th>stakeholder</th><th>objective</th><th>pick</th><th>why</th>")
        out.append("</tr></thead><tbody>")
        for s in cmp.stakeholders:
            out.append(
                f'<tr><td class="pb-text">{_h(s.role)}</td><td class="pb-text">'
                f'{_h(s.objective)}</td><td class="pb-text">{_h(s.pick or DASH)}</td>'
                f'<td class="pb-text">{_h(s.reason)}</td></tr>'
            )
        out.append("</tbody></table>")
    if cmp.budget:
        out.append(f'<p class="pb-note">Budget: {_h(str(cmp.budget))}</p>')
        details = _budget_details(cmp)
        if details:
            out.append("<ul>" + "".join(f"<li>{_h(d)}</li>" for d in details) + "</ul>")
    if cmp.measured:
        out.append(
            f'<p class="pb-note">Pareto front ({_h(_score_name(cmp))} up, p99 down): '
            f"{_h(', '.join(cmp.pareto))}</p>"
        )
    measured = _measured_note(cmp)
    if measured:
        out.append(f'<p class="pb-note">Measured: {_h(measured)}</p>')
    env = _environment_line(cmp)
    if env:
        out.append(f'<p class="pb-note">Environment: {_h(env)}</p>')
    out.append("</div>")
    return "\n".join(out)


# --------------------------------------------------------------------------- tables
_FRAME_COLUMNS: dict[str, str] = {
    # column -> dtype
    "candidate": "object",
    "is_baseline": "bool",
    "status": "object",
    "error": "object",
    "score_name": "object",
    "score": "float64",
    "score_diff": "float64",
    "score_diff_low": "float64",
    "score_diff_high": "float64",
    "p_value": "float64",
    "significant": "boolean",
    "detectable_diff": "float64",
    "fit_time_s": "float64",
    "train_rows_per_s": "float64",
    "bulk_rows_per_s": "float64",
    "p50_s": "float64",
    "p50_low_s": "float64",
    "p50_high_s": "float64",
    "p90_s": "float64",
    "p99_s": "float64",
    "p99_low_s": "float64",
    "p99_high_s": "float64",
    "p999_s": "float64",
    "p99_undersampled": "boolean",
    "n_samples": "Int64",
    "cold_start_s": "float64",
    "size_bytes": "Int64",
    "p99_ratio": "float64",
    "p99_ratio_low": "float64",
    "p99_ratio_high": "float64",
    "pareto": "bool",
    "budget": "object",
}


def _frame_record(cmp: Comparison, name: str) -> dict[str, Any]:
    rec: dict[str, Any] = dict.fromkeys(_FRAME_COLUMNS)
    rec.update(candidate=name, is_baseline=name == cmp.baseline, pareto=False)
    if name in cmp.failures:
        f = cmp.failures[name]
        rec.update(status="failed", error=f"{f.error_type} in {f.phase}: {f.message}")
        return rec
    r = cmp.results[name]
    lat = r.latency
    rec.update(
        status="ok",
        score_name=r.score.name,
        score=r.score.value,
        fit_time_s=None if r.training is None else r.training.fit_time,
        train_rows_per_s=None if r.training is None else r.training.samples_per_second,
        bulk_rows_per_s=r.throughput.largest.rows_per_second if r.throughput.batches else None,
        n_samples=lat.n,
        cold_start_s=lat.cold_start,
        size_bytes=None if r.footprint is None else r.footprint.size_bytes,
        pareto=name in cmp.pareto,
        budget=cmp.budget_overall(name),
    )
    if lat.n:
        p50_low, p50_high = lat.interval(50)
        p99_low, p99_high = lat.interval(99)
        rec.update(
            p50_s=lat.p50,
            p50_low_s=p50_low,
            p50_high_s=p50_high,
            p90_s=lat.p90,
            p99_s=lat.p99,
            p99_low_s=p99_low,
            p99_high_s=p99_high,
            p999_s=lat.p999,
            p99_undersampled=lat.undersampled(99),
        )
    d = _delta(cmp, name)
    if d is not None:
        rec.update(
            score_diff=d.score_diff,
            score_diff_low=d.score_diff_interval[0],
            score_diff_high=d.score_diff_interval[1],
            p_value=d.p_value,
            significant=d.significant,
            detectable_diff=d.detectable_diff,
            p99_ratio=d.p99_ratio,
            p99_ratio_low=d.p99_ratio_interval[0],
            p99_ratio_high=d.p99_ratio_interval[1],
        )
    elif name == cmp.baseline:
        rec.update(score_diff=0.0, p99_ratio=1.0)
    for key, check in cmp.budget_status(name).items():
        rec[f"budget_{key}"] = check.status
    return rec


def to_frame(cmp: Comparison) -> pd.DataFrame:
    """One row per candidate (failed ones too) with tidy columns, units in their names.

    Times are in seconds (``*_s``), sizes in bytes, rates in rows per second.
    ``status`` is ``"ok"`` or ``"failed"`` (then ``error`` says why and the
    measurements are missing). ``budget`` is the overall status or None, and
    each budget limit adds a column ``budget_<key>`` with ``"pass"``,
    ``"fail"`` or ``"inconclusive"``. The baseline's ``score_diff`` is 0 and
    its ``p99_ratio`` 1. The index holds the candidate names.

    Parameters
    ----------
    cmp : Comparison

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import prodbench as pb
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> cmp = pb.compare({"lone": LogisticRegression(max_iter=500),
    ...                   "tree": DecisionTreeClassifier()}, X, y, max_time=0.2)
    >>> df = to_frame(cmp)
    >>> df.loc["tree", "status"], bool(df.loc["lone", "is_baseline"])
    ('ok', True)
    """
    import pandas as pd

    budget_cols = [f"budget_{k}" for k in cmp.budget.limits] if cmp.budget else []
    records = [_frame_record(cmp, n) for n in cmp.names if n in cmp.results or n in cmp.failures]
    columns = [*_FRAME_COLUMNS, *budget_cols]
    frame = pd.DataFrame.from_records(records, columns=columns)
    for column, dtype in _FRAME_COLUMNS.items():
        if dtype != "object":
            frame[column] = frame[column].astype(dtype)
    frame.index = pd.Index(frame["candidate"].tolist())
    return frame


def render_csv(cmp: Comparison) -> str:
    """The :func:`to_frame` table as CSV text (candidate names in the ``candidate`` column).

    Examples
    --------
    >>> import prodbench as pb
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> cmp = pb.compare({"lone": LogisticRegression(max_iter=500),
    ...                   "tree": DecisionTreeClassifier()}, X, y, max_time=0.2)
    >>> import io
    >>> import pandas as pd
    >>> pd.read_csv(io.StringIO(render_csv(cmp)))["candidate"].tolist()
    ['lone', 'tree']
    """
    return str(to_frame(cmp).to_csv(index=False))


def render_json(cmp: Comparison) -> str:
    """The comparison as JSON text: :meth:`Comparison.to_dict`, raw samples included.

    Examples
    --------
    >>> import prodbench as pb
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> cmp = pb.compare({"lone": LogisticRegression(max_iter=500),
    ...                   "tree": DecisionTreeClassifier()}, X, y, max_time=0.2)
    >>> import json
    >>> json.loads(render_json(cmp))["names"]
    ['lone', 'tree']
    """
    return json.dumps(cmp.to_dict())


# --------------------------------------------------------------------------- one result
def _result_items(result: ModelResult) -> list[tuple[str, str, bool]]:
    """(label, value, flagged) lines shared by :func:`render_result` and :func:`result_html`."""
    items: list[tuple[str, str, bool]] = []
    score = result.score
    items.append(
        (
            "score",
            f"{score.name} {_fmt_score(score.name, score.value)} on {score.n:,} test rows",
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
                f"{_fmt_rate(t.samples_per_second)} rows/s",
                False,
            )
        )
    if result.throughput.batches:
        items.append(
            (
                "bulk predict",
                ", ".join(
                    f"batch {b.batch_size:,}: {_fmt_rate(b.rows_per_second)} rows/s"
                    for b in sorted(result.throughput.batches, key=lambda b: b.batch_size)
                ),
                False,
            )
        )
    lat = result.latency
    for key, q in _PERCENTILES:
        if lat.n == 0:
            items.append((f"latency {key}", "no samples", True))
            continue
        low, high = lat.interval(q)
        flagged = lat.undersampled(q)
        text = f"{format_duration(lat.percentile(q))} 95% CI {_fmt_interval_units(low, high)}"
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
            f"{_fmt_duration(lat.cold_start)}; {lat.warmup:,} warm-up calls discarded; "
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


def render_result(result: ModelResult) -> str:
    """Render one model's measurements as a short text block.

    Score, training (median fit time of n fits, rows/s), bulk throughput per
    batch size, latency p50/p90/p99/p999 with 95% intervals (under-sampled
    percentiles flagged), sample count and stop reason, cold start, warm-up
    and GC counts, size and load time, notes and the environment.
    ``str(result)`` calls this.

    Parameters
    ----------
    result : ModelResult

    Returns
    -------
    str

    Examples
    --------
    >>> from prodbench import measure
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = load_iris(return_X_y=True)
    >>> result = measure(LogisticRegression(max_iter=500), X, y, max_time=0.2)
    >>> print(render_result(result).splitlines()[0])
    LogisticRegression (sklearn.linear_model._logistic.LogisticRegression, classification)
    """
    items = _result_items(result)
    width = max(len(label) for label, _, _ in items)
    lines = [f"{result.name} ({result.estimator}, {result.task})"]
    for label, value, _ in items:
        lines.append(f"  {label.ljust(width)}  {value}")
    return "\n".join(lines)


def result_html(result: ModelResult) -> str:
    """Render one model's measurements as a small HTML table (no JavaScript).

    Used by ``ModelResult._repr_html_``; the same content as :func:`render_result`.

    Parameters
    ----------
    result : ModelResult

    Returns
    -------
    str

    Examples
    --------
    >>> from prodbench import measure
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = load_iris(return_X_y=True)
    >>> result = measure(LogisticRegression(max_iter=500), X, y, max_time=0.2)
    >>> "<table>" in result_html(result)
    True
    """
    out = [f'<div class="prodbench"><style>{_CSS}</style>']
    out.append(
        f"<p><strong>{_h(result.name)}</strong> <code>{_h(result.estimator)}</code> "
        f"({_h(result.task)})</p><table><tbody>"
    )
    for label, value, flagged in _result_items(result):
        cls = "pb-text pb-inconclusive" if flagged else "pb-text"
        out.append(f'<tr><th>{_h(label)}</th><td class="{cls}">{_flag_html(value)}</td></tr>')
    out.append("</tbody></table></div>")
    return "\n".join(out)
