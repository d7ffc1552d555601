"""``prodbench capacity`` and ``prodbench load-test``: serving under load.

``capacity`` simulates a saved run under load; ``load-test`` measures one
candidate under real open-loop load. Nothing heavy is imported at module level.
"""

from __future__ import annotations

import argparse
import math
import sys
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
    check_qps,
    host_memory_arg,
)

DEFAULT_WORKERS = "1,2,4,8"
DEFAULT_LOAD_QPS = 300.0
DEFAULT_LOAD_DURATION = 10.0

CAPACITY_HELP = """\
examples:
  prodbench compare logreg ensemble --output run.json
  prodbench capacity run.json --budget p99=5ms
  prodbench capacity run.json --budget p99=5ms --qps 500 --workers 1,2,4
  prodbench capacity run.json --qps 500 --format json --output capacity.json
  prodbench capacity run.json --qps 500 --batching auto --arrivals gamma:cv=3

Max QPS: the highest Poisson arrival rate at which the simulated percentiles
stay within the budget, workers sharing one FIFO queue, service times drawn
from the measured one-row latencies (nothing is measured again). The 95%
interval comes from 32 bootstrap replicates over the samples and the
simulation seeds. With --qps: the fewest workers whose max-QPS lower bound
reaches it, p50/p99 at that load and the cost per million predictions
(workers x price per core-hour, one core per worker).

exit codes: 0 done; 2 usage or input error (no percentile budget, bad file)
"""


LOAD_TEST_HELP = f"""\
examples:
  prodbench load-test logreg --data digits --qps 300 --duration 10
  prodbench load-test ensemble --data digits --qps 100 --workers 2 --budget p99=5ms
  prodbench load-test ensemble --qps 500 --max-batch 8 --max-wait 2ms --budget p99=5ms
  prodbench compare logreg ensemble --output run.json
  prodbench load-test logreg --from run.json --qps 500
  prodbench load-test model.joblib --data data.csv --target label --format json

The data is loaded and split as compare does (--data, --target, --test-data,
--rows, --test-size, --seed): a preset or module:Class spec is fitted on the
training rows, a model file is used as it is, and requests are test rows in
the type the model was fitted on (--request-format, as in compare). The
arrivals are drawn in advance (Poisson) and shared with the worker processes,
which take the next request in arrival order from one queue and stamp its
completion: latency runs from each request's scheduled arrival (queueing
included, no coordinated omission). Workers hold their own copy of the model,
native thread pools limited to 1, started before the run clock; more workers
than usable cores are refused (--oversubscribe runs them with a warning).
Requests still unfinished at the time limit are censored: a percentile they
reach is a lower bound. The floor is the harness's own latency at the same
rate with a no-op model. With --from, the service time under load is set
against the saved one-row p50 of the same candidate.
Defaults: --qps {DEFAULT_LOAD_QPS:g}, --duration {DEFAULT_LOAD_DURATION:g} s, --workers 1.

exit codes: 0 done (with --budget: PASS); 1 with --budget, the verdict is FAIL
or UNDECIDED (a run that could not keep up is FAIL); without --budget, the run
could not keep up: completed requests per second below 95% of the requests
that arrived per second (the realised Poisson count, not the nominal --qps), or
a request never completed; 2 usage or input error; 3 the model failed (fit, or
in a worker)
"""


def parse_workers(text: str) -> tuple[int, ...]:
    """Read ``"1,2,4"`` as worker counts.

    Examples
    --------
    >>> parse_workers("4,1,2")
    (1, 2, 4)
    """
    try:
        counts = tuple(sorted({int(part) for part in str(text).split(",") if part.strip()}))
    except ValueError:
        raise SpecError(
            f"--workers must be whole numbers separated by commas, e.g. 1,2,4; got {text!r}."
        ) from None
    if not counts or min(counts) < 1:
        raise SpecError(f"--workers must be whole numbers of at least 1, e.g. 1,2,4; got {text!r}.")
    from ..serving.capacity import _check_worker_cap

    _check_worker_cap(counts, "--workers")
    return counts


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``capacity`` and ``load-test`` to the ``prodbench`` subparsers."""
    _add_capacity(sub, common)
    _add_load_test(sub, common)


def _add_capacity(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "capacity",
        help="max QPS within a latency budget, workers and cost, from a saved run",
        description=(
            "From a saved comparison (compare --output), simulate serving under load: "
            "per candidate the max QPS within the budget for each worker count, and for "
            "a target --qps the workers needed and what they cost."
        ),
        epilog=CAPACITY_HELP + "\n" + EXIT_CODES_POINTER,
        parents=[common],
    )
    p.add_argument("results", metavar="RESULTS.json", help="a file written by compare --output")
    p.add_argument(
        "--budget",
        metavar="LIMITS",
        help="percentile limits, e.g. 'p99=5ms' or 'p99=5ms,p50=1ms' (default: the file's budget)",
    )
    p.add_argument(
        "--qps",
        type=float,
        metavar="RATE",
        help="target requests per second (default: none, only max QPS)",
    )
    p.add_argument(
        "--workers",
        default=DEFAULT_WORKERS,
        metavar="N,N,...",
        help=f"worker counts to tabulate (default: {DEFAULT_WORKERS})",
    )
    p.add_argument(
        "--price-per-core-hour",
        type=float,
        metavar="USD",
        help="for the cost per million predictions (default: the file's, else 0.05)",
    )
    p.add_argument(
        "--arrivals",
        default="poisson",
        metavar="SPEC",
        help="arrival process: poisson, gamma:cv=3 (bursty), or a CSV file of arrival "
        "timestamps in seconds, one per line, rescaled to each rate (default: poisson)",
    )
    p.add_argument(
        "--batching",
        choices=("none", "auto"),
        default="none",
        help="auto: also the best micro-batching policy (max_batch 1-32 x max_wait 0-5 ms) "
        "from the run's per-call bulk times, next to one by one (default: none)",
    )
    p.add_argument(
        "--host-memory",
        metavar="SIZE",
        help="memory of one host, e.g. 16GB: workers per host and hosts needed, from each "
        "candidate's memory per worker (default: not computed)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the simulation (default: 0)")
    _add_format(p, ("table", "markdown", "html", "json"))
    p.add_argument(
        "--output", metavar="FILE.json", help="save the capacity as JSON (default: not saved)"
    )
    p.set_defaults(func=run)


def _compare_option(flag: str) -> Any:
    """One of compare's own options (defined once there), e.g. ``--request-format``."""
    from .compare import _LAYOUT

    for _title, entries in _LAYOUT:
        for entry in entries:
            if not isinstance(entry, str) and flag in entry.flags:
                return entry
    raise KeyError(flag)


def _add_load_test(sub: Any, common: argparse.ArgumentParser) -> None:
    from ._options import add_measurement_options

    p = sub.add_parser(
        "load-test",
        help="real open-loop load test of one candidate in worker processes",
        description=(
            "Send Poisson-timed one-row requests (the rows and request type compare uses) "
            "to worker processes holding the model, and measure latency from each "
            "request's scheduled arrival."
        ),
        epilog=LOAD_TEST_HELP + "\n" + EXIT_CODES_POINTER,
        parents=[common],
    )
    p.add_argument("candidate", metavar="CANDIDATE", help="a preset, module:Class spec or file")
    add_measurement_options(
        p,
        "compare",
        (
            (
                "data",
                (
                    "--data",
                    "--target",
                    _compare_option("--test-data"),
                    "--rows",
                    "--features",
                    "--test-size",
                    "--seed",
                    _compare_option("--request-format"),
                ),
            ),
        ),
    )
    g = p.add_argument_group("load")
    g.add_argument(
        "--qps",
        type=float,
        default=DEFAULT_LOAD_QPS,
        metavar="RATE",
        help=f"offered requests per second (default: {DEFAULT_LOAD_QPS:g})",
    )
    g.add_argument(
        "--duration",
        type=float,
        default=DEFAULT_LOAD_DURATION,
        metavar="SECONDS",
        help=f"span of the arrivals (default: {DEFAULT_LOAD_DURATION:g})",
    )
    g.add_argument("--workers", type=int, default=1, help="worker processes (default: 1)")
    g.add_argument(
        "--oversubscribe",
        action="store_true",
        help="run more workers than usable cores, with a warning (default: refused)",
    )
    g.add_argument(
        "--arrivals",
        default="poisson",
        metavar="SPEC",
        help="arrival process: poisson, gamma:cv=3 (bursty), or a CSV file of arrival "
        "timestamps in seconds, rescaled to --qps (default: poisson)",
    )
    g.add_argument(
        "--max-batch",
        type=int,
        default=1,
        metavar="N",
        help="a free worker takes up to N waiting requests in one predict call (default: 1)",
    )
    g.add_argument(
        "--max-wait",
        default="0",
        metavar="DURATION",
        help="with --max-batch: wait up to this long after the first request for the batch "
        "to fill, e.g. 2ms (default: 0, take what is waiting)",
    )
    g.add_argument(
        "--budget",
        metavar="LIMITS",
        help="percentile limits, e.g. 'p99=5ms': PASS, FAIL or UNDECIDED from the intervals "
        "(default: none)",
    )
    g.add_argument(
        "--from",
        dest="from_results",
        metavar="RUN.json",
        help="a saved comparison (compare --output) holding this candidate: its idle one-row "
        "p50 is shown next to the service time under load (default: none)",
    )
    g.add_argument(
        "--no-floor",
        action="store_true",
        help="skip the no-op run that measures the harness (default: run it)",
    )
    _add_format(p, ("table", "json"))
    p.add_argument(
        "--output", metavar="FILE.json", help="save the load test as JSON (default: not saved)"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace, state: _State) -> int:
    """``prodbench capacity`` or ``prodbench load-test``: its exit code."""
    from ..units import check_seed

    check_seed(args.seed, "--seed")  # before any data is loaded or worker started
    if args.command == "capacity":
        return cmd_capacity(args, state)
    return cmd_load_test(args, state)


def cmd_capacity(args: argparse.Namespace, state: _State | None = None) -> int:
    """``prodbench capacity RESULTS.json``: capacity of every candidate of a saved run.

    Examples
    --------
    >>> from prodbench.cli import main
    >>> main(["capacity", "run.json", "--budget", "p99=5ms", "--qps", "500"])  # doctest: +SKIP
    0
    """
    import dataclasses

    from ..serving import percentile_limits
    from ._kinds import load_for

    check_qps(args.qps)
    check_output_paths(args, ("--output",), [("the results file", args.results)])
    counts = parse_workers(args.workers)
    host_memory = None if args.host_memory is None else host_memory_arg(args.host_memory)
    price = args.price_per_core_hour
    if price is not None and not (price > 0 and math.isfinite(price)):
        raise SpecError("--price-per-core-hour must be a positive number of dollars, e.g. 0.05.")
    cmp = load_for("capacity", args.results)  # another kind of file: what to run instead
    budget = args.budget if args.budget is not None else cmp.budget
    if budget is None:
        raise SpecError(
            f"{args.results} has no budget; pass one with --budget, e.g. --budget p99=5ms."
        )
    limits = percentile_limits(budget)
    if not cmp.measured:
        raise SpecError(f"{args.results} holds no measured candidate; nothing to simulate.")
    if price is not None:
        cmp = dataclasses.replace(cmp, price_per_core_hour=price)
    cap = cmp.capacity(
        limits,
        qps=args.qps,
        workers=counts,
        random_state=args.seed,
        arrivals=args.arrivals,
        batching=None if args.batching == "none" else args.batching,
        host_memory=host_memory,
    )
    _print(_render(cap, args.format))  # printed first: a failed save loses nothing
    from ..report.model import not_simulated

    for line in not_simulated(cmp):  # never silently missing from the table
        sys.stderr.write(f"prodbench: warning: {line}\n")
    state = state if state is not None else _State()
    if args.output:
        _save("capacity", args.output, lambda: cap.to_json(args.output), state)
    return _report_save_errors(state) or 0


def cmd_load_test(args: argparse.Namespace, state: _State | None = None) -> int:
    """``prodbench load-test CANDIDATE``: a real open-loop load test.

    Examples
    --------
    >>> from prodbench.cli import main
    >>> main(["load-test", "logreg", "--data", "iris", "--qps", "50",
    ...       "--duration", "2"])  # doctest: +SKIP
    0
    """
    state = state if state is not None else _State()
    state.on_interrupt = "interrupted; the load test was stopped and its workers ended" + (
        f"; {args.output} not written" if args.output else "; nothing saved"
    )
    check_qps(args.qps)
    if not (args.duration > 0 and math.isfinite(args.duration)):
        raise SpecError("--duration must be a positive number of seconds, e.g. 10.")
    if args.workers < 1:
        raise SpecError(f"--workers must be at least 1; got {args.workers}.")
    if args.max_batch < 1:
        raise SpecError(f"--max-batch must be at least 1, e.g. 8; got {args.max_batch}.")
    if not (0.0 < args.test_size < 1.0):
        raise SpecError(
            f"--test-size must be between 0 and 1 (exclusive), e.g. 0.25; got {args.test_size:g}."
        )
    from ..units import parse_duration

    max_wait = 0.0 if args.max_wait.strip() in ("0", "0.0") else parse_duration(args.max_wait)
    if args.budget is not None:
        from ..budget import percentile_limits

        percentile_limits(args.budget)
    check_output_paths(
        args,
        ("--output",),
        [
            ("--data", args.data),
            ("--test-data", args.test_data),
            ("the candidate", args.candidate),
            ("--from", args.from_results),
        ],
    )
    saved = None
    if args.from_results:
        from ..verdict import Comparison

        saved = Comparison.from_json(args.from_results)  # a bad file fails before any fit
    name, model, X_test = _fitted_candidate(args)
    idle = None if saved is None else _idle_p50(saved, args.from_results, name)
    import prodbench as pb

    result = pb.load_test(
        model,
        X_test,
        args.qps,
        args.duration,
        args.workers,
        args.seed,
        floor=not args.no_floor,
        budget=args.budget,
        max_batch=args.max_batch,
        max_wait=max_wait,
        request_format=args.request_format,
        oversubscribe=args.oversubscribe,
        idle_p50=idle,
        arrivals=args.arrivals,
    )
    _print(_render(result, args.format, **({"name": name} if args.format == "table" else {})))
    if args.output:  # after printing: a failed save loses nothing
        from ..results import write_json_atomic

        path = args.output
        _save("load test", path, lambda: write_json_atomic(path, result.to_dict()), state)
    verdict = result.verdict
    if verdict is not None and verdict.status != "PASS":
        import sys

        sys.stderr.write(f"prodbench: load test {verdict.status}: {verdict.reason}\n")
        unmet = True
    else:
        unmet = verdict is None and not result.kept_up
    return _report_save_errors(state) or (1 if unmet else 0)


def _idle_p50(cmp: Any, path: str, name: str) -> float:
    """The one-row p50 of candidate ``name`` in a saved comparison (``--from``)."""
    if name not in cmp.measured:
        raise SpecError(
            f"--from {path}: it holds no measured candidate named {name!r} (it has "
            f"{', '.join(cmp.measured) or 'none'}). Name the candidate as in that run, "
            "e.g. NAME=SPEC."
        )
    return float(cmp.results[name].latency.p50)


def _fitted_candidate(args: argparse.Namespace) -> tuple[str, Any, Any]:
    """The candidate fitted as compare fits it, and the test rows: compare's data path."""
    from ..data import load_dataset, split
    from ..errors import ModelFailedError
    from ..models import parse_candidate
    from ._options import DEFAULT_DATA
    from .compare import _by_name, _held_out

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
    cand = parse_candidate(args.candidate, dataset.task)
    named, fitted = {cand.name: cand.estimator}, {cand.name: cand.fitted}
    dataset, held_out = _by_name(args, dataset, held_out, named, fitted)
    X, y, X_test, _y_test, _warnings = _held_out(args, dataset, held_out, fitted)
    model = cand.estimator
    if X_test is None:
        parts = split(X, y, test_size=args.test_size, random_state=args.seed, task=dataset.task)
        X, y, X_test = parts.X_train, parts.y_train, parts.X_test
    if not cand.fitted:
        try:
            model.fit(X, y)
        except Exception as exc:
            raise ModelFailedError(
                f"{cand.name!r} failed to fit ({type(exc).__name__}: {exc}). Fix the candidate "
                "or load-test a fitted model file.",
                candidate=cand.name,
                phase="fit",
            ) from exc
    return cand.name, model, X_test
