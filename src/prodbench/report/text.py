"""Plain text: the aligned terminal report of a comparison, and one result's short block."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..results import ModelResult
from ..verdict import Comparison
from .cells import GROUP_TITLES, wrap
from .model import Column, Row, Section, build_report, result_items

__all__ = ["render_result", "render_text"]


def _table(columns: Sequence[Column], table: Sequence[Row], only: str | None = None) -> list[str]:
    """The table with both groups side by side, or only the group ``only``."""
    cols = [c for c in columns if only is None or c.group == only]
    n_head = max(len(c.header) for c in cols)
    name_w = max([len("candidate")] + [len(r.name) for r in table])
    widths = {}
    for c in cols:
        widths[c.key] = max(
            [len(h) for h in c.header]
            + [len(r.cells.get(c.key, "")) for r in table if not r.failed]
        )
    groups = [g for g in ("research", "production") if any(c.group == g for c in cols)]

    def join(parts: dict[str, str], name: str) -> str:
        line = name.ljust(name_w)
        for gi, g in enumerate(groups):
            line += "  " if gi == 0 else " │ "
            cells = [parts.get(c.key, "").rjust(widths[c.key]) for c in cols if c.group == g]
            line += "  ".join(cells)
        return line.rstrip()

    # group titles, centred over their columns on a rule
    spans = []
    pos = name_w
    for gi, g in enumerate(groups):
        pos += 2 if gi == 0 else 3
        width = sum(widths[c.key] for c in cols if c.group == g)
        width += 2 * (sum(1 for c in cols if c.group == g) - 1)
        spans.append((pos, width, g))
        pos += width
    title = ""
    for start, width, g in spans:
        title = title.ljust(start - (1 if title else 0)) + (" " if title else "")
        title += f" {GROUP_TITLES[g].upper()} ".center(width, "─")
    lines = [title]
    for i in range(n_head):
        parts = {}
        for c in cols:
            # bottom-align the header lines of each column
            offset = n_head - len(c.header)
            parts[c.key] = c.header[i - offset] if i >= offset else ""
        lines.append(join(parts, "candidate" if i == n_head - 1 else ""))
    rule = "─" * name_w
    for gi, (_, width, _) in enumerate(spans):
        rule += "──" if gi == 0 else "─┼─"
        rule += "─" * width
    lines.append(rule)
    for r in table:
        if r.failed:
            mark = "  (baseline)" if r.is_baseline else ""
            lines.append(r.name.ljust(name_w) + "  " + r.failed + mark)
        else:
            lines.append(join(r.cells, r.name))
    return lines


def _stakeholders(section: Section) -> list[str]:
    role_w = max(len(row[0]) for row in section.rows)
    obj_w = max(len(row[1]) for row in section.rows)
    pick_w = max(len(row[2]) for row in section.rows)
    return [
        f"  {role.ljust(role_w)}  {objective.ljust(obj_w)}  -> {pick.ljust(pick_w)} ({why})"
        for role, objective, pick, why in section.rows
    ]


def render_section(section: Section) -> list[str]:
    """A section as text lines: ``Title:``, bullets, an aligned table, notes.

    Examples
    --------
    >>> from prodbench.report.model import Section
    >>> render_section(Section("x", "Capacity", headers=("a", "b"), rows=(("1", "22"),)))
    ['', 'Capacity:', '  a   b', '  1  22']
    """
    lines = ["", f"{section.title}:"]
    special = _SECTIONS.get(section.key)
    for sentence in section.bullets:
        lines += wrap(sentence, bullet="- ")
    if special is not None:
        lines += special(section)
    elif section.rows:
        grid = [section.headers, *section.rows] if section.headers else list(section.rows)
        widths = [max(len(row[i]) for row in grid) for i in range(len(grid[0]))]
        for row in grid:
            cells = [row[0].ljust(widths[0])] + [
                c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
            ]
            lines.append(("  " + "  ".join(cells)).rstrip())
    for note in section.notes:
        lines += wrap(note, indent="  ")
    return lines


#: Sections with a text layout of their own, by :attr:`Section.key`.
_SECTIONS: dict[str, Callable[[Section], list[str]]] = {"stakeholders": _stakeholders}


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
    rep = build_report(cmp)
    lines = [
        f"prodbench comparison: {rep.n_candidates} candidates, baseline {rep.baseline}"
        + (f", budget {rep.budget}" if rep.budget else ""),
        "",
    ]
    table = _table(rep.columns, rep.rows)
    if max(map(len, table)) > width:
        table = [
            *_table(rep.columns, rep.rows, "research"),
            "",
            *_table(rep.columns, rep.rows, "production"),
        ]
    lines += table
    if rep.notes:
        lines.append("")
        for note in rep.notes:
            lines += wrap(note, indent="", hang="  ")
    if rep.failures:
        lines += ["", "Failures:"]
        for f in rep.failures:
            lines += wrap(f"{f.name} ({f.phase}, {f.error_type}): {f.message}", bullet="- ")
    for section in rep.sections:
        lines += render_section(section)
    lines.append("")
    if rep.budget:
        lines.append(f"Budget: {rep.budget}")
        for detail in rep.budget_details:
            lines += wrap(detail, bullet="- ")
    else:
        lines.append("Budget: none (pass budget= to check latency and size limits)")
    if rep.pareto is not None:
        lines.append(f"Pareto front ({rep.score_name} up, p99 down): {', '.join(rep.pareto)}")
    if rep.measured:
        lines += wrap("Measured: " + rep.measured, indent="", hang="  ")
    if rep.environment:
        lines += wrap("Environment: " + rep.environment, indent="", hang="  ")
    return "\n".join(lines)


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
    items = result_items(result)
    width = max(len(label) for label, _, _ in items)
    lines = [f"{result.name} ({result.estimator}, {result.task})"]
    for label, value, _ in items:
        lines.append(f"  {label.ljust(width)}  {value}")
    return "\n".join(lines)
