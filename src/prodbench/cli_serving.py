"""The serving subcommands of the command line: ``capacity``.

Kept apart from :mod:`prodbench.cli` (which registers them with
:func:`add_serving_commands`) so the serving front end is in one place.
Nothing heavy is imported at module level.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

from .errors import SpecError

__all__ = [
    "CAPACITY_HELP",
    "add_serving_commands",
    "check_qps",
    "cmd_capacity",
    "parse_workers",
]

DEFAULT_WORKERS = "1,2,4,8"

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
    return counts


def check_qps(value: float | None, option: str = "--qps") -> None:
    """Reject a rate that is not positive and finite, before anything is measured."""
    if value is not None and not (value > 0 and math.isfinite(value)):
        raise SpecError(f"{option} must be a positive number of requests per second, e.g. 500.")


def add_serving_commands(sub: Any, common: argparse.ArgumentParser, add_format: Any) -> None:
    """Register ``capacity`` on the ``prodbench`` subparsers."""
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
    p.add_argument("--qps", type=float, metavar="RATE", help="target requests per second")
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
    p.add_argument("--seed", type=int, default=0, help="seed of the simulation (default: 0)")
    add_format(p, ("table", "markdown", "html", "json"))
    p.add_argument("--output", metavar="FILE.json", help="save the capacity as JSON")
    p.set_defaults(func=cmd_capacity)


def _print(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


def cmd_capacity(args: argparse.Namespace, state: Any = None) -> int:
    """``prodbench capacity RESULTS.json``: capacity of every candidate of a saved run.

    Examples
    --------
    >>> main(["capacity", "run.json", "--budget", "p99=5ms", "--qps", "500"])  # doctest: +SKIP
    0
    """
    import dataclasses

    from .serving import percentile_limits
    from .verdict import Comparison

    check_qps(args.qps)
    counts = parse_workers(args.workers)
    price = args.price_per_core_hour
    if price is not None and not (price > 0 and math.isfinite(price)):
        raise SpecError("--price-per-core-hour must be a positive number of dollars, e.g. 0.05.")
    cmp = Comparison.from_json(args.results)
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
    cap = cmp.capacity(limits, qps=args.qps, workers=counts, random_state=args.seed)
    if args.output:
        cap.to_json(args.output)
    from .report.capacity import render_capacity

    _print(render_capacity(cap, args.format))
    return 0
