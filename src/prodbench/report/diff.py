"""The text of ``prodbench diff``: two saved runs compared, per candidate, with the gates."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ..diff import DISPLAY_CONFIDENCE
from ..units import (
    format_duration,
    format_p_value,
    format_ratio,
    format_score,
    format_score_diff,
)
from .cells import TEXT_WIDTH, UNDERSAMPLED_MARK, wrap

if TYPE_CHECKING:
    from ..diff import RunDiff

__all__ = ["render_diff"]


def render_diff(diff: RunDiff, old_path: str, new_path: str) -> str:
    """The diff as text: one block per candidate, gates, warnings, a legend.

    Parameters
    ----------
    diff : RunDiff
        From :func:`prodbench.diff.diff_runs`.
    old_path, new_path : str
        How to name the two runs (the files they were read from).

    Returns
    -------
    str
    """
    lines = [f"diff {old_path} -> {new_path}"]
    if diff.gates:
        lines.append(diff.headline)
    mark = UNDERSAMPLED_MARK
    any_under = False
    for c in diff.candidates:
        lines.append(f"{c.name}:")
        for p in c.percentiles.values():
            om = mark if p.old_undersampled else ""
            nm = mark if p.new_undersampled else ""
            any_under = any_under or p.undersampled
            high = "inf" if math.isinf(p.high) else f"{p.high:.2f}"
            sig = " *" if p.significant else ""
            lines.append(
                f"  {p.key:<4} old {format_duration(p.old)}{om} (n={p.old_n:,})  new "
                f"{format_duration(p.new)}{nm} (n={p.new_n:,})  new/old {format_ratio(p.ratio)}"
                f"{mark if p.undersampled else ''} [{p.low:.2f}, {high}]{sig}"
            )
        s = c.score
        if s is not None:
            pv = "p=n/a" if s.p_value is None else format_p_value(s.p_value)
            lines.append(
                f"  {s.name} old {format_score(s.name, s.old)}  new {format_score(s.name, s.new)}"
                f"  change {format_score_diff(s.name, s.change)} "
                f"[{format_score_diff(s.name, s.low)}, {format_score_diff(s.name, s.high)}] "
                f"{pv}{' *' if s.significant else ''}"
                f"{'' if s.paired else ' (unpaired: different rows)'}"
            )
    lines.append(
        f"[..] {DISPLAY_CONFIDENCE:.0%} intervals (ratios: distribution-free, from order "
        "statistics of both runs); * significant (excludes no change)"
    )
    if diff.machine_factor is not None:
        f = diff.machine_factor
        lines.append(
            f"{f.describe()}"
            + (
                "; divided out of every new/old ratio above (--normalize), its interval included"
                if diff.normalized
                else "; not divided out (--normalize would)"
            )
        )
    if any_under:
        lines.append(
            f"{mark} under-sampled percentile (fewer samples than it needs): its interval is "
            "wide or open; it still gates with the bound it has"
        )
    if diff.gates:
        lines.append(
            f"gates (--fail-on, Holm-controlled over {len(diff.gates)} gate(s) at "
            f"{diff.alpha:g} family-wise):"
        )
        lines += [f"  {g.describe()}" for g in diff.gates]
    if diff.only_old:
        lines.append(f"only in {old_path}: {', '.join(diff.only_old)}")
    if diff.only_new:
        lines.append(f"only in {new_path}: {', '.join(diff.only_new)}")
    if diff.failed_new:
        lines.append(f"failed in {new_path}: {', '.join(diff.failed_new)}")
    lines += [f"note: {n}" for n in diff.notes]
    lines += [f"warning: {w}" for w in diff.warnings]
    # Prose (legend, gates, warnings) wraps at 80 columns, continuing two spaces in;
    # a line naming the user's files stays whole (a path is not broken, nor its line).
    out: list[str] = []
    for line in lines:
        lead = line[: len(line) - len(line.lstrip())]
        keep = len(line) <= TEXT_WIDTH or any(p and p in line for p in (old_path, new_path))
        out += [line] if keep else wrap(line.strip(), lead, hang=lead + "  ", width=TEXT_WIDTH)
    return "\n".join(out)
