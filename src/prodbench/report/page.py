"""The report page: one self-contained HTML file for the people a comparison is for.

:func:`render_page` lays out a :class:`~prodbench.verdict.Comparison` or a
:class:`~prodbench.sweep_results.Sweep` as a whole HTML document: first the
decision in plain words (the sentences :class:`~prodbench.verdict.Comparison`
builds, and one card per stakeholder), then the research and production
tables with their intervals (the one table model of :mod:`.model`), the
budget, capacity and runtimes when present, the plots, the warnings and the
environment. :func:`write_page` writes it atomically.

The page needs nothing from outside: no script, no stylesheet or font to
fetch, no image file. The plots are the figures ``cmp.plot()`` and
``sweep.plot()`` draw, inlined as SVG with their text as paths. Without
matplotlib (the ``plot`` extra) the page says so where the plots would be,
and a :class:`UserWarning` says it too. The CSS reads on a phone (tables
scroll sideways, figures shrink to the width) and prints (no navigation,
tables wrap, nothing split across a page break that need not be).
"""

from __future__ import annotations

import io
import os
import re
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._fileio import atomic_path
from .._version import __version__
from ..errors import MissingDependencyError, ProdbenchError
from ..units import score_trend
from .cells import SIGNIFICANT_MARK, UNDERSAMPLED_MARK, fmt_bytes, fmt_duration
from .html import CSS as TABLE_CSS
from .html import _budget_td, _flag_html, h
from .model import build_report
from .sweep import build_sweep_report
from .types import ComparisonReport, Section

if TYPE_CHECKING:
    from ..sweep_results import Sweep
    from ..verdict import Comparison

__all__ = ["PANELS", "figure_svg", "render_page", "write_page"]

NBSP = "\u00a0"

PANELS: tuple[tuple[str, str], ...] = (
    ("spectrum", "Single-request latency at every percentile, with its 95% interval."),
    ("tradeoff", "Score against p99 latency: the Pareto front and the picks."),
    ("throughput", "Bulk prediction throughput against batch size."),
)
"""The panels of ``cmp.plot()`` on the page, one figure each (``plot.KINDS``), with captions."""

PAGE_CSS = """
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { margin: 0; background: #fff; color: #1b1b1b;
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; }
.prodbench.pb-page { font-size: 1rem; max-width: 62rem; margin: 0 auto; padding: 1rem 1rem 3rem; }
.pb-page h1 { font-size: 1.6rem; line-height: 1.25; margin: 0.4rem 0 0.2rem; }
.pb-page h2 { font-size: 1.25rem; margin: 2rem 0 0.5rem; padding-bottom: 0.2rem;
  border-bottom: 2px solid #ddd; }
.pb-page h3 { font-size: 1.05rem; margin: 1.2rem 0 0.4rem; }
.pb-page p, .pb-page li { overflow-wrap: anywhere; }
.pb-subtitle { color: #444; margin: 0 0 0.6rem; }
.pb-page nav ul { list-style: none; padding: 0; margin: 0.4rem 0; display: flex;
  flex-wrap: wrap; gap: 0.2rem 1rem; font-size: 0.95rem; }
.pb-page a { color: #1d4f91; }
.pb-headline { border-left: 6px solid #2e7d32; background: #eef7ee; padding: 0.5rem 0.9rem;
  margin: 0.6rem 0; }
.pb-headline.pb-none { border-left-color: #b3261e; background: #fdf0ef; }
.pb-headline p { margin: 0.25rem 0; font-size: 1.08rem; }
.pb-cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(13rem, 1fr));
  gap: 0.7rem; list-style: none; padding: 0; margin: 0.5rem 0; }
.pb-card { border: 1px solid #c8c8c8; border-radius: 6px; padding: 0.55rem 0.8rem; }
.pb-role { font-weight: 650; }
.pb-objective, .pb-why { color: #444; font-size: 0.9rem; }
.pb-pick { font-size: 1.15rem; font-weight: 700; margin: 0.2rem 0 0.1rem;
  overflow-wrap: anywhere; }
.pb-scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; max-width: 100%;
  margin: 0.4rem 0;
  /* a shadow at an edge while there is more table to scroll to */
  background: linear-gradient(to right, #fff 30%, rgba(255, 255, 255, 0)),
    linear-gradient(to right, rgba(255, 255, 255, 0), #fff 70%) 100% 0,
    radial-gradient(farthest-side at 0 50%, rgba(0, 0, 0, 0.22), rgba(0, 0, 0, 0)),
    radial-gradient(farthest-side at 100% 50%, rgba(0, 0, 0, 0.22), rgba(0, 0, 0, 0)) 100% 0;
  background-repeat: no-repeat; background-size: 40px 100%, 40px 100%, 14px 100%, 14px 100%;
  background-attachment: local, local, scroll, scroll; }
.pb-page table { border-collapse: collapse; font-size: 0.9rem; margin: 0; }
.pb-page th { text-align: left; vertical-align: bottom; background: #f4f4f4;
  white-space: nowrap; }
.pb-page td { vertical-align: top; }
.pb-page th, .pb-page td { padding: 4px 8px; }
.pb-page td.pb-text { white-space: normal; min-width: 7rem; }
.pb-page th:first-child, .pb-page td.pb-name { position: sticky; left: 0; }
.pb-page td.pb-name { background: #fff; white-space: nowrap; }
.pb-page .pb-note { font-size: 0.9rem; }
.pb-figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 26rem), 1fr));
  gap: 1rem; }
.pb-page figure { margin: 0.5rem 0; break-inside: avoid; page-break-inside: avoid; }
.pb-page figure svg { display: block; width: 100%; height: auto; }
svg.pb-plot * { stroke-linejoin: round; stroke-linecap: butt; }
.pb-page figcaption { font-size: 0.9rem; color: #444; }
.pb-page pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0.2rem 0;
  font-size: 0.85rem; }
.pb-warnings li { margin: 0.3rem 0; }
.pb-env { display: grid; grid-template-columns: max-content 1fr; gap: 0.15rem 1rem;
  font-size: 0.9rem; }
.pb-env dt { font-weight: 600; }
.pb-env dd { margin: 0; overflow-wrap: anywhere; }
.pb-footer { color: #555; font-size: 0.85rem; margin-top: 2rem; }
@media (max-width: 40rem) {
  body { font-size: 15px; }
  .prodbench.pb-page { padding: 0.7rem 0.7rem 2rem; }
  .pb-page h1 { font-size: 1.35rem; }
  .pb-page h2 { margin-top: 1.5rem; }
  .pb-env { grid-template-columns: 1fr; }
  .pb-env dd { margin: 0 0 0.3rem; }
}
@media print {
  body { font-size: 10pt; }
  .prodbench.pb-page { max-width: none; padding: 0; }
  .pb-page nav { display: none; }
  .pb-scroll { overflow: visible; }
  .pb-page table { font-size: 8.5pt; }
  .pb-page td, .pb-page th { white-space: normal; }
  .pb-scroll { background: none; }
  .pb-page th:first-child, .pb-page td.pb-name { position: static; }
  .pb-page h2, .pb-page h3 { break-after: avoid; page-break-after: avoid; }
  .pb-card, .pb-page tr, .pb-headline { break-inside: avoid; page-break-inside: avoid; }
  .pb-page a { color: inherit; text-decoration: none; }
  .pb-headline, .pb-page .pb-pass, .pb-page .pb-fail, .pb-page .pb-inconclusive {
    -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  @page { margin: 1.5cm; }
}
"""


# --------------------------------------------------------------------------- figures
_XML_PROLOGUE = re.compile(r"<\?xml[^>]*\?>|<!DOCTYPE[^>]*>|<!--.*?-->", re.DOTALL)
_DROPPED = re.compile(r"<metadata>.*?</metadata>|<style[^>]*>.*?</style>", re.DOTALL)
_XMLNS = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')
_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(href="#|url\(#)([^")]+)')


def figure_svg(fig: Any, prefix: str, label: str = "") -> str:
    """A matplotlib figure as an ``<svg>`` element to inline in an HTML page.

    The text is drawn as paths (no font is needed), the XML prologue,
    metadata and namespace declarations (URLs) are dropped, every ``id`` and
    reference gets ``prefix`` so several figures can share one page, and the
    element scales to its container (``class="pb-plot"``, ``viewBox`` kept).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    prefix : str
        Prepended to every ``id`` in the figure, e.g. ``"pb1-"``.
    label : str, optional
        The ``aria-label`` of the image.

    Returns
    -------
    str

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from matplotlib.figure import Figure
    >>> fig = Figure(); _ = fig.subplots().plot([1, 2], [3, 4])
    >>> svg = figure_svg(fig, "f1-", "a line")
    >>> svg.startswith('<svg class="pb-plot" role="img" aria-label="a line"'), "http" in svg
    (True, False)
    """
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "prodbench"}):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = _DROPPED.sub("", _XML_PROLOGUE.sub("", buffer.getvalue()))
    text = _XMLNS.sub("", text).strip()
    text = _ID.sub(lambda m: f'id="{prefix}{m.group(1)}"', text)
    text = _REF.sub(lambda m: f"{m.group(1)}{prefix}{m.group(2)}", text)
    aria = f' role="img" aria-label="{h(label)}"' if label else ""
    return text.replace("<svg", f'<svg class="pb-plot"{aria}', 1)


def _close(fig: Any) -> None:
    import matplotlib.pyplot as plt

    plt.close(fig)


def _figures(draws: Sequence[tuple[str, Any]], start: int) -> tuple[list[str], list[str]]:
    """``(caption, draw)`` pairs -> ``<figure>`` elements and the problems met on the way."""
    out: list[str] = []
    problems: list[str] = []
    for i, (caption, draw) in enumerate(draws, start):
        try:
            fig = draw()
        except MissingDependencyError as exc:
            message = f"No plots in this report: {exc}"
            warnings.warn(message, UserWarning, stacklevel=5)
            return [], [message]
        except ProdbenchError as exc:
            problems.append(f"{caption} could not be drawn: {exc}")
            continue
        try:
            svg = figure_svg(fig, f"pb{i}-", caption)
        finally:
            _close(fig)
        out.append(f"<figure>{svg}<figcaption>{h(caption)}</figcaption></figure>")
    return out, problems


# --------------------------------------------------------------------------- pieces
def _scroll(table: str) -> str:
    return f'<div class="pb-scroll">{table}</div>'


def _notes(notes: Iterable[str]) -> list[str]:
    return [f'<p class="pb-note">{_flag_html(n)}</p>' for n in notes]


def _section_html(section: Section, level: int) -> list[str]:
    """A section of the table model at heading ``level``, its table scrolling sideways."""
    out = [f"<h{level}>{h(section.title)}</h{level}>"]
    if section.bullets:
        out.append("<ul>" + "".join(f"<li>{_flag_html(b)}</li>" for b in section.bullets) + "</ul>")
    if section.rows:
        head = (
            "<thead><tr>" + "".join(f"<th>{h(c)}</th>" for c in section.headers) + "</tr></thead>"
            if section.headers
            else ""
        )
        body = "".join(
            "<tr>" + "".join(f'<td class="pb-text">{_flag_html(c)}</td>' for c in row) + "</tr>"
            for row in section.rows
        )
        out.append(_scroll(f"<table>{head}<tbody>{body}</tbody></table>"))
    return out + _notes(section.notes)


def _group_table(rep: ComparisonReport, group: str) -> str:
    """The main table's ``group`` columns (research or production), one row per candidate."""
    cols = [c for c in rep.columns if c.group == group]
    out = ["<table><thead><tr><th>candidate</th>"]
    out += [f"<th>{h(' '.join(c.header))}</th>" for c in cols]
    out.append("</tr></thead><tbody>")
    for r in rep.rows:
        name = h(r.name) + (" <em>(baseline)</em>" if r.is_baseline else "")
        out.append(f'<tr><td class="pb-name">{name}</td>')
        if r.failed:
            out.append(f'<td class="pb-failed pb-text" colspan="{len(cols)}">{h(r.failed)}</td>')
        for c in cols if not r.failed else ():
            if c.key == "budget":
                out.append(_budget_td(r.budget_status, r.cells[c.key].capitalize(), r.budget_tip))
            else:
                out.append(f"<td>{_flag_html(r.cells[c.key])}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return _scroll("".join(out))


def _stakeholder_cards(cmp: Comparison) -> list[str]:
    if not cmp.stakeholders:
        return []
    cards = [
        '<li class="pb-card">'
        f'<div class="pb-role">{h(s.role)}</div>'
        f'<div class="pb-objective">{h(s.objective)}</div>'
        f'<div class="pb-pick">{h(s.pick or "none")}</div>'
        f'<div class="pb-why">{h(s.reason)}</div></li>'
        for s in cmp.stakeholders
    ]
    return ['<ul class="pb-cards">', *cards, "</ul>"]


def _headline(cmp: Comparison) -> list[str]:
    """The research and production sentences, as the decision layer words them."""
    if not cmp.measured:
        return ['<div class="pb-headline pb-none"><p>No candidate was measured.</p></div>']
    decision = cmp.production_decision
    none = " pb-none" if decision.pick is None else ""
    return [
        f'<div class="pb-headline{none}">',
        f"<p>{h(cmp.research_sentence)}</p>",
        f"<p><strong>{h(decision.sentence)}</strong></p>",
        "</div>",
    ]


def _verdict_lines(cmp: Comparison) -> list[str]:
    """The verdict's sentences but the picks line, which the headline already shows."""
    lines = [v for v in cmp.verdict if not v.startswith(cmp.research_sentence)]
    if not lines:
        return []
    return ["<ul>" + "".join(f"<li>{_flag_html(v)}</li>" for v in lines) + "</ul>"]


def _runtimes(cmp: Comparison) -> Section | None:
    variants = [(n, r.runtime) for n, r in cmp.results.items() if r.runtime is not None]
    if not variants:
        return None
    return Section(
        "runtimes",
        "Compiled runtimes",
        headers=("variant", "runtime", "compiled from", "compile time", "size", "parity"),
        rows=tuple(
            (
                n,
                v.runtime,
                v.base,
                fmt_duration(v.conversion_time),
                fmt_bytes(v.size_bytes),
                v.parity.describe(),
            )
            for n, v in variants
        ),
    )


def _environment_rows(env: dict[str, Any]) -> list[tuple[str, str]]:
    rows = []
    if env.get("timestamp"):
        rows.append(("measured at", str(env["timestamp"])))
    if env.get("python"):
        rows.append(("Python", f"{env.get('implementation', '')} {env['python']}".strip()))
    for key, label in (("platform", "platform"), ("cpu_model", "CPU")):
        if env.get(key):
            rows.append((label, str(env[key])))
    counts = (("logical_cores", "logical"), ("usable_cores", "usable"))
    cores = [f"{env[k]} {word}" for k, word in counts if env.get(k) is not None]
    if cores:
        rows.append(("cores", ", ".join(cores)))
    load = env.get("load_average")
    if isinstance(load, (list, tuple)) and load:
        rows.append(("load average (1, 5, 15 min)", ", ".join(f"{v:.2f}" for v in load)))
    packages = env.get("packages")
    if isinstance(packages, dict) and packages:
        rows.append(("packages", ", ".join(f"{k} {v}" for k, v in packages.items())))
    return rows


def _environment(cmp: Comparison, rep: ComparisonReport, level: int) -> list[str]:
    out = _notes(x for x in (rep.measured, rep.environment) if x)
    if cmp.measured:
        rows = _environment_rows(dict(cmp.results[cmp.measured[0]].environment))
        items = "".join(f"<dt>{h(k)}</dt><dd>{h(v)}</dd>" for k, v in rows)
        out.append(f'<dl class="pb-env">{items}</dl>')
    return [f"<h{level}>Environment</h{level}>", *out] if out else []


def _warning_items(cmp: Comparison, rep: ComparisonReport) -> list[str]:
    items = [
        f"<li><strong>{h(f.name)}</strong> failed in {h(f.phase)} ({h(f.error_type)}):"
        f"<pre>{h(f.message)}</pre></li>"
        for f in rep.failures
    ]
    items += [f"<li>{h(n.removeprefix('! '))}</li>" for n in rep.notes if n.startswith("! ")]
    return items


def _comparison_body(
    cmp: Comparison, rep: ComparisonReport, level: int, ids: str = ""
) -> list[tuple[str, str, list[str]]]:
    """(id, title, html) of the tables and sections below a comparison's decision."""
    significance = [n for n in rep.notes if n.startswith(SIGNIFICANT_MARK)]
    undersampled = [n for n in rep.notes if n.startswith(UNDERSAMPLED_MARK)]
    pareto = (
        [f"Pareto front ({score_trend(rep.score_name)}, p99 down): {', '.join(rep.pareto)}"]
        if rep.pareto
        else []
    )
    parts = [
        (f"{ids}research", "Research priority",
         [_group_table(rep, "research"), *_notes(significance)]),
        (f"{ids}production", "Production priority",
         [_group_table(rep, "production"), *_notes(undersampled + pareto)]),
    ]  # fmt: skip
    if rep.budget:
        details = "".join(f"<li>{h(d)}</li>" for d in rep.budget_details)
        parts.append(
            (
                f"{ids}budget",
                "Budget",
                [f"<p>{h(rep.budget)}</p>"] + ([f"<ul>{details}</ul>"] if details else []),
            )
        )
    runtimes = _runtimes(cmp)
    extra = [s for s in rep.sections if s.key not in ("verdict", "stakeholders")]
    for section in extra + ([runtimes] if runtimes else []):
        parts.append((f"{ids}{section.key}", section.title, _section_html(section, level + 1)[1:]))
    return parts


# --------------------------------------------------------------------------- pages
def _document(title: str, subtitle: str, parts: Sequence[tuple[str, str, list[str]]]) -> str:
    nav = "".join(f'<li><a href="#{pid}">{h(t)}</a></li>' for pid, t, _ in parts)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        '<head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{h(title)}</title>",
        f"<style>{TABLE_CSS}{PAGE_CSS}</style></head>",
        '<body><main class="prodbench pb-page">',
        f'<header><h1>{h(title)}</h1><p class="pb-subtitle">{h(subtitle)}</p>',
        f'<nav aria-label="sections"><ul>{nav}</ul></nav></header>',
    ]
    for pid, heading, body in parts:
        out.append(f'<section id="{h(pid)}"><h2>{h(heading)}</h2>')
        out += body
        out.append("</section>")
    out.append(
        f'<footer class="pb-footer"><p>Written by prodbench {h(__version__)}. One '
        "self-contained file: no script, nothing fetched.</p></footer>"
    )
    out.append("</main></body></html>")
    return "\n".join(out) + "\n"


def _plots_part(figures: list[str], problems: list[str]) -> tuple[str, str, list[str]]:
    grid = ['<div class="pb-figures">', *figures, "</div>"] if figures else []
    return ("plots", "Plots", grid + [f'<p class="pb-note">{h(p)}</p>' for p in problems])


def _comparison_page(cmp: Comparison) -> str:
    rep = build_report(cmp)
    subtitle = f"{rep.candidates}, baseline {rep.baseline}" + (
        f", budget {rep.budget.replace(' ', NBSP)}" if rep.budget else ""
    )
    decision = _headline(cmp)
    if cmp.stakeholders:
        decision += ["<h3>For each stakeholder</h3>", *_stakeholder_cards(cmp)]
    verdict = _verdict_lines(cmp)
    if verdict:
        decision += ["<h3>Candidate by candidate</h3>", *verdict]
    parts = [("decision", "Decision", decision), *_comparison_body(cmp, rep, 2)]
    draws = [(caption, lambda k=kind: cmp.plot(kind=k)) for kind, caption in PANELS]
    figures, problems = _figures(draws, 1)
    parts.append(_plots_part(figures, problems))
    warning_items = _warning_items(cmp, rep)
    if warning_items:
        parts.append(
            ("warnings", "Warnings", ['<ul class="pb-warnings">', *warning_items, "</ul>"])
        )
    env = _environment(cmp, rep, 2)
    if env:
        parts.append(("environment", "Environment", env[1:]))
    return _document("prodbench report", subtitle, parts)


def _sweep_page(sw: Sweep) -> str:
    srep = build_sweep_report(sw)
    decision: list[str] = []
    cases: list[str] = []
    warning_items: list[str] = []
    environments: dict[str, list[str]] = {}
    for i, case in enumerate(sw.cases):
        decision.append(f"<h3>{h(case)}</h3>")
        if case in sw.failures:
            f = sw.failures[case]
            decision.append(f'<p class="pb-fail">FAILED ({h(f.error_type)}): {h(f.reason)}</p>')
            continue
        cmp = sw.comparisons.get(case)
        if cmp is None:
            decision.append('<p class="pb-note">Not run (interrupted).</p>')
            continue
        rep = build_report(cmp)
        decision += _headline(cmp) + _stakeholder_cards(cmp)
        cases.append(f'<h3 id="case-{i}">{h(case)}</h3>')
        for _, title, body in _comparison_body(cmp, rep, 4, f"case-{i}-"):
            cases += [f"<h4>{h(title)}</h4>", *body]
        warning_items += [f"<li>{h(case)}: {item[4:]}" for item in _warning_items(cmp, rep)]
        if rep.environment:
            environments.setdefault(rep.environment, []).append(case)
    decision += ["<h3>Across cases</h3>", *_notes(str(sw.summary).splitlines())]
    head = "".join(f"<th>{h(c)}</th>" for c in srep.headers)
    rows = "".join(
        "<tr>"
        + "".join(
            f'<td class="pb-text">{_flag_html(c)}</td>'
            for c in (*r.cells, *("",) * (len(srep.headers) - len(r.cells)))
        )
        + "</tr>"
        for r in srep.rows
    )
    table = [_scroll(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")]
    parts = [
        ("decision", "Decision", decision),
        ("cases", "Every case", table + _notes(srep.notes)),
        ("details", "Case by case", cases),
    ]
    figures, problems = _figures([("p99 latency and score of every case.", sw.plot)], 1)
    parts.append(_plots_part(figures, problems))
    warning_items += [f"<li>{h(w)}</li>" for w in sw.warnings]
    if warning_items:
        parts.append(
            ("warnings", "Warnings", ['<ul class="pb-warnings">', *warning_items, "</ul>"])
        )
    env: list[str] = []
    for section in srep.sections:
        if section.key == "sweep-where":
            env += _section_html(section, 3)
    env += _notes(f"{', '.join(c)}: {line}" for line, c in environments.items())
    if env:
        parts.append(("environment", "Environment", env))
    return _document("prodbench sweep report", srep.title, parts)


def render_page(obj: Comparison | Sweep) -> str:
    """A comparison or a sweep as one self-contained HTML document.

    The decision first (the research and production sentences, one card per
    stakeholder, the verdict candidate by candidate), then the research and
    production tables with their intervals, the budget, capacity and
    compiled runtimes when present, the plots (inline SVG), the warnings and
    the environment. No script, stylesheet, font or image is fetched.
    Without matplotlib, the page says where the plots would be and a
    :class:`UserWarning` is issued.

    Parameters
    ----------
    obj : Comparison or Sweep

    Returns
    -------
    str
        The HTML document (``<!DOCTYPE html>`` ...).

    Examples
    --------
    >>> import sys; sys.path.insert(0, "tests")
    >>> from factories import make_comparison, make_result
    >>> page = render_page(make_comparison([make_result("a"), make_result("b", seed=1)]))
    >>> page.startswith("<!DOCTYPE html>"), "<script" in page, page.count("<svg")
    (True, False, 3)
    """
    if any(cls.__name__ == "Sweep" for cls in type(obj).__mro__):
        return _sweep_page(obj)  # type: ignore[arg-type]
    return _comparison_page(obj)  # type: ignore[arg-type]


def write_page(obj: Comparison | Sweep, path: str | os.PathLike[str]) -> Path:
    """Write :func:`render_page` to ``path`` atomically (a temporary file, then a rename).

    Parameters
    ----------
    obj : Comparison or Sweep
    path : str or path-like
        The HTML file to write; its directory must exist.

    Returns
    -------
    pathlib.Path
        ``path``.

    Examples
    --------
    >>> import sys, tempfile, pathlib; sys.path.insert(0, "tests")
    >>> from factories import make_comparison, make_result
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "report.html"
    >>> write_page(make_comparison([make_result("a"), make_result("b", seed=1)]), out).exists()
    True
    """
    text = render_page(obj)
    target = Path(path)
    with atomic_path(target) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
    return target
