"""``prodbench report``: a saved comparison or sweep as one self-contained HTML page."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from ._common import (
    EXIT_CODES_POINTER,
    _check_writable,
    _one_line,
    _report_save_errors,
    _save,
    _State,
    check_output_suffix,
    comparison_exit,
    sweep_exit,
)

REPORT_DESCRIPTION = """\
Write a results file of compare --output or sweep --output as one HTML page
for the people who decide: the decision in plain words for each stakeholder
first, then the research and production tables with their intervals, the
budget, capacity and runtimes when present, the plots, the warnings and the
environment. The file is self-contained (no script, font or image to fetch;
the plots are inlined as SVG, which needs matplotlib: without it the page says
so), reads on a phone and prints. Exits by the same rule as show, on the
saved run."""

REPORT_EPILOG = (
    "examples:\n"
    "  prodbench compare --output run.json\n"
    "  prodbench report run.json --output report.html\n"
    "  prodbench report run.json                 # writes run.html beside it\n"
    "  prodbench report sweep.json --output sweep.html\n\n" + EXIT_CODES_POINTER
)


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``report`` to the ``prodbench`` subparsers."""
    p = sub.add_parser(
        "report",
        help="write a saved run as a self-contained HTML page",
        description=REPORT_DESCRIPTION,
        epilog=REPORT_EPILOG,
        parents=[common],
    )
    p.add_argument(
        "results",
        metavar="RESULTS.json",
        help="a file written by compare --output or sweep --output",
    )
    p.add_argument(
        "--output",
        metavar="FILE.html",
        help="the page to write, replaced atomically (default: RESULTS with .html, "
        "run.json -> run.html)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace, state: _State) -> int:
    """``prodbench report RESULTS.json [--output FILE.html]``.

    The output path is checked before anything is read; the page is written
    atomically. Exits by the rule of ``show`` on the saved run: 2 usage or
    input (a bad path, a file that is not a saved comparison or sweep), 3 a
    candidate failed, 1 no candidate passes the budget, else 0. A missing
    matplotlib is a warning on stderr, not an error.

    Examples
    --------
    >>> from prodbench.cli import main
    >>> main(["report", "run.json", "--output", "report.html"])  # doctest: +SKIP
    0
    """
    import warnings

    from .. import report
    from ..errors import SchemaError, SpecError
    from ..results import load_json
    from ..sweep_results import Sweep
    from ..verdict import Comparison

    if args.output is None:
        args.output = str(Path(args.results).with_suffix(".html"))
    if Path(args.output).resolve() == Path(args.results).resolve():
        raise SpecError(
            f"--output {args.output!r} is the results file itself; name another file, "
            "e.g. --output report.html."
        )
    check_output_suffix(args.output, "--output", (".html", ".htm"))
    _check_writable(args.output, "--output")
    data = load_json(args.results)
    kind = data.get("kind") if isinstance(data, dict) else None
    if isinstance(kind, str) and kind not in ("Comparison", "Sweep"):
        raise SchemaError(
            f"{args.results!r} holds a prodbench {kind}, not a comparison or a sweep: report "
            "renders the file that compare --output or sweep --output wrote. Pass one of those."
        )
    result: Any = Sweep.from_dict(data) if kind == "Sweep" else Comparison.from_dict(data)
    if "matplotlib" not in sys.modules:  # draw off-screen, as --plot does
        os.environ.setdefault("MPLBACKEND", "Agg")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")

        def write() -> None:
            report.write_page(result, args.output)

        saved = _save("report", args.output, write, state)
    for warning in caught:
        sys.stderr.write(f"prodbench: warning: {_one_line(str(warning.message))}\n")
    if saved:
        sys.stderr.write(f"prodbench: wrote {args.output}\n")
    exit_rule = sweep_exit if isinstance(result, Sweep) else comparison_exit
    return _report_save_errors(state) or exit_rule(result)
