"""HTML: a self-contained ``<div>`` (inline style, no JavaScript) for notebooks and pages."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from ..units import score_trend
from .cells import GROUP_TITLES, STATUS_SYMBOL, UNDERSAMPLED_MARK
from .model import build_report, result_items
from .types import Section

if TYPE_CHECKING:
    from ..results import ModelResult
    from ..verdict import Comparison

__all__ = ["render_html", "result_html"]

CSS = """
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


def h(text: str) -> str:
    """Escape a string for HTML text and attributes.

    Examples
    --------
    >>> h("<a & b>")
    '&lt;a &amp; b&gt;'
    """
    return html.escape(text, quote=True)


def _budget_td(status: str | None, text: str, title: str = "") -> str:
    if status is None:
        return f"<td>{h(text)}</td>"
    tip = f' title="{h(title)}"' if title else ""
    return f'<td class="pb-{status}"{tip}>{STATUS_SYMBOL[status]} {h(text)}</td>'


def _flag_html(text: str) -> str:
    """Escape, then wrap the under-sampled mark so it stands out."""
    return h(text).replace(UNDERSAMPLED_MARK, f'<span class="pb-flag">{UNDERSAMPLED_MARK}</span>')


def render_section(section: Section) -> list[str]:
    """A section as HTML: an ``<h4>`` title, a list, a table of text cells, notes.

    Examples
    --------
    >>> from prodbench.report.model import Section
    >>> render_section(Section("x", "Capacity", bullets=("ok",)))
    ['<h4>Capacity</h4><ul>', '<li>ok</li>', '</ul>']
    """
    out = [f"<h4>{h(section.title)}</h4>"]
    if section.bullets:
        out[-1] += "<ul>"
        out += [f"<li>{h(b)}</li>" for b in section.bullets]
        out.append("</ul>")
    if section.rows:
        if section.headers:
            out[-1] += "<table><thead><tr>"
            out.append("".join(f"<th>{h(c)}</th>" for c in section.headers))
            out.append("</tr></thead><tbody>")
        else:
            out[-1] += "<table><tbody>"
        for row in section.rows:
            out.append("<tr>" + "".join(f'<td class="pb-text">{h(c)}</td>' for c in row) + "</tr>")
        out.append("</tbody></table>")
    out += [f'<p class="pb-note">{_flag_html(n)}</p>' for n in section.notes]
    return out


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
    rep = build_report(cmp)
    cols = rep.columns
    out = [f'<div class="prodbench"><style>{CSS}</style>']
    out.append(
        f"<p><strong>prodbench comparison</strong>: {rep.candidates}, baseline "
        f"<code>{h(rep.baseline)}</code>"
        + (f", budget {h(rep.budget)}" if rep.budget else "")
        + "</p>"
    )
    out.append("<table><thead><tr>")
    out.append('<th rowspan="2">candidate</th>')
    for group in ("research", "production"):
        span = sum(1 for c in cols if c.group == group)
        if span:
            out.append(
                f'<th class="pb-group pb-{group}" colspan="{span}">'
                f"{GROUP_TITLES[group].capitalize()}</th>"
            )
    out.append("</tr><tr>")
    out += [f"<th>{h(' '.join(c.header))}</th>" for c in cols]
    out.append("</tr></thead><tbody>")
    for r in rep.rows:
        name = h(r.name) + (" <em>(baseline)</em>" if r.is_baseline else "")
        out.append(f'<tr><td class="pb-name">{name}</td>')
        if r.failed:
            out.append(f'<td class="pb-failed pb-text" colspan="{len(cols)}">{h(r.failed)}</td>')
        else:
            for c in cols:
                if c.key == "budget":
                    out.append(
                        _budget_td(r.budget_status, r.cells[c.key].capitalize(), r.budget_tip)
                    )
                else:
                    out.append(f"<td>{_flag_html(r.cells[c.key])}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    out += [f'<p class="pb-note">{_flag_html(n)}</p>' for n in rep.notes]
    if rep.failures:
        out.append("<h4>Failures</h4><ul>")
        for f in rep.failures:
            out.append(
                f"<li><code>{h(f.name)}</code> ({h(f.phase)}, {h(f.error_type)}): "
                f'<pre style="display:inline;white-space:pre-wrap">{h(f.message)}</pre></li>'
            )
        out.append("</ul>")
    for section in rep.sections:
        out += render_section(section)
    if rep.budget:
        out.append(f'<p class="pb-note">Budget: {h(rep.budget)}</p>')
        if rep.budget_details:
            out.append("<ul>" + "".join(f"<li>{h(d)}</li>" for d in rep.budget_details) + "</ul>")
    if rep.pareto is not None:
        out.append(
            f'<p class="pb-note">Pareto front ({h(score_trend(rep.score_name))}, p99 down): '
            f"{h(', '.join(rep.pareto))}</p>"
        )
    if rep.measured:
        out.append(f'<p class="pb-note">Measured: {h(rep.measured)}</p>')
    if rep.environment:
        out.append(f'<p class="pb-note">Environment: {h(rep.environment)}</p>')
    out.append("</div>")
    return "\n".join(out)


def result_html(result: ModelResult) -> str:
    """Render one model's measurements as a small HTML table (no JavaScript).

    Used by ``ModelResult._repr_html_``; the same content as
    :func:`~prodbench.report.render_result`.

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
    out = [f'<div class="prodbench"><style>{CSS}</style>']
    out.append(
        f"<p><strong>{h(result.name)}</strong> <code>{h(result.estimator)}</code> "
        f"({h(result.task)})</p><table><tbody>"
    )
    for label, value, flagged in result_items(result):
        cls = "pb-text pb-inconclusive" if flagged else "pb-text"
        out.append(f'<tr><th>{h(label)}</th><td class="{cls}">{_flag_html(value)}</td></tr>')
    out.append("</tbody></table></div>")
    return "\n".join(out)
