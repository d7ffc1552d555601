"""``prodbench diff``: compare two saved runs, with gates for CI."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from ._common import (
    EXIT_CODES_POINTER,
    _add_format,
    _one_line,
    _print,
    _render,
    _State,
    exit_code,
)

if TYPE_CHECKING:
    from ..verdict import Comparison

DIFF_DESCRIPTION = (
    "Per candidate present in both files: p50 and p99 of both runs (n, "
    "under-sampled ones marked), the ratio new/old with a distribution-free 95% "
    "interval, and the score change with its interval and p-value. The runs' "
    "environments (CPU, versions, thread policy, load, data) are compared and "
    "differences warned about. A --fail-on gate trips (exit 1) only when the "
    "interval lies beyond the limit: p99=+10% trips when the ratio's lower bound "
    "exceeds 1.10. Gates (candidates x limits) are Holm-controlled at 5% "
    "family-wise. A gate no interval can decide (say, the old run's p99 has no "
    "upper bound) is UNDECIDED and fails unless --on-undecided pass."
)

DIFF_EPILOG = (
    "--fail-on limits: p50/p90/p99/p999=+N% (latency increase),\n"
    "score=-Npp (drop in percentage points of an accuracy-like score)\n"
    "or score=-N (drop in score units).\n\n"
    "examples:\n"
    "  prodbench diff old.json new.json\n"
    "  prodbench diff old.json new.json --fail-on 'p99=+10%,score=-0.5pp'\n"
    "  prodbench diff old.json new.json --fail-on p99=+10% --on-undecided pass\n"
    "  prodbench diff old.json new.json --fail-on p99=+10% --normalize\n\n" + EXIT_CODES_POINTER
)


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``diff`` to the ``prodbench`` subparsers."""
    p = sub.add_parser(
        "diff",
        help="compare two saved runs (for CI)",
        description=DIFF_DESCRIPTION,
        epilog=DIFF_EPILOG,
        parents=[common],
    )
    p.add_argument(
        "old", metavar="OLD.json", help="the earlier run: a file written by compare --output"
    )
    p.add_argument(
        "new",
        metavar="NEW.json",
        help="the later run, compared with OLD.json candidate by candidate",
    )
    p.add_argument(
        "--fail-on",
        metavar="LIMITS",
        help="gates, e.g. 'p99=+10%%,p50=+20%%,score=-0.5pp' (default: none, only report)",
    )
    p.add_argument(
        "--on-undecided",
        choices=("fail", "pass"),
        default="fail",
        help="what a gate that no interval can decide does (default: fail, exit 1)",
    )
    p.add_argument(
        "--normalize",
        action="store_true",
        help="divide the machine factor (the runs' calibrations, new/old) out of every "
        "latency ratio before gating; the intervals include its uncertainty (default: off, "
        "ratios as measured; the factor is reported either way)",
    )
    p.add_argument(
        "--allow-interrupted",
        action="store_true",
        help="let --fail-on gate a run cut short by Ctrl-C (partial results; default: refused)",
    )
    _add_format(p, ("table", "json"))
    p.set_defaults(func=run)


def parse_fail_on(text: str) -> dict[str, float]:
    """Parse ``"p99=+10%,score=-0.5pp"``; see :func:`prodbench.diff.parse_fail_on`.

    Examples
    --------
    >>> parse_fail_on("p99=+10%,score=-0.5pp")
    {'p99': 0.1, 'score': 0.005}
    """
    from ..diff import parse_fail_on as parse

    return parse(text)


def run(args: argparse.Namespace, state: _State) -> int:
    """``prodbench diff OLD.json NEW.json [--fail-on LIMITS] [--on-undecided fail|pass]``.

    Returns the exit code by the one rule of every command: 2 usage or input
    (no candidate in common, a bad limit), 3 a candidate measured in OLD
    failed in NEW, 1 a gate tripped or is undecided (unless ``--on-undecided
    pass``), else 0.

    Examples
    --------
    >>> from prodbench.cli import main
    >>> main(["diff", "old.json", "new.json", "--fail-on", "p99=+10%"])  # doctest: +SKIP
    0
    """
    from ..diff import diff_runs
    from ._kinds import load_for

    # An empty --fail-on (an unset CI variable) is refused, never read as no gate.
    limits = parse_fail_on(args.fail_on) if args.fail_on is not None else {}
    old = load_for("diff", args.old)  # another kind of file: what to run instead
    new = load_for("diff", args.new)
    if limits and not args.allow_interrupted:
        _refuse_interrupted({args.old: old, args.new: new})
    diff = diff_runs(old, new, limits, normalize=args.normalize)
    paths = {"old_path": args.old, "new_path": args.new} if args.format == "table" else {}
    _print(_render(diff, args.format, **paths))
    for warning in diff.warnings:
        sys.stderr.write(f"prodbench: warning: {_one_line(warning)}\n")
    for gate in diff.tripped:
        sys.stderr.write(f"prodbench: --fail-on tripped: {_one_line(gate.describe())}\n")
    undecided_fails = args.on_undecided == "fail"
    for gate in diff.undecided:
        what = "fails" if undecided_fails else "passes (--on-undecided pass)"
        sys.stderr.write(f"prodbench: --fail-on gate {what}: {_one_line(gate.describe())}\n")
    if diff.failed_new:
        sys.stderr.write(
            f"prodbench: candidate(s) failed in {args.new}: {', '.join(diff.failed_new)}\n"
        )
    return exit_code(
        failed=bool(diff.failed_new),
        budget_unmet=bool(diff.tripped) or (bool(diff.undecided) and undecided_fails),
    )


def _refuse_interrupted(runs: dict[str, Comparison]) -> None:
    """``--fail-on`` gates complete runs only: a partial one (Ctrl-C) is refused."""
    from ..errors import SpecError

    for path, cmp in runs.items():
        cut = [n for n in cmp.measured if cmp.results[n].interrupted]
        if cut:
            raise SpecError(
                f"{path} is an interrupted run (Ctrl-C cut {', '.join(cut)} short): its "
                "results are partial, so --fail-on does not gate it. Re-run it to the end, or "
                "pass --allow-interrupted to gate the partial figures."
            )
