"""``prodbench calibrate``: time the calibration kernel here, and write a latency reference."""

from __future__ import annotations

import argparse
import math
from typing import Any

from ..errors import SpecError
from ._common import EXIT_CODES_POINTER, EXIT_OK, _print, _State, check_output_paths

CALIBRATE_EPILOG = (
    "examples:\n"
    "  prodbench calibrate --output latency-ref.json      # where the budgets are set\n"
    "  prodbench compare ... --budget p99=5ms --latency-reference latency-ref.json\n"
    "  PRODBENCH_LATENCY_REFERENCE=latency-ref.json pytest   # assert_latency, the plugin\n\n"
    + EXIT_CODES_POINTER
)


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``calibrate`` to the ``prodbench`` subparsers."""
    p = sub.add_parser(
        "calibrate",
        help="time the calibration kernel; write a latency reference",
        description=(
            "Time prodbench's fixed calibration kernel (pure Python and a small "
            "single-threaded numpy/BLAS part, about 1 ms a call) on this machine and "
            "print its median call. With --output, write it as a latency reference: "
            "on another machine, --latency-reference (compare --budget, the pytest "
            "plugin) and assert_latency(reference=...) scale every limit by that "
            "machine's calibration over this one."
        ),
        epilog=CALIBRATE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    p.add_argument(
        "--output", metavar="FILE.json", help="write the latency reference (default: print only)"
    )
    p.add_argument(
        "--seconds",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="how long to time the kernel; a longer reference is a tighter one (default: 1)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace, state: _State) -> int:
    """``prodbench calibrate [--output FILE] [--seconds S]``: 0, or 2 on a bad option.

    Examples
    --------
    >>> from prodbench.cli import main
    >>> main(["calibrate", "--output", "ref.json"])  # doctest: +SKIP
    0
    """
    if not (math.isfinite(args.seconds) and 0.05 <= args.seconds <= 60):
        raise SpecError(
            f"--seconds must be between 0.05 and 60 (seconds of calibration), not "
            f"{args.seconds:g}. The default, 1, is enough for a reference."
        )
    check_output_paths(args, ("--output",))
    from ..calibration import calibrate, write_reference

    cal = calibrate(args.seconds)
    _print(
        f"calibration: median {cal.median_ns / 1e6:.3f} ms per call over {cal.n:,} calls "
        f"({cal.elapsed_s:.2f} s, kernel version {cal.kernel_version})"
    )
    if args.output:
        write_reference(args.output, cal)
        _print(f"latency reference written to {args.output}")
    return EXIT_OK
