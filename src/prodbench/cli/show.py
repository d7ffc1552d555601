"""``prodbench show``: render any results file prodbench wrote (the kinds of ``_kinds``)."""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import SpecError
from ._common import (
    EXIT_CODES_POINTER,
    _add_format,
    _print,
    _render,
    _report_save_errors,
    _save,
    _State,
    check_output_paths,
    save_figure,
)
from ._kinds import SAVED_KINDS, read_saved
from ._options import MEASUREMENT_OPTIONS


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``show`` to the ``prodbench`` subparsers."""
    p = sub.add_parser(
        "show",
        help="render saved results",
        description=(
            "Render a results file: a comparison, sweep, capacity or load test (what "
            "--output wrote), or one model's result. Exits by the rule of the command "
            "that wrote it."
        ),
        epilog="example:\n  prodbench show results.json --format markdown\n\n" + EXIT_CODES_POINTER,
        parents=[common],
    )
    p.add_argument("results", metavar="RESULTS.json", help="a file a prodbench --output wrote")
    _add_format(p)
    MEASUREMENT_OPTIONS["--plot"].add_to(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace, state: _State) -> int:
    """``prodbench show RESULTS.json``: render any results file prodbench wrote.

    A comparison, a sweep, a load test, a capacity or one model's result, in
    every ``--format``. Exits by the rule of the command that wrote the file
    (a comparison: 3 a candidate failed, 1 no candidate passes the budget,
    else 0; a sweep by the rule of ``sweep``; a load test 1 when it could not
    keep up; a capacity or one result 0).

    Examples
    --------
    >>> from prodbench.cli import main
    >>> main(["show", "results.json", "--format", "markdown"])  # doctest: +SKIP
    0
    """
    check_output_paths(args, ("--plot",), [("the results file", args.results)])
    kind, data = read_saved(args.results)  # read once; its "kind" says what it holds
    from .._checkfile import is_checks_file

    if is_checks_file(data):  # pytest --latency-json: the checks, listed
        return _show_checks(data, args)
    saved = SAVED_KINDS[kind]
    if args.plot and not saved.plot:
        raise SpecError(
            f"--plot: {args.results!r} is {saved.what}, which has no figure; show --plot draws "
            "a comparison, a sweep or one model's result. Drop --plot."
        )
    result = saved.load(data)
    _print(_render(result, args.format))
    if args.plot:
        _save("figure", args.plot, lambda: save_figure(result, args.plot), state)
    return _report_save_errors(state) or saved.exit(result)


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
