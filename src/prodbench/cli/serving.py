"""``prodbench capacity`` and ``prodbench load-test``: serving under load.

``capacity`` simulates a saved run under load; ``load-test`` measures one
candidate under real open-loop load. Nothing heavy is imported at module level.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

from ..errors import ProdbenchError, SpecError
from ._common import (
    _add_format,
    _print,
    _render,
    _report_save_errors,
    _save,
    _State,
    check_output_paths,
    check_qps,
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

Max QPS: the highest Poisson arrival rate at which the simulated percentiles
stay within the budget, workers sharing one FIFO queue, service times drawn
from the measured one-row latencies (nothing is measured again). The 95%
interval comes from 32 bootstrap replicates over the samples and the
simulation seeds. With --qps: the fewest workers whose max-QPS lower bound
reaches it, p50/p99 at that load and the cost per million predictions
(workers x price per core-hour, one core per worker).

exit codes: 0 done; 2 usage or input error (no percentile budget, bad file)
(one rule for every command; when several apply: 2, then 3, then 1, then 0)
"""


LOAD_TEST_HELP = f"""\
examples:
  prodbench load-test logreg --data digits --qps 300 --duration 10
  prodbench load-test ensemble --data digits --qps 100 --workers 2
  prodbench load-test model.joblib --data digits --qps 50 --format json

The candidate (a preset or module:Class spec) is fitted on the training
split of --data first; a model file is used as it is. Requests are one
test row each, arriving as a Poisson process drawn in advance; latency runs
from each request's scheduled arrival to its completion (queueing included,
no coordinated omission). Workers are processes with their own copy of the
model, native thread pools limited to 1, started before the run clock.
The floor is the harness's own latency at the same rate with a no-op model.
Defaults: --qps {DEFAULT_LOAD_QPS:g}, --duration {DEFAULT_LOAD_DURATION:g} s, --workers 1.

exit codes: 0 done; 1 the run could not keep up (achieved < 95% of offered);
2 usage or input error; 3 the model failed in a worker
(one rule for every command; when several apply: 2, then 3, then 1, then 0)
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
        epilog=CAPACITY_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
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


def _add_load_test(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "load-test",
        help="real open-loop load test of one candidate in worker processes",
        description=(
            "Send Poisson-timed one-row requests to worker processes holding the model "
            "and measure latency from each request's scheduled arrival."
        ),
        epilog=LOAD_TEST_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    p.add_argument("candidate", metavar="CANDIDATE", help="a preset, module:Class spec or file")
    p.add_argument("--data", metavar="SPEC", default="digits", help="data set (default: digits)")
    p.add_argument(
        "--target",
        metavar="COLUMN",
        help="target column of a CSV/Parquet file (required for a file; default: none)",
    )
    p.add_argument(
        "--qps",
        type=float,
        default=DEFAULT_LOAD_QPS,
        metavar="RATE",
        help=f"offered requests per second (default: {DEFAULT_LOAD_QPS:g})",
    )
    p.add_argument(
        "--duration",
        type=float,
        default=DEFAULT_LOAD_DURATION,
        metavar="SECONDS",
        help=f"span of the arrivals (default: {DEFAULT_LOAD_DURATION:g})",
    )
    p.add_argument("--workers", type=int, default=1, help="worker processes (default: 1)")
    p.add_argument(
        "--no-floor",
        action="store_true",
        help="skip the no-op run that measures the harness (default: run it)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of data, split, arrivals (default: 0)")
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
        limits, qps=args.qps, workers=counts, random_state=args.seed, host_memory=host_memory
    )
    _print(_render(cap, args.format))  # printed first: a failed save loses nothing
    from ..report.model import not_simulated

    for line in not_simulated(cmp):  # never silently missing from the table
        sys.stderr.write(f"prodbench: warning: {line}\n")
    state = state if state is not None else _State()
    if args.output:
        _save("capacity", args.output, lambda: cap.to_json(args.output), state)
    return _report_save_errors(state) or 0


def host_memory_arg(text: str, *, needs_qps: bool = False) -> int:
    """``--host-memory 16GB`` in bytes; a one-paragraph error for anything else.

    ``needs_qps``: ``compare`` was given no ``--qps``, so there is no capacity
    section for the hosts to appear in.

    Examples
    --------
    >>> host_memory_arg("16GB")
    16000000000
    """
    from ..units import parse_size

    if needs_qps:
        raise SpecError(
            "--host-memory sizes the hosts of the capacity section, which compare adds with "
            "--qps: pass a target rate too, e.g. --qps 500 --host-memory 16GB."
        )

    try:
        size = parse_size(text, require_unit=True)
    except ProdbenchError as exc:
        raise SpecError(f"--host-memory {text!r}: {exc} For example --host-memory 16GB.") from exc
    if size <= 0:
        raise SpecError(f"--host-memory must be a positive size, e.g. 16GB; got {text!r}.")
    return size


def cmd_load_test(args: argparse.Namespace, state: _State | None = None) -> int:
    """``prodbench load-test CANDIDATE``: a real open-loop load test.

    Examples
    --------
    >>> from prodbench.cli import main
    >>> main(["load-test", "logreg", "--data", "iris", "--qps", "50",
    ...       "--duration", "2"])  # doctest: +SKIP
    0
    """
    from ..serving import load_test_candidate

    check_qps(args.qps)
    if not (args.duration > 0 and math.isfinite(args.duration)):
        raise SpecError("--duration must be a positive number of seconds, e.g. 10.")
    if args.workers < 1:
        raise SpecError(f"--workers must be at least 1; got {args.workers}.")
    check_output_paths(
        args, ("--output",), [("--data", args.data), ("the candidate", args.candidate)]
    )
    name, result = load_test_candidate(
        args.candidate,
        args.data,
        target=args.target,
        qps=args.qps,
        duration=args.duration,
        workers=args.workers,
        floor=not args.no_floor,
        random_state=args.seed,
    )
    _print(_render(result, args.format, **({"name": name} if args.format == "table" else {})))
    state = state if state is not None else _State()
    if args.output:  # after printing: a failed save loses nothing
        from ..results import write_json_atomic

        path = args.output
        _save("load test", path, lambda: write_json_atomic(path, result.to_dict()), state)
    return _report_save_errors(state) or (0 if result.kept_up else 1)
