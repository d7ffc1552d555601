"""``prodbench measure``: one candidate on both priorities, the command-line face of measure()."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from ._common import EXIT_CODES_POINTER, SECURITY_HELP, _State, to_stderr
from ._options import DEFAULT_DATA, Layout, _Option, add_measurement_options, measurement_kwargs
from .compare import _LAYOUT as _COMPARE_LAYOUT
from .compare import _report, _with_options, candidates_and_data

if TYPE_CHECKING:
    from ..results import ModelResult
    from ..verdict import Comparison

# compare's options that need two candidates or a comparison of variants.
_NOT_FOR_ONE = frozenset({"candidates", "--candidates", "--baseline", "--runtime", "--qps"})


def _flag(entry: str | _Option) -> str:
    return entry if isinstance(entry, str) else entry.flags[0]


_SPEC = _Option(
    ("candidates",),
    "the candidate: a preset, module:Class(...), a fitted FILE.joblib|.pkl, or "
    "NAME=any of them (see 'prodbench compare --help')",
    settings={"nargs": 1, "metavar": "SPEC"},
)

# compare's options in compare's order, less those for several candidates.
_LAYOUT: Layout = (
    (None, (_SPEC,)),
    *(
        (title, tuple(e for e in entries if _flag(e) not in _NOT_FOR_ONE))
        for title, entries in _COMPARE_LAYOUT
        if any(_flag(e) not in _NOT_FOR_ONE for e in entries)
    ),
)

EXAMPLES = f"""\
examples:
  prodbench measure logreg --data breast_cancer --budget p99=5ms
  prodbench measure model.joblib --data test.csv --target label --output a.json
  prodbench measure hgb --data train.csv --test-data test.csv --target label

--data defaults to {DEFAULT_DATA}. A fitted model file is scored on all of --data
(or on --test-data) and never refitted.
"""


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``measure`` to the ``prodbench`` subparsers.

    Examples
    --------
    >>> from prodbench.cli import build_parser
    >>> build_parser().parse_args(["measure", "logreg"]).candidates
    ['logreg']
    """
    p = sub.add_parser(
        "measure",
        help="measure one candidate on both priorities",
        description=(
            "Measure one candidate: fit time, throughput and the test score (research), "
            "one-row latency percentiles with intervals, cold start and size (production), "
            "with the options and outputs of compare."
        ),
        epilog=EXAMPLES + "\n" + EXIT_CODES_POINTER + "\n" + SECURITY_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    add_measurement_options(p, "compare", _LAYOUT)
    p.set_defaults(func=run, candidates_file=None, baseline=None, runtime=None, qps=None)


def run(args: argparse.Namespace, state: _State) -> int:
    """``prodbench measure``: measure one candidate and print its result.

    Returns the exit code: 0, 1 (it does not pass the budget) or 3 (it failed).

    Examples
    --------
    >>> from prodbench.cli import main
    >>> main(["measure", "logreg", "--data", "iris", "--max-time", "0.2",
    ...       "--quiet"])  # doctest: +SKIP
    0
    """
    options = measurement_kwargs(args)  # first: bad options fail before heavy imports
    named, fitted, (X, y, X_test, y_test, warnings) = candidates_and_data(args, state, minimum=1)
    (name, model), is_fitted = next(iter(named.items())), next(iter(fitted.values()))

    from ..progress import ProgressLine

    progress = None
    if not args.quiet and sys.stderr.isatty():
        progress = ProgressLine([name], options["max_time"], file=sys.stderr)
    state.progress = progress
    state.output = args.output

    import prodbench as pb

    from ..errors import ModelFailedError

    failures: dict[str, Exception] = {}
    result = None
    with to_stderr():
        try:
            result = pb.measure(
                model,
                X,
                y,
                X_test=X_test,
                y_test=y_test,
                fit=not is_fitted,
                name=name,
                test_size=options["test_size"],
                scoring=options["scoring"],
                method=options["method"],
                request_format=args.request_format,
                threads=options["threads"],
                max_time=options["max_time"],
                precision=args.precision,
                max_fit_time=options["max_fit_time"],
                batch_sizes=args.batch_sizes,
                random_state=options["random_state"],
                progress=progress if progress is not None else False,
                call_timeout=options["call_timeout"],
                isolate=options["isolate"],
            )
        except ModelFailedError as exc:  # the candidate's failure is its result: exit 3
            state.record_failure(name, exc)
            failures[name] = exc
    state.clear_progress()
    cmp = _as_comparison(name, result, failures, options, args)
    return _report(args, state, _with_options(cmp, args, warnings), None)


def _as_comparison(
    name: str,
    result: ModelResult | None,
    failures: dict[str, Exception],
    options: dict[str, Any],
    args: argparse.Namespace,
) -> Comparison:
    """One result as a one-candidate comparison: compare's renderings, budget and file."""
    from ..verdict import Comparison

    own = ("fit", "test_rows", "latency_budget_s", "throughput_not_measured")
    run_options = {} if result is None else {
        k: v for k, v in result.options.items() if k not in own
    }  # fmt: skip
    return Comparison.build(
        names=[name],
        results={} if result is None else {name: result},
        failures=failures,
        baseline=name,
        budget=options["budget"],
        options={
            **run_options,
            "test_size": args.test_size,
            "runtimes": ["sklearn"],
            "command": "measure",
        },
        price_per_core_hour=options["price_per_core_hour"],
    )
