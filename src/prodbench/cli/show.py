"""``prodbench show``: render a saved comparison or sweep."""

from __future__ import annotations

import argparse
from typing import Any

from ._common import (
    EXIT_CODES_POINTER,
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
        epilog="example:\n  prodbench show results.json --format markdown\n\n" + EXIT_CODES_POINTER,
        parents=[common],
    )
    p.add_argument(
        "results", metavar="RESULTS.json", help="a results file written by prodbench (--output)"
    )
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
