"""``prodbench sweep``: one comparison per dataset, here or on a Dask cluster."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from ..errors import SpecError
from ._common import (
    EXIT_CODES_POINTER,
    SECURITY_HELP,
    _one_line,
    _print,
    _render,
    _report_save_errors,
    _save,
    _State,
    save_figure,
    sweep_exit,
    to_stderr,
)
from ._options import (
    SWEEP_DATA_DEFAULT,
    Layout,
    _option,
    add_measurement_options,
    candidate_kwargs,
    load_candidate_files,
    measurement_kwargs,
    read_candidates,
)

SWEEP_HELP = """\
where cases run:
  (no --scheduler)        one case after another, in this process
  --scheduler local:N     a LocalCluster of N single-threaded worker processes
                          on this machine (they share its cores: under the host
                          lock its cases still run one after another)
  --scheduler tcp://H:P   an existing Dask scheduler; every worker needs this
                          prodbench and the candidates' packages installed

One case is one whole comparison on one dataset, measured on one worker. By
default at most one case measures per host at a time (a leased Dask lock per
host, freed within about a minute if its worker dies); --shared-hosts lifts it.
A case whose worker is lost is retried once, then recorded as failed. With
--output the sweep is saved after every case; --resume FILE skips the cases
already finished in FILE.

what the exit codes mean for a sweep, over all cases:
  2    usage or input error
  3    a case, or a candidate in a case, failed
  1    a case has no production pick (no candidate PASSES the budget)
  0    done; with a budget, every case has a production pick
  130  interrupted (Ctrl-C); with --output, finished cases are kept
"""

# sweep's own options, in its help order among the shared ones (see _options).
_LAYOUT: Layout = (
    (None, ("candidates", "--candidates")),
    ("data", ("--data", "--target", "--rows", "--features", "--test-size", "--seed")),
    (
        "measurement (every case)",
        (
            "--baseline",
            "--budget",
            "--max-time",
            "--max-fit-time",
            "--threads",
            "--runtime",
            "--no-isolate",
            "--no-calibrate",
            "--call-timeout",
            "--method",
            "--scoring",
            "--price-per-core-hour",
        ),
    ),
    (
        "where cases run",
        (
            _option(
                "--scheduler",
                metavar="ADDRESS",
                help="tcp://host:8786 (a Dask scheduler) or local:N (N local worker processes, at "
                "most 4 per core unless PRODBENCH_MAX_LOCAL_WORKERS says more); "
                "default: one case after another here",
            ),
            _option(
                "--shared-hosts",
                action="store_true",
                help="let several cases measure at once on one host (off by default)",
            ),
        ),
    ),
    (
        "output",
        (
            "--format",
            "--output",
            _option(
                "--resume",
                metavar="FILE.json",
                help="skip the cases finished in FILE (default: run all)",
            ),
            "--plot",
            "--quiet",
        ),
    ),
)


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``sweep`` to the ``prodbench`` subparsers."""
    p = sub.add_parser(
        "sweep",
        help="compare candidates on several datasets, here or on a Dask cluster",
        description=(
            "Run one whole comparison (a case) per --data, one after another here or on "
            "a Dask cluster, and print one table of research and production picks."
        ),
        epilog=(
            "example:\n  prodbench sweep logreg ensemble --data digits --data wine "
            "--data breast_cancer --budget p99=5ms --scheduler local:2 --output sweep.json\n\n"
            + SWEEP_HELP
            + "\n"
            + EXIT_CODES_POINTER
            + "\n"
            + SECURITY_HELP
        ),
        parents=[common],
    )
    add_measurement_options(p, "sweep", _LAYOUT)
    p.set_defaults(func=run)


def _sweep_data(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, str]]:
    """``{spec: (X, y)}`` and ``{spec: task}`` for the --data options."""
    from ..data import load_dataset

    data: dict[str, Any] = {}
    tasks: dict[str, str] = {}
    for spec in args.data or SWEEP_DATA_DEFAULT:
        if spec in data:
            raise SpecError(f"--data {spec} is given twice. Give each dataset once.")
        is_file = spec.lower().endswith((".csv", ".parquet"))
        ds = load_dataset(
            spec,
            target=args.target if is_file else None,
            rows=args.rows,
            features=args.features if spec.strip().startswith("synthetic") else None,
            random_state=args.seed,
        )
        data[spec] = (ds.X, ds.y)
        tasks[spec] = ds.task
    return data, tasks


def run(args: argparse.Namespace, state: _State) -> int:
    """``prodbench sweep``: one comparison per --data, here or on a Dask cluster.

    Returns the exit code over all cases: 3 if a case (or a candidate in
    one) failed, 1 if a case has no production pick under the budget, else 0.

    Examples
    --------
    >>> from prodbench.cli import main
    >>> main(["sweep", "logreg", "knn", "--data", "iris", "--data", "wine",
    ...       "--max-time", "0.2", "--quiet"])  # doctest: +SKIP
    0
    """
    options = measurement_kwargs(args)  # bad options fail before anything is loaded
    data, tasks = _sweep_data(args)
    files = load_candidate_files(args)  # each file runs once, for every case

    def candidates(case: str) -> dict[str, Any]:
        return read_candidates(args, tasks[case], files)[0]

    # Parse errors surface before anything runs.
    first, fitted = read_candidates(args, tasks[next(iter(data))], files)
    options.update(candidate_kwargs(args, first, fitted))

    import prodbench as pb

    from ..sweeps import SweepInterrupted

    shown: set[str] = set()
    try:
        with _own_warnings(shown), to_stderr():  # what candidates print, fd 1 included
            sw = pb.sweep(
                data,
                candidates,
                client=args.scheduler or None,
                exclusive_hosts=not args.shared_hosts,
                output=args.output,
                resume=args.resume,
                progress=_case_progress(args, state),
                **options,
            )
    except SweepInterrupted as exc:
        if args.output and exc.sweep.comparisons:
            state.saved = args.output
            state.unit, state.finished = "cases", list(exc.sweep.comparisons)
        raise
    for text in sw.warnings:
        if _one_line(text) not in shown:
            sys.stderr.write(f"prodbench: warning: {_one_line(text)}\n")
    for case, failure in sw.failures.items():
        sys.stderr.write(f"prodbench: case {case} failed: {_one_line(failure.reason)}\n")
    if args.output:  # saved after every case; again here, so a failed save is reported
        _save("sweep", args.output, lambda: sw.to_json(args.output), state)
    _print(_render(sw, args.format))
    if args.plot:
        _save("figure", args.plot, lambda: save_figure(sw, args.plot), state)
    return _report_save_errors(state) or sweep_exit(sw)


def _case_progress(args: argparse.Namespace, state: _State) -> Callable[[Any], None]:
    """The sweep's progress: one stderr line per case event (started, done, failed, ...)."""

    def progress(event: Any) -> None:
        if args.quiet or event.candidate:
            return
        if event.phase in ("started", "done", "failed", "retry", "skipped"):
            where = f" on {event.worker}" if event.worker and event.phase == "started" else ""
            text = "" if event.phase in ("started", "done") else f": {event.message}"
            sys.stderr.write(
                f"prodbench: {event.case}: {event.phase}{where}{_one_line(text)}\n"[:400]
            )
            sys.stderr.flush()
        if event.phase in ("done", "failed") and args.output:
            state.saved = args.output
            state.unit = "cases"
            if event.case not in state.finished:
                state.finished.append(event.case)

    return progress


@contextlib.contextmanager
def _own_warnings(shown: set[str]) -> Iterator[None]:
    """Show prodbench's own warnings as one ``prodbench: warning:`` line each, once.

    The sweep's warnings (local workers sharing cores, CPU models that
    differ) appear at once; any other warning is shown as usual. The lines
    shown are added to ``shown``.
    """
    import warnings

    original_showwarning = warnings.showwarning
    package = os.path.dirname(os.path.dirname(__file__))

    def show_warning(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        if os.path.dirname(filename) == package or "prodbench" in filename:
            text = _one_line(str(message))
            if text not in shown:
                sys.stderr.write(f"prodbench: warning: {text}\n")
                shown.add(text)
            return
        original_showwarning(message, category, filename, lineno, file, line)

    with warnings.catch_warnings():
        warnings.showwarning = show_warning
        yield
