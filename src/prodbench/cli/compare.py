"""``prodbench compare``: measure candidates on the same rows and print the comparison."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import SpecError
from ._common import (
    EXIT_CODES_POINTER,
    EXIT_USAGE,
    SECURITY_HELP,
    _error,
    _one_line,
    _print,
    _render,
    _report_save_errors,
    _save,
    _State,
    check_qps,
    comparison_exit,
    same_terminal,
    save_figure,
    to_stderr,
)
from ._options import (
    DEFAULT_BUDGET,
    DEFAULT_CANDIDATES,
    DEFAULT_DATA,
    DEFAULT_MAX_FIT_TIME,
    DEFAULT_MAX_TIME,
    Layout,
    _option,
    add_measurement_options,
    candidate_kwargs,
    measurement_kwargs,
    read_candidates,
)

if TYPE_CHECKING:
    from ..results import ModelResult
    from ..verdict import Budget, Comparison

CANDIDATE_HELP = f"""\
candidates (two or more; none runs the default comparison):
  PRESET                  logreg, ridge, forest, hgb, knn, ensemble (soft vote
                          of logreg + forest), stacking; the regressor
                          counterpart is chosen when the target is continuous
                          (ridge is the linear one; logreg there is its alias);
                          `prodbench presets` says what each one is
  module:Class            e.g. sklearn.linear_model:Ridge
  module:Class(k=v, ...)  e.g. 'sklearn.ensemble:RandomForestClassifier(n_estimators=200)';
                          values are Python literals only (never eval'd)
  FILE.joblib|.pkl        a fitted model, measured without refitting
  NAME=ANY_OF_THE_ABOVE   names the candidate, e.g. lone=logreg

default run (no candidates): {" vs ".join(DEFAULT_CANDIDATES)} on {DEFAULT_DATA},
--max-time {DEFAULT_MAX_TIME:g}, --max-fit-time {DEFAULT_MAX_FIT_TIME:g}, --budget \
{DEFAULT_BUDGET}
(each overridable). With candidates, --data defaults to the same data set.

examples:
  prodbench compare
  prodbench compare lone=logreg ensemble --data breast_cancer --budget p99=5ms
  prodbench compare logreg knn --data data.csv --target label --output run.json
  prodbench compare model.joblib logreg --data train.csv --test-data test.csv \\
      --target label
  prodbench compare logreg forest --scoring r2 --batch-sizes 1,100 --max-time 2
"""


def _batch_sizes_arg(text: str) -> tuple[int, ...]:
    """``"1,10,100"`` -> ``(1, 10, 100)``; anything else is an argparse error."""
    try:
        sizes = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a list of positive whole numbers; write e.g. 1,10,100,1000"
        )
    return sizes


# compare's own options, in its help order among the shared ones (see _options).
_LAYOUT: Layout = (
    (None, ("candidates", "--candidates")),
    (
        "data",
        (
            "--data",
            "--target",
            _option(
                "--test-data",
                metavar="FILE",
                help="held-out rows (.csv/.parquet, same columns as --data) to score and time "
                "on; a fitted model file is scored only on rows named held-out: this file, or "
                "all of --data when every candidate is a fitted file (default: a random "
                "--test-size split of --data)",
            ),
            "--rows",
            "--features",
            "--test-size",
            "--seed",
        ),
    ),
    (
        "measurement",
        (
            "--baseline",
            "--budget",
            "--max-time",
            "--max-fit-time",
            "--threads",
            "--method",
            "--scoring",
            _option(
                "--precision",
                type=float,
                default=0.05,
                metavar="FRACTION",
                help="latency sampling may stop early once the p50/p90/p99 intervals are "
                "within this relative half-width (default: 0.05)",
            ),
            _option(
                "--request-format",
                choices=("auto", "numpy", "pandas"),
                default="auto",
                help="the type of each one-row request: 'auto' sends the type the model was "
                "fitted on (presets are fitted on numpy arrays; a fitted model file with column "
                "names, feature_names_in_, gets DataFrames); 'pandas' fits and times every "
                "candidate on DataFrames (default: auto)",
            ),
            _option(
                "--batch-sizes",
                type=_batch_sizes_arg,
                default=(1, 10, 100, 1000),
                metavar="N,N,...",
                help="bulk predict batch sizes; the whole test set is added, larger ones "
                "skipped (default: 1,10,100,1000)",
            ),
            "--no-isolate",
            "--no-calibrate",
            _option(
                "--latency-reference",
                metavar="FILE.json",
                help="a latency reference (`prodbench calibrate --output FILE` on the machine "
                "where the budget was set): every --budget latency limit is scaled by this "
                "machine's calibration over the reference's (default: "
                "$PRODBENCH_LATENCY_REFERENCE, else none)",
            ),
            "--call-timeout",
            "--price-per-core-hour",
            "--runtime",
            _option(
                "--qps",
                type=float,
                metavar="RATE",
                help="target requests per second: adds the capacity section (workers needed, "
                "p99 and cost at that load, simulated from the measured latencies; needs a "
                "percentile budget) (default: none)",
            ),
            _option(
                "--host-memory",
                metavar="SIZE",
                help="with --qps: memory of one host, e.g. 16GB; the capacity section adds "
                "workers per host and hosts needed (default: not computed)",
            ),
        ),
    ),
    (
        "output",
        (
            "--format",
            "--output",
            "--plot",
            "--quiet",
            _option(
                "--log",
                metavar="FILE",
                help="keep every line the candidates print (their stdout and stderr, native "
                "logging too), each prefixed with its candidate; the terminal shows a few "
                "lines and a count (default: kept in memory for the run)",
            ),
        ),
    ),
)


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``compare`` to the ``prodbench`` subparsers."""
    p = sub.add_parser(
        "compare",
        help="measure and compare candidates on the same rows",
        description=(
            "Measure two or more candidates on the same train/test split and the same "
            "request rows, and print the comparison, the verdict and the picks."
        ),
        epilog=CANDIDATE_HELP + "\n" + EXIT_CODES_POINTER + "\n" + SECURITY_HELP,
        parents=[common],
    )
    add_measurement_options(p, "compare", _LAYOUT)
    p.set_defaults(func=run)


def run(args: argparse.Namespace, state: _State) -> int:
    """``prodbench compare``: measure candidates and print the comparison.

    Returns the exit code: 0, 1 (no candidate passes the budget) or 3 (a
    candidate failed).

    Examples
    --------
    >>> from prodbench.cli import main
    >>> main(["compare", "logreg", "knn", "--data", "iris", "--max-time", "0.2",
    ...       "--quiet", "--format", "markdown"])  # doctest: +SKIP
    0
    """
    options = measurement_kwargs(args)  # first: bad options fail before heavy imports
    reference = _latency_reference(args, options)
    if args.qps is not None:
        from ..serving import percentile_limits

        check_qps(args.qps)
        percentile_limits(options["budget"])  # --qps needs a percentile budget: say so now
    if args.host_memory is not None:
        from ._common import host_memory_arg

        host_memory_arg(args.host_memory, needs_qps=args.qps is None)

    named, fitted, (X, y, X_test, y_test, warnings) = candidates_and_data(args, state)
    options.update(candidate_kwargs(args, named, fitted))

    from ..progress import ProgressLine
    from ._output import contained

    on_tty = sys.stderr.isatty()
    state.output = args.output
    on_result = _saver(args.output, list(named), options["baseline"], options["budget"], state)
    log = None
    try:
        with contained() as log:  # candidates' output to the log; prodbench's to log.terminal
            progress = None
            if not args.quiet and on_tty:
                progress = ProgressLine(list(named), options["max_time"], file=log.terminal)
            state.progress = progress
            try:
                cmp, callback_error = _measure(
                    args, (named, X, y, X_test, y_test), progress, on_result, state, options
                )
            finally:  # the line is blanked while its stream is open (Ctrl-C included)
                state.clear_progress()
                state.progress = None
    finally:  # also when interrupted: the summary, then prodbench's own last line
        if log is not None:
            _candidate_output(log, args.log)
    if reference is not None:
        cmp = _scaled_budget(cmp, reference)
    return _report(args, state, _with_options(cmp, args, warnings), callback_error)


def _candidate_output(log: Any, path: str | None) -> None:
    """A few lines and a count per candidate that printed; every line to ``--log``."""
    try:
        if path is not None:
            log.write(path)
        for line in log.summary(path):
            sys.stderr.write(line + "\n")
    finally:
        log.close()


def _measure(
    args: argparse.Namespace,
    data: tuple[Any, Any, Any, Any, Any],
    progress: Any,
    on_result: Any,
    state: _State,
    options: dict[str, Any],
) -> tuple[Comparison, Any]:
    """The one :func:`prodbench.compare` call; a raising callback keeps the results."""
    import prodbench as pb

    from ..errors import CallbackError

    # The same protocol as the library: the thread policy is applied per
    # phase by compare(), never to the whole run here.
    named, X, y, X_test, y_test = data
    callback_error: CallbackError | None = None
    with to_stderr():
        try:
            cmp = pb.compare(
                named,
                X,
                y,
                X_test=X_test,
                y_test=y_test,
                precision=args.precision,
                request_format=args.request_format,
                batch_sizes=args.batch_sizes,
                progress=progress if progress is not None else False,
                on_result=on_result,
                on_failure=state.record_failure,
                **options,
            )
        except CallbackError as exc:  # every candidate was measured: keep the results
            callback_error, cmp = exc, exc.comparison
    state.clear_progress()
    return cmp, callback_error


def _latency_reference(args: argparse.Namespace, options: dict[str, Any]) -> Any:
    """The latency reference to scale ``--budget`` by (flag, else environment), read now."""
    from ..calibration import REFERENCE_ENV, resolve_reference

    path = args.latency_reference or os.environ.get(REFERENCE_ENV) or None
    if path is None or options["budget"] is None:
        return None
    if not options["calibrate"]:
        raise SpecError(
            f"--latency-reference (or {REFERENCE_ENV}) scales the budget by this run's "
            "calibration, which --no-calibrate turns off. Drop one of the two."
        )
    return resolve_reference(path)


def _scaled_budget(cmp: Comparison, reference: Any) -> Comparison:
    """The comparison with every latency limit scaled by the machine factor, and why."""
    import dataclasses

    from ..calibration import scale_for_run

    measured = next(iter(cmp.results.values()), None)
    if measured is None or cmp.budget is None:
        return cmp
    scale = scale_for_run(measured.environment, reference)
    note = scale.describe()
    return dataclasses.replace(
        cmp,
        budget=cmp.budget.scaled(scale.scale),
        options={
            **cmp.options,
            "budget_scale": scale.scale,
            "warnings": [*cmp.options.get("warnings", []), note],
        },
    )


def candidates_and_data(
    args: argparse.Namespace, state: _State, minimum: int = 2
) -> tuple[dict[str, Any], dict[str, bool], tuple[Any, Any, Any, Any, list[str]]]:
    """The command line's candidates and data: ``named``, ``fitted``, (X, y, X_test, y_test,
    warnings), shared by ``compare`` and ``measure`` (``minimum`` candidates)."""
    from ..data import load_dataset

    dataset = load_dataset(
        args.data or DEFAULT_DATA,
        target=args.target,
        rows=args.rows,
        features=args.features,
        random_state=args.seed,
    )
    held_out = (
        None
        if args.test_data is None
        else load_dataset(args.test_data, target=args.target, random_state=args.seed)
    )
    with to_stderr():
        named, fitted = read_candidates(
            args, dataset.task, tabular=_is_table(dataset.X), minimum=minimum
        )
        state.keep.append(named)
    dataset, held_out = _by_name(args, dataset, held_out, named, fitted)
    return named, fitted, _held_out(args, dataset, held_out, fitted)


def _with_options(cmp: Comparison, args: argparse.Namespace, warnings: list[str]) -> Comparison:
    """The comparison with the command line's warnings and ``--qps`` in its options."""
    import dataclasses

    if warnings:  # shown under the table in every format, and kept in --output
        cmp = dataclasses.replace(
            cmp, options={**cmp.options, "warnings": [*cmp.options.get("warnings", []), *warnings]}
        )
    if args.qps is not None:  # the capacity section and the stakeholders at the target rate
        cmp = dataclasses.replace(cmp, options={**cmp.options, "qps": args.qps})
    if args.host_memory is not None:  # the capacity section's hosts
        from ._common import host_memory_arg

        size = host_memory_arg(args.host_memory)
        cmp = dataclasses.replace(cmp, options={**cmp.options, "host_memory": size})
    return cmp


def _failure_lines(cmp: Comparison, *, brief: bool) -> None:
    """One stderr line per failed candidate: its whole message, or its name (``brief``)."""
    for name, failure in cmp.failures.items():
        what = "runtime variant not compiled" if failure.phase == "compile" else "candidate failed"
        text = f"{name} (see Failures above)" if brief else _one_line(failure.message)
        sys.stderr.write(f"prodbench: {what}: {text}\n")


def _report(
    args: argparse.Namespace, state: _State, cmp: Comparison, callback_error: Exception | None
) -> int:
    """Save, print and plot a finished comparison; its exit code."""
    if args.output:
        from ..report import to_json_dict
        from ..results import write_json_atomic

        if _save(
            "results", args.output, lambda: write_json_atomic(args.output, to_json_dict(cmp)), state
        ):
            state.saved = args.output
    # A failure is shown once: on a terminal the report's Failures section has it in
    # full and stderr names it after the report; elsewhere stderr carries it whole.
    shown = same_terminal() and args.format == "table"
    if not shown:
        _failure_lines(cmp, brief=False)
    from ..noise import run_warnings  # the machine's noise: on stderr too (unless --quiet)

    # the report's notes have them on a terminal; stderr carries them for files and pipes
    quiet = args.quiet or shown
    for warning in [] if quiet else run_warnings({n: cmp.results[n] for n in cmp.measured}):
        sys.stderr.write(f"prodbench: warning: {_one_line(warning)}\n")
    _print(_render(cmp, args.format))
    if shown:
        _failure_lines(cmp, brief=True)
    if args.plot:
        _save("figure", args.plot, lambda: save_figure(cmp, args.plot), state)
    if callback_error is not None:
        _error(str(callback_error))
    code = _report_save_errors(state)
    if code is not None or callback_error is not None:
        return code or EXIT_USAGE
    return comparison_exit(cmp)


def _is_table(X: Any) -> bool:
    """Text, categorical or missing values: the frame is kept and presets get their front."""
    from ..tabular import needs_front

    return needs_front(X)


def _as_arrays(X: Any, request_format: str) -> Any:
    """Numbers-only DataFrames become float arrays unless DataFrames were asked for.

    Presets are then fitted and timed on numpy arrays (one-row DataFrames cost
    several times a model's own predict); a table with text, categorical or
    missing values keeps the frame (presets get their preprocessing front).
    """
    if request_format == "pandas" or not hasattr(X, "select_dtypes"):
        return X
    if _is_table(X):
        return X
    return X.to_numpy(dtype=float)


def _by_name(
    args: argparse.Namespace, dataset: Any, held_out: Any, named: dict[str, Any],
    fitted: dict[str, bool],
) -> tuple[Any, Any]:  # fmt: skip
    """``--data`` and ``--test-data`` with their columns matched by name, before measuring.

    ``--test-data`` gets ``--data``'s column order; when the tables become
    arrays (every format but ``--request-format pandas``), both get the order
    of the fitted files' ``feature_names_in_``. Missing or extra columns, or
    fitted files whose orders differ, are a :class:`DataError` (exit 2).
    """
    import dataclasses

    from ..data import match_columns
    from ..errors import DataError

    columns = getattr(dataset.X, "columns", None)
    if columns is None:  # synthetic data: no names to match
        return dataset, held_out
    data_name = f"--data {args.data or DEFAULT_DATA!r}"
    if held_out is not None and getattr(held_out.X, "columns", None) is not None:
        matched = match_columns(held_out.X, columns, f"--test-data {args.test_data!r}", data_name)
        held_out = dataclasses.replace(held_out, X=matched)
    orders = {
        name: tuple(str(n) for n in model.feature_names_in_)
        for name, model in named.items()
        if fitted.get(name) and getattr(model, "feature_names_in_", None) is not None
    }
    for name, order in orders.items():
        match_columns(dataset.X, order, data_name, f"{name!r} (its feature_names_in_)")
    if not orders or args.request_format == "pandas":
        return dataset, held_out  # DataFrames reach each model in its own order
    if len(set(orders.values())) > 1:
        raise DataError(
            f"The fitted files {', '.join(map(repr, orders))} were fitted on the same columns "
            "in different orders, and the rows are sent as arrays. Pass --request-format "
            "pandas (each gets its columns by name), or compare them in separate runs."
        )
    wanted = list(next(iter(orders.values())))
    dataset = dataclasses.replace(dataset, X=dataset.X[wanted])
    if held_out is not None and getattr(held_out.X, "columns", None) is not None:
        held_out = dataclasses.replace(held_out, X=held_out.X[wanted])
    return dataset, held_out


def _held_out(
    args: argparse.Namespace, dataset: Any, held_out: Any, fitted: dict[str, bool]
) -> tuple[Any, Any, Any, Any, list[str]]:
    """X, y, X_test, y_test for compare, and warnings about rows a model may have seen.

    A fitted model file is scored only on rows named held-out: ``--test-data``,
    or all of ``--data`` when every candidate is a fitted file. Fitted files
    next to candidates prodbench fits, on a random split of ``--data``, are
    measured but warned about: the file may have been trained on the test rows.
    """
    X = _as_arrays(dataset.X, args.request_format)
    y = dataset.y
    files = [n for n, f in fitted.items() if f]
    if held_out is not None:
        return X, y, _as_arrays(held_out.X, args.request_format), held_out.y, []
    if files and len(files) == len(fitted):
        return X, y, X, y, []  # all pre-fitted: all of --data is the held-out set
    warnings = []
    if files:
        warnings.append(
            f"{', '.join(files)} {'was' if len(files) == 1 else 'were'} fitted before this "
            "run and scored on a random split of --data, rows it may have been trained on "
            "(its score may be optimistic). Pass rows it never saw with --test-data FILE."
        )
    return X, y, None, None, warnings


def _saver(
    output: str | None,
    names: list[str],
    baseline: str,
    budget: Budget | None,
    state: _State,
) -> Callable[[str, ModelResult], None] | None:
    """An ``on_result`` callback that saves what is finished so far, atomically."""
    if not output:
        return None
    from ..results import write_json_atomic
    from ..verdict import Comparison

    done: dict[str, ModelResult] = {}

    def on_result(name: str, result: ModelResult) -> None:
        done[name] = result
        cut = [n for n, r in done.items() if r.options.get("interrupted")]  # Ctrl-C's partials
        partial = Comparison.build(
            names=names + [n for n in done if n not in names],  # with NAME@RUNTIME variants
            results=done,
            failures={n: e for n, e in state.failures.items() if n not in done},
            baseline=baseline,
            budget=budget,
            options={
                "partial": True,
                "finished": [n for n in done if n not in cut],
                **({"interrupted": cut} if cut else {}),
            },
        )
        if _save(
            "partial results", output, lambda: write_json_atomic(output, partial.to_dict()), state
        ):
            state.saved = output
            state.finished = [n for n in names if n in done]
            state.cut = [n for n in state.finished if n in cut]

    return on_result
