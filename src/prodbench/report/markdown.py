"""GitHub Markdown: a comparison as a table with notes, verdict and stakeholders."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from ..units import score_trend
from .cells import GROUP_TITLES
from .model import build_report
from .types import Section

if TYPE_CHECKING:
    from ..verdict import Comparison

__all__ = ["render_markdown"]


def md(text: str) -> str:
    """Escape a user string for a Markdown table cell.

    Examples
    --------
    >>> md("a|b")
    'a\\\\|b'
    """
    escaped = html.escape(text, quote=False).replace("\\", "\\\\")
    for char in "|*_`[]":
        escaped = escaped.replace(char, "\\" + char)
    return escaped.replace("\n", " ")


def _table(headers: tuple[str, ...], rows: tuple[tuple[str, ...], ...]) -> list[str]:
    return [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join(":---" for _ in headers) + "|",
        *("| " + " | ".join(md(c) for c in row) + " |" for row in rows),
    ]


def _stakeholders(section: Section) -> list[str]:
    return ["", *_table(section.headers, section.rows)]


def render_section(section: Section) -> list[str]:
    """A section as Markdown lines: a bold title, bullets, a table, notes.

    Examples
    --------
    >>> from prodbench.report.model import Section
    >>> render_section(Section("x", "Capacity", bullets=("ok",)))
    ['', '**Capacity**', '', '- ok']
    """
    special = _SECTIONS.get(section.key)
    if special is not None:
        return special(section)
    lines = ["", f"**{md(section.title)}**", ""]
    lines += [f"- {md(b)}" for b in section.bullets]
    if section.rows:
        if section.bullets:
            lines.append("")
        headers = section.headers or tuple("" for _ in section.rows[0])
        lines += _table(tuple(md(h) for h in headers), section.rows)
    if section.notes:
        lines += ["", "<br>\n".join(md(n) for n in section.notes)]
    return lines


#: Sections with a Markdown layout of their own, by :attr:`Section.key`.
_SECTIONS: Mapping[str, Callable[[Section], list[str]]] = MappingProxyType(
    {"stakeholders": _stakeholders}
)


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
    rep = build_report(cmp)
    cols = rep.columns
    group_row = ["", *("" for _ in cols)]
    seen: set[str] = set()
    for i, c in enumerate(cols):
        if c.group not in seen:
            seen.add(c.group)
            group_row[i + 1] = f"{GROUP_TITLES[c.group].capitalize()} →"
    names_row = ["**candidate**", *(f"**{' '.join(c.header)}**" for c in cols)]
    align = [":---", *("---:" for _ in cols)]
    lines = [
        f"**prodbench comparison**: {rep.candidates}, baseline `{md(rep.baseline)}`"
        + (f", budget {md(rep.budget)}" if rep.budget else ""),
        "",
        "| " + " | ".join(group_row) + " |",
        "|" + "|".join(align) + "|",
        "| " + " | ".join(names_row) + " |",
    ]
    for r in rep.rows:
        name = md(r.name) + (" (baseline)" if r.is_baseline else "")
        if r.failed:
            cells = [f"**{md(r.failed)}**", *("" for _ in cols[1:])]
        else:
            cells = [md(r.cells[c.key]) for c in cols]
            cells = [
                f"**{cell}**" if c.key == "budget" and r.budget_status == "fail" else cell
                for cell, c in zip(cells, cols, strict=True)
            ]
        lines.append("| " + " | ".join([name, *cells]) + " |")
    notes = rep.notes
    if notes:
        lines.append("")
        lines += [md(n) + "<br>" if i < len(notes) - 1 else md(n) for i, n in enumerate(notes)]
    if rep.failures:
        lines += ["", "**Failures**", ""]
        for f in rep.failures:
            lines.append(f"- `{md(f.name)}` ({md(f.phase)}, {md(f.error_type)}): {md(f.message)}")
    for section in rep.sections:
        lines += render_section(section)
    lines.append("")
    if rep.budget:
        lines.append(f"**Budget**: {md(rep.budget)}")
        if rep.budget_details:
            lines.append("")
            lines += [f"- {md(d)}" for d in rep.budget_details]
    else:
        lines.append("**Budget**: none")
    footer = []
    if rep.pareto is not None:
        footer.append(
            f"Pareto front ({md(score_trend(rep.score_name))}, p99 down): "
            + ", ".join(md(n) for n in rep.pareto)
        )
    if rep.measured:
        footer.append("Measured: " + md(rep.measured))
    if rep.environment:
        footer.append("Environment: " + md(rep.environment))
    if footer:
        lines += ["", "<br>\n".join(footer)]
    return "\n".join(lines) + "\n"
