"""Plain text: the aligned terminal report of a comparison, and one result's short block."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from types import MappingProxyType
from typing import TYPE_CHECKING

from ..units import score_trend
from .cells import GROUP_TITLES, cli_words, terminal_width, wrap
from .model import build_report, result_items
from .types import Column, Row, Section

if TYPE_CHECKING:
    from ..results import ModelResult
    from ..verdict import Comparison

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


def _stakeholders(section: Section, width: int) -> list[str]:
    role_w = max(len(row[0]) for row in section.rows)
    obj_w = max(len(row[1]) for row in section.rows)
    pick_w = max(len(row[2]) for row in section.rows)
    aligned = [
        f"  {role.ljust(role_w)}  {objective.ljust(obj_w)}  -> {pick.ljust(pick_w)} ({why})"
        for role, objective, pick, why in section.rows
    ]
    if max(map(len, aligned)) <= width:
        return aligned
    lines = []  # too wide aligned: one wrapped sentence per stakeholder
    for role, objective, pick, why in section.rows:
        lines += wrap(f"{role}: {objective} -> {pick} ({why})", hang="      ", width=width)
    return lines


def render_section(section: Section, width: int = 80) -> list[str]:
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
        lines += wrap(sentence, bullet="- ", width=width)
    if special is not None:
        lines += special(section, width)
    elif section.rows:
        grid = [section.headers, *section.rows] if section.headers else list(section.rows)
        widths = [max(len(row[i]) for row in grid) for i in range(len(grid[0]))]
        for row in grid:
            cells = [row[0].ljust(widths[0])] + [
                c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
            ]
            lines.append(("  " + "  ".join(cells)).rstrip())
    for note in section.notes:
        lines += wrap(note, indent="  ", width=width)
    return lines


def _where(section: Section, width: int = 80) -> list[str]:
    """Where a sweep's cases ran: one wrapped line per case (a table would not fit)."""
    lines = []
    for case, where, cpu, threads, attempts in section.rows:
        text = f"{case}: {where}; {cpu}; threads {threads}; attempts {attempts}"
        lines += wrap(text, indent="  ", hang="      ", width=width)
    return lines


#: Sections with a text layout of their own, by :attr:`Section.key`.
_SECTIONS: Mapping[str, Callable[[Section, int], list[str]]] = MappingProxyType(
    {"stakeholders": _stakeholders, "sweep-where": _where}
)


def _fitted_tables(columns: Sequence[Column], table: Sequence[Row], width: int) -> list[str]:
    """Both groups side by side if that fits ``width``; else one table per group, and a
    group too wide on its own split into as many tables as it needs."""
    lines = _table(columns, table)
    if max(map(len, lines)) <= width:
        return lines
    out: list[str] = []
    for group in ("research", "production"):
        chunk: list[Column] = []
        for column in (c for c in columns if c.group == group):
            if chunk and max(map(len, _table([*chunk, column], table))) > width:
                out += ["", *_table(chunk, table)]
                chunk = []
            chunk.append(column)
        if chunk:
            out += ["", *_table(chunk, table)]
    return out[1:]


def render_text(cmp: Comparison, *, width: int | None = None, cli: bool = False) -> str:
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
    width : int, optional
        The widest line allowed; default the terminal's width (``COLUMNS``
        when set, else 80 when there is no terminal). When the side-by-side
        table would be wider, the research and the production columns are
        shown as tables one above the other (a group split further if it
        still does not fit), and prose wraps without splitting a number
        from its unit.
    cli : bool, default False
        Name command-line options (``--budget``) where the text would name
        keyword arguments (``budget=``); the CLI passes True.

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
    width = terminal_width() if width is None else width
    words = cli_words if cli else (lambda text: text)

    def prose(text: str, **kwargs: str) -> list[str]:
        return wrap(words(text), width=width, **kwargs)

    lines = prose(
        f"prodbench comparison: {rep.candidates}, baseline {rep.baseline}"
        + (f", budget {rep.budget}" if rep.budget else ""),
        indent="",
        hang="  ",
    )
    lines.append("")
    lines += _fitted_tables(rep.columns, rep.rows, width)
    if rep.notes:
        lines.append("")
        for note in rep.notes:
            lines += prose(note, indent="", hang="  ")
    if rep.failures:
        lines += ["", "Failures:"]
        for f in rep.failures:
            lines += prose(f"{f.name} ({f.phase}, {f.error_type}): {f.message}", bullet="- ")
    for section in rep.sections:
        said = replace(
            section,
            bullets=tuple(map(words, section.bullets)),
            notes=tuple(map(words, section.notes)),
        )
        lines += render_section(said, width)
    lines.append("")
    if rep.budget:
        lines += prose(f"Budget: {rep.budget}", indent="", hang="  ")
        for detail in rep.budget_details:
            lines += prose(detail, bullet="- ")
    else:
        lines += prose(
            "Budget: none (pass budget= to check latency and size limits)", indent="", hang="  "
        )
    if rep.pareto is not None:
        lines += prose(
            f"Pareto front ({score_trend(rep.score_name)}, p99 down): {', '.join(rep.pareto)}",
            indent="",
            hang="  ",
        )
    if rep.measured:
        lines += prose("Measured: " + rep.measured, indent="", hang="  ")
    if rep.environment:
        lines += prose("Environment: " + rep.environment, indent="", hang="  ")
    return "\n".join(lines)


def render_result(result: ModelResult, *, line_width: int | None = None) -> str:
    """Render one model's measurements as a short text block.

    Score, training (median fit time of n fits, rows/s), bulk throughput per
    batch size, latency p50/p90/p99/p999 with 95% intervals (under-sampled
    percentiles flagged), sample count and stop reason, cold start, warm-up
    and GC counts, size and load time, notes and the environment.
    ``str(result)`` calls this.

    Parameters
    ----------
    result : ModelResult
    line_width : int, optional
        The widest line; default the terminal's width (``COLUMNS``, else 80).
        Values wrap under themselves, never splitting a number from its unit.

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
    columns = terminal_width() if line_width is None else line_width
    lines = wrap(
        f"{result.name} ({result.estimator}, {result.task})", indent="", hang="  ", width=columns
    )
    for label, value, _ in items:
        lines += wrap(
            value,
            indent=f"  {label.ljust(width)}  ",
            hang=" " * (width + 4),
            width=columns,
        )
    return "\n".join(lines)
