"""The command line: ``python -m prodbench compare|show|report|diff|datasets``.

A thin front end over :func:`prodbench.compare` and the saved-results API.
Nothing heavy is imported at module level (no scikit-learn, pandas, numpy or
scipy), so ``python -m prodbench --help`` answers at once; each subcommand
imports what it needs.

One module per subcommand (memray's ``commands/``): each adds its parser
(``add_parser``) and runs (``run(args, state) -> int``); :data:`COMMANDS`
lists them in ``--help`` order. ``compare`` and ``sweep`` share their
measurement options (``_options``); every command shares the exit policy and
output helpers (``_common``).

Exit codes, one rule for every command: when several apply, 2 (usage or
input error) before 3 (a candidate failed) before 1 (no eligible candidate
passes the budget, or a ``diff`` gate tripped or is undecided) before 0. With
a budget, 0 needs a candidate that PASSES it (an undecided one is not
enough); 130 interrupted. :func:`exit_code` applies the rule.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import NoReturn

from .._version import __version__
from ..errors import ProdbenchError
from . import calibrate, catalog, compare, diff, measure, report, serving, show, sweep
from ._common import (
    EXIT_BUDGET,
    EXIT_CANDIDATE_FAILED,
    EXIT_CODES_HELP,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    SECURITY_HELP,
    _error,
    _Parser,
    _State,
    _UsageError,
)
from ._common import FORMATS as FORMATS  # the old import paths, prodbench.cli.NAME
from ._common import exit_code as exit_code
from ._options import (
    DEFAULT_BUDGET,
    DEFAULT_CANDIDATES,
    DEFAULT_DATA,
    DEFAULT_MAX_TIME,
)
from ._options import DEFAULT_MAX_FIT_TIME as DEFAULT_MAX_FIT_TIME
from ._options import DEFAULT_THREADS as DEFAULT_THREADS
from .compare import CANDIDATE_HELP as CANDIDATE_HELP
from .diff import parse_fail_on as parse_fail_on

__all__ = [
    "DEFAULT_BUDGET",
    "DEFAULT_CANDIDATES",
    "DEFAULT_DATA",
    "DEFAULT_MAX_TIME",
    "EXIT_BUDGET",
    "EXIT_CANDIDATE_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "build_parser",
    "main",
    "script",
]

COMMANDS = (compare, measure, show, report, diff, catalog, serving, sweep, calibrate)
"""The subcommand modules, in ``--help`` order; each has ``add_parser`` and ``run``."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``prodbench`` command.

    Examples
    --------
    >>> parser = build_parser()
    >>> parser.parse_args(["compare", "logreg", "knn", "--data", "iris"]).data
    'iris'
    """
    common = _Parser(add_help=False)
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show the full traceback of an error (default: one line on stderr)",
    )
    parser = _Parser(
        prog="prodbench",
        description=(
            "Measure scikit-learn models on both priorities: research (fit time,\n"
            "throughput, score) and production (single-request latency percentiles\n"
            "with intervals), and compare a lone model with an ensemble."
        ),
        epilog="examples:\n"
        "  prodbench compare                      # logreg vs ensemble on digits\n"
        "  prodbench compare logreg knn --data iris --output run.json\n"
        "  prodbench show run.json --format markdown\n"
        "  prodbench report run.json --output report.html   # a page to send\n"
        "  prodbench presets                      # what each preset is\n"
        "  prodbench compare --help               # every option, with examples\n\n"
        + EXIT_CODES_HELP
        + "\n"
        + SECURITY_HELP,
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"prodbench {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(sub, common)
    return parser


def main(argv: list[str] | None = None, *, _state: _State | None = None) -> int:
    """Run the ``prodbench`` command line and return its exit code.

    Parameters
    ----------
    argv : list of str, optional
        The arguments after the program name; default ``sys.argv[1:]``.

    Returns
    -------
    int
        0 done; 1 no candidate passes the budget, or ``diff --fail-on``
        tripped; 2 usage or input error; 3 a candidate failed while the
        others were measured; 130 interrupted.

    Examples
    --------
    >>> main(["--version"])  # doctest: +ELLIPSIS
    prodbench ...
    0
    """
    parser = build_parser()
    state = _State() if _state is None else _state
    args: argparse.Namespace | None = None
    try:
        try:
            args = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
        except SystemExit as exc:  # --help and --version
            code = exc.code
            return code if isinstance(code, int) else (0 if code is None else EXIT_USAGE)
        if args.command is None:
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        run: Callable[[argparse.Namespace, _State], int] = args.func
        return run(args, state)
    except _UsageError as exc:
        _error(str(exc))
        return EXIT_USAGE
    except ProdbenchError as exc:
        state.clear_progress()
        if args is not None and getattr(args, "debug", False):
            raise
        message = str(exc)
        if "=" in message:  # cli_words only rewrites "keyword=": skip the report import
            from ..report.cells import cli_words

            message = cli_words(message)
        _error(message)
        return exc.exit_code
    except KeyboardInterrupt:
        state.clear_progress()
        sys.stderr.write(f"prodbench: {state.interrupted()}\n")
        return EXIT_INTERRUPTED


def script() -> NoReturn:
    """The ``prodbench`` console script and ``python -m prodbench``: :func:`main`, then exit.

    Ends the process with :func:`main`'s exit code whatever the candidates'
    own code does on the way out: the candidates stay referenced until the
    end (a model whose ``__del__`` calls ``os._exit(9)`` never runs it), the
    output is flushed, the ``atexit`` handlers run, and the process ends with
    ``os._exit(code)`` (no interpreter teardown, where a model's non-daemon
    thread or finaliser could hang or change the code).

    Examples
    --------
    >>> script()  # doctest: +SKIP
    """
    import atexit
    import contextlib
    import os

    state = _State()
    code = main(_state=state)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed or broken stream: nothing to say
            stream.flush()
    atexit._run_exitfuncs()
    os._exit(code)
