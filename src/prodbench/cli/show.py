"""``prodbench show``: render a saved comparison or sweep."""

from __future__ import annotations

import argparse
from typing import Any

from ._common import (
    EXIT_CODES_HELP,
    _add_format,
    _print,
    _render,
    _report_save_errors,
    _save,
    _State,
    check_output_paths,
    comparison_exit,
    save_figure,
    sweep_exit,
)
from ._options import MEASUREMENT_OPTIONS


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``show`` to the ``prodbench`` subparsers."""
    p = sub.add_parser(
        "show",
        help="render saved results",
        description=(
            "Render a results file written by compare --output. Exits by the same rule "
            "as compare, on the saved run."
        ),
        epilog="example:\n  prodbench show results.json --format markdown\n\n" + EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    p.add_argument("results", metavar="RESULTS.json")
    _add_format(p)
    MEASUREMENT_OPTIONS["--plot"].add_to(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace, state: _State) -> int:
    """``prodbench show RESULTS.json``: render saved results.

    Exits by the same rule as ``compare`` on the saved run (3 a candidate
    failed, 1 no candidate passes the budget, else 0); a saved sweep by the
    rule of ``sweep``.

    Examples
    --------
    >>> from prodbench.cli import main
    >>> main(["show", "results.json", "--format", "markdown"])  # doctest: +SKIP
    0
    """
    from ..results import load_json
    from ..verdict import Comparison

    check_output_paths(args, ("--plot",), [("the results file", args.results)])
    data = load_json(args.results)  # read once; its "kind" says what it holds
    if isinstance(data, dict) and data.get("kind") == "Sweep":
        return _show_sweep(data, args, state)
    from .._checkfile import is_checks_file

    if is_checks_file(data):  # pytest --latency-json: the checks, listed
        return _show_checks(data, args)
    cmp = Comparison.from_dict(data)
    _print(_render(cmp, args.format))
    if args.plot:
        _save("figure", args.plot, lambda: save_figure(cmp, args.plot), state)
    return _report_save_errors(state) or comparison_exit(cmp)


def _show_sweep(data: Any, args: argparse.Namespace, state: _State) -> int:
    from ..sweep_results import Sweep

    sw = Sweep.from_dict(data)
    _print(_render(sw, args.format))
    if args.plot:
        _save("figure", args.plot, lambda: save_figure(sw, args.plot), state)
    # The same rule as the sweep that wrote the file (and as show of a comparison).
    return _report_save_errors(state) or sweep_exit(sw)


def _show_checks(data: Any, args: argparse.Namespace) -> int:
    """A ``--latency-json`` file: its checks as lines (table) or its JSON; 1 if one failed."""
    import json

    from .._checkfile import checks_table
    from ..errors import SpecError
    from ..verdict import Comparison

    if args.format not in ("table", "json"):
        raise SpecError(
            f"A file of latency checks (pytest --latency-json) renders as --format table or "
            f"json, not {args.format}. Compare two of them with prodbench diff OLD.json NEW.json."
        )
    cmp = Comparison.from_dict(data)
    _print(json.dumps(data, indent=2) if args.format == "json" else "\n".join(checks_table(cmp)))
    outcomes = [r.options.get("latency_check", {}).get("outcome") for r in cmp.results.values()]
    return 1 if "fail" in outcomes or "inconclusive" in outcomes else 0
