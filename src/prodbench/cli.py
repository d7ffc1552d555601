"""The command line: ``python -m prodbench compare|show|diff|datasets``.

A thin front end over :func:`prodbench.compare` and the saved-results API.
Nothing heavy is imported at module level (no scikit-learn, pandas, numpy or
scipy), so ``python -m prodbench --help`` answers at once; each subcommand
imports what it needs.

Exit codes: 0 done (and, with a budget, some candidate passes it); 1 no
candidate passes the budget, or ``diff --fail-on`` tripped; 2 usage or input
error; 3 a candidate failed while the others were measured; 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from ._version import __version__
from .errors import CandidateError, ProdbenchError, SpecError

if TYPE_CHECKING:
    from .pipeline import ProgressEvent
    from .results import ModelResult
    from .verdict import Budget, Comparison

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
]

EXIT_OK = 0
EXIT_BUDGET = 1
EXIT_USAGE = 2
EXIT_CANDIDATE_FAILED = 3
EXIT_INTERRUPTED = 130

# The run of ``python -m prodbench compare`` with no candidates: a lone model
# against an ensemble, on scikit-learn's digits, within ~30 s on 2 cores.
DEFAULT_CANDIDATES: tuple[str, ...] = ("logreg", "ensemble")
DEFAULT_DATA = "digits"
DEFAULT_MAX_TIME = 5.0
DEFAULT_MAX_FIT_TIME = 3.0
DEFAULT_BUDGET = "p99=2ms"
DEFAULT_THREADS = "serving"

FORMATS = ("table", "markdown", "json", "csv")

EXIT_CODES_HELP = """\
exit codes:
  0    done; with a budget, at least one candidate passes it
  1    no candidate passes the budget (there is no production pick),
       or diff --fail-on tripped
  2    usage or input error (bad option, unknown preset, bad data, corrupt JSON)
  3    a candidate failed while the others were measured (results still
       printed and saved); takes precedence over 1
  130  interrupted (Ctrl-C); with --output, finished candidates are kept
"""

SECURITY_HELP = """\
security: loading a model file (.joblib/.pkl/.pickle) unpickles it, and
--candidates FILE.py runs that file: both run code from the file. Use only
files you trust.
"""

CANDIDATE_HELP = f"""\
candidates (two or more; none runs the default comparison):
  PRESET                  logreg, forest, hgb, knn, ensemble (soft vote of
                          logreg + forest), stacking; the regressor
                          counterpart is chosen when the target is continuous
  module:Class            e.g. sklearn.linear_model:Ridge
  module:Class(k=v, ...)  e.g. 'sklearn.ensemble:RandomForestClassifier(n_estimators=200)';
                          values are Python literals only (never eval'd)
  FILE.joblib|.pkl        a fitted model, measured without refitting
  NAME=ANY_OF_THE_ABOVE   names the candidate, e.g. lone=logreg

default run (no candidates): {" vs ".join(DEFAULT_CANDIDATES)} on {DEFAULT_DATA},
--max-time {DEFAULT_MAX_TIME:g}, --max-fit-time {DEFAULT_MAX_FIT_TIME:g}, --budget \
{DEFAULT_BUDGET}
(each overridable). With candidates, --data defaults to the same data set.
"""


class _UsageError(Exception):
    """A command-line usage error, printed as one line with exit code 2."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line and do not exit the process."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{message} (see '{self.prog} --help')")


@dataclass
class _State:
    """What the interrupt handler needs to know: the saved file, the progress line."""

    saved: str | None = None
    progress: _Progress | None = None
    save_errors: dict[str, str] = field(default_factory=dict)

    def clear_progress(self) -> None:
        if self.progress is not None:
            self.progress.clear()


@dataclass
class _Progress:
    """One updating line on stderr, and a record of failed candidates."""

    stream: TextIO
    enabled: bool
    failures: dict[str, ProdbenchError] = field(default_factory=dict)
    _width: int = 0

    def record_failure(self, name: str, error: ProdbenchError) -> None:
        """``on_failure`` of :func:`prodbench.compare`: kept for partial saves."""
        self.failures[name] = error

    def __call__(self, event: ProgressEvent) -> None:
        if not self.enabled:
            return
        line = f"prodbench: {event.candidate}: {event.phase}"
        if event.samples:
            line += f", {event.samples:,} samples"
        if event.phase == "failed":
            line += " (see below)"
        line = line[:79]
        self.stream.write("\r" + line.ljust(self._width))
        self.stream.flush()
        self._width = max(self._width, len(line))

    def clear(self) -> None:
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0


# --------------------------------------------------------------------------- parser
def _add_format(parser: Any, choices: Sequence[str] = FORMATS) -> None:
    parser.add_argument(
        "--format",
        choices=choices,
        default="table",
        help="what stdout carries (default: table)",
    )


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
        help="show the full traceback of an error",
    )
    parser = _Parser(
        prog="prodbench",
        description=(
            "Measure scikit-learn models on both priorities: research (fit time, "
            "throughput, score) and production (single-request latency percentiles "
            "with intervals), and compare a lone model with an ensemble."
        ),
        epilog=EXIT_CODES_HELP + "\n" + SECURITY_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"prodbench {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "compare",
        help="measure and compare candidates on the same rows",
        description=(
            "Measure two or more candidates on the same train/test split and the same "
            "request rows, and print the comparison, the verdict and the picks."
        ),
        epilog=CANDIDATE_HELP + "\n" + EXIT_CODES_HELP + "\n" + SECURITY_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    p.add_argument("candidates", nargs="*", metavar="CANDIDATE", help="see below")
    p.add_argument(
        "--candidates",
        dest="candidates_file",
        action="append",
        metavar="FILE.py",
        help="a Python file defining CANDIDATES = {name: estimator} (runs the file)",
    )
    data = p.add_argument_group("data")
    data.add_argument(
        "--data",
        metavar="SPEC",
        help="breast_cancer, digits, wine, iris, diabetes, synthetic, "
        "synthetic:n_samples=...,n_features=..., or a .csv/.parquet path "
        f"(default: {DEFAULT_DATA})",
    )
    data.add_argument("--target", metavar="COLUMN", help="target column of a CSV/Parquet file")
    data.add_argument("--rows", type=int, help="rows of synthetic data, or a subset of a file")
    data.add_argument("--features", type=int, help="features of synthetic data")
    data.add_argument(
        "--test-size", type=float, default=0.25, help="held-out fraction (default 0.25)"
    )
    data.add_argument("--seed", type=int, default=0, help="seed of data, split, requests")
    run = p.add_argument_group("measurement")
    run.add_argument("--baseline", metavar="NAME", help="candidate to compare with (default first)")
    run.add_argument("--budget", metavar="LIMITS", help="e.g. 'p99=5ms,p50=1ms,size=10MB'")
    run.add_argument(
        "--max-time",
        type=float,
        metavar="SECONDS",
        help="latency sampling time per candidate, spent where the intervals need it; "
        "no other phase takes longer (default 5)",
    )
    run.add_argument(
        "--max-fit-time",
        type=float,
        metavar="SECONDS",
        help="stop refitting (3 fits) after this many seconds per candidate (default 60)",
    )
    run.add_argument(
        "--threads",
        type=_threads_arg,
        default="serving",
        metavar="serving|none|N",
        help="native thread pools (threadpoolctl): 'serving' limits one-row latency and "
        "cold start to 1 thread, fits and throughput use the machine's threads; N limits "
        "every phase to N; 'none' limits nothing (default: serving)",
    )
    run.add_argument("--method", choices=("predict", "predict_proba"), default="predict")
    run.add_argument(
        "--no-isolate",
        dest="isolate",
        action="store_false",
        help="measure candidates in this process instead of one worker process each "
        "(saves ~2 s of start-up; a crash or a hang in a model then ends the whole run)",
    )
    run.add_argument(
        "--call-timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="a single fit or predict call longer than this fails its candidate with "
        "'timeout' and the run goes on (default: 60)",
    )
    run.add_argument(
        "--price-per-core-hour", type=float, metavar="USD", help="for the cost per prediction"
    )
    run.add_argument(
        "--qps",
        type=float,
        metavar="RATE",
        help="target requests per second: adds the capacity section (workers needed, p99 "
        "and cost at that load, simulated from the measured latencies; needs a percentile "
        "budget)",
    )
    out = p.add_argument_group("output")
    _add_format(out)
    out.add_argument("--output", metavar="FILE.json", help="save results (raw samples) as JSON")
    out.add_argument("--plot", metavar="FILE", help="save a figure (needs matplotlib)")
    out.add_argument("--quiet", action="store_true", help="no progress display on stderr")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser(
        "show",
        help="render saved results",
        description="Render a results file written by compare --output.",
        parents=[common],
    )
    p.add_argument("results", metavar="RESULTS.json")
    _add_format(p)
    p.add_argument("--plot", metavar="FILE", help="save a figure (needs matplotlib)")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser(
        "diff",
        help="compare two saved runs (for CI)",
        description=(
            "Per candidate present in both files: the p50 and p99 ratio new/old with a "
            "bootstrap interval, and the score change, each marked significant or not. "
            "A --fail-on limit trips (exit 1) only when the change exceeds it and is "
            "significant."
        ),
        epilog=(
            "--fail-on limits: p50/p90/p99/p999=+N% (latency increase),\n"
            "score=-Npp (drop in percentage points of an accuracy-like score)\n"
            "or score=-N (drop in score units).\n\n" + EXIT_CODES_HELP
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    p.add_argument("old", metavar="OLD.json")
    p.add_argument("new", metavar="NEW.json")
    p.add_argument("--fail-on", metavar="LIMITS", help="e.g. 'p99=+10%%,p50=+20%%,score=-0.5pp'")
    _add_format(p, ("table", "json"))
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser(
        "datasets",
        help="list the bundled datasets",
        description="The bundled datasets and the synthetic one, with shapes and task.",
        parents=[common],
    )
    p.set_defaults(func=cmd_datasets)

    from .cli_serving import add_serving_commands

    add_serving_commands(sub, common, _add_format)
    return parser


# --------------------------------------------------------------------------- helpers
def _threads_arg(text: str) -> str | int | None:
    """``--threads``: ``serving``, ``none`` or a positive integer."""
    value = text.strip().lower()
    if value in ("serving", "none"):
        return None if value == "none" else "serving"
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(
            f"expected 'serving', 'none' or a positive integer, not {text!r}"
        )
    return number


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _error(message: str) -> None:
    sys.stderr.write(f"prodbench: error: {_one_line(message)}\n")


def _print(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


def _render(cmp: Comparison, fmt: str) -> str:
    if fmt == "table":
        return str(cmp)
    if fmt == "markdown":
        return cmp.to_markdown()
    from . import report

    render = getattr(report, f"render_{fmt}")  # render_json, render_csv
    return str(render(cmp))


def _save_plot(cmp: Comparison, path: str) -> None:
    from .results import atomic_path

    if "matplotlib" not in sys.modules:
        os.environ.setdefault("MPLBACKEND", "Agg")
    fig = cmp.plot()
    try:
        # Through a temporary file and a rename, like --output: no half-written figure.
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=_plot_format(path), dpi=120, bbox_inches="tight")
    finally:
        try:
            import matplotlib.pyplot as plt

            plt.close(fig)
        except ImportError:  # pragma: no cover - plot() would have failed first
            pass


# --------------------------------------------------------------------------- output files
# --output and --plot are checked before anything is measured; a save that
# still fails afterwards keeps the results on stdout and names the path.
def _plot_format(path: str) -> str:
    return os.path.splitext(path)[1][1:].lower()


def _check_writable(path: str, option: str) -> None:
    """Refuse, before measuring, an output path that cannot be written."""
    import tempfile
    from pathlib import Path

    target = Path(path)
    if not path.strip():
        raise SpecError(f"{option} is empty. Name the file to write, e.g. {option} run.json.")
    if target.is_dir():
        raise SpecError(
            f"{option} {path!r} is a directory. Name a file inside it, e.g. "
            f"{option} {os.path.join(path, 'run' + (target.suffix or '.json'))}."
        )
    parent = target.parent
    if not parent.exists():
        raise SpecError(
            f"{option} {path!r}: the directory {str(parent)!r} does not exist. Create it "
            "first (mkdir -p) or choose another path."
        )
    if not parent.is_dir():
        raise SpecError(
            f"{option} {path!r}: {str(parent)!r} is a file, not a directory. Choose a path "
            "inside a directory."
        )
    if target.exists() and not os.access(target, os.W_OK):
        raise SpecError(
            f"{option} {path!r} exists and is read-only. Make it writable or choose another path."
        )
    try:  # the real test: can a file be created (and renamed) there?
        fd, probe = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", dir=parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise SpecError(
            f"{option} {path!r} cannot be written: {exc.strerror or exc}. Choose a path in a "
            "writable directory."
        ) from None


def _check_plot_path(path: str) -> None:
    """``--plot``: writable, a format matplotlib can save, and matplotlib installed."""
    from .errors import MissingDependencyError

    _check_writable(path, "--plot")
    try:
        from matplotlib.backend_bases import FigureCanvasBase
    except ImportError:
        raise MissingDependencyError(
            "--plot needs matplotlib, which is not installed. Install it with "
            "'pip install prodbench[plot]' (or pip install matplotlib), or drop --plot."
        ) from None
    formats = FigureCanvasBase.get_supported_filetypes()
    fmt = _plot_format(path)
    if fmt not in formats:
        what = f"the format {fmt!r}" if fmt else "a file without an extension"
        raise SpecError(
            f"--plot {path!r}: matplotlib cannot save {what}. End the name with one of "
            f"{', '.join('.' + f for f in sorted(formats))}, e.g. plot.png."
        )


def _check_compare_options(args: argparse.Namespace) -> None:
    """Checks of compare's options that must fail before anything is measured."""
    price = args.price_per_core_hour
    if price is not None and not (math.isfinite(price) and price > 0):
        raise SpecError(
            f"--price-per-core-hour must be a positive price such as 0.05 (USD per core-hour), "
            f"not {price:g}."
        )
    if args.output is not None:
        _check_writable(args.output, "--output")
    if args.plot is not None:
        _check_plot_path(args.plot)


def _save(what: str, path: str, write: Callable[[], None], state: _State) -> bool:
    """Run ``write``; on failure remember one line naming the path, and go on."""
    try:
        write()
    except (OSError, ValueError) as exc:
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        state.save_errors[path] = (
            f"could not save the {what} to {path!r}: {detail}. The results are printed above; "
            "free space or fix the path and run again."
        )
        return False
    state.save_errors.pop(path, None)
    return True


def _report_save_errors(state: _State) -> int | None:
    """Print every save failure (one line each); the exit code, or None when all saved."""
    for message in state.save_errors.values():
        _error(message)
    return EXIT_USAGE if state.save_errors else None


def _duplicate_hint(name: str, source: str, taken: dict[str, Any]) -> str:
    """A NAME=SPEC that would work for the second of two candidates named ``name``."""
    from .models import _split_name

    spec = _split_name(source)[1] if "=" in source else source
    k = 2
    while f"{name}-{k}" in taken:
        k += 1
    return f"{name}-{k}={spec}"


def _check_positive(value: float | None, option: str) -> None:
    if value is not None and not (value > 0 and math.isfinite(value)):
        raise SpecError(f"{option} must be a positive number of seconds, not {value!r}.")


# --------------------------------------------------------------------------- compare
def cmd_compare(args: argparse.Namespace, state: _State) -> int:
    """``prodbench compare``: measure candidates and print the comparison.

    Returns the exit code: 0, 1 (no candidate passes the budget) or 3 (a
    candidate failed).

    Examples
    --------
    >>> main(["compare", "logreg", "knn", "--data", "iris", "--max-time", "0.2",
    ...       "--quiet", "--format", "markdown"])  # doctest: +SKIP
    0
    """
    from .verdict import Budget

    default_run = not args.candidates and not args.candidates_file
    if not (0.0 < args.test_size < 1.0):
        raise SpecError(
            f"--test-size must be between 0 and 1 (exclusive), e.g. 0.25; got {args.test_size:g}."
        )
    _check_positive(args.max_time, "--max-time")
    _check_positive(args.max_fit_time, "--max-fit-time")
    _check_positive(args.call_timeout, "--call-timeout")
    _check_compare_options(args)
    budget_text = args.budget if args.budget is not None else None
    if budget_text is None and default_run:
        budget_text = DEFAULT_BUDGET
    budget: Budget | None = None if budget_text is None else Budget.parse(budget_text)
    if args.qps is not None:
        from .cli_serving import check_qps
        from .serving import percentile_limits

        check_qps(args.qps)
        percentile_limits(budget)  # --qps needs a percentile budget: say so before measuring

    from .data import load_dataset
    from .models import load_candidates_file, parse_candidate

    dataset = load_dataset(
        args.data or DEFAULT_DATA,
        target=args.target,
        rows=args.rows,
        features=args.features,
        random_state=args.seed,
    )
    named: dict[str, Any] = {}
    fitted: dict[str, bool] = {}

    def add(name: str, model: Any, is_fitted: bool, source: str) -> None:
        if name in named:
            raise CandidateError(
                f"Two candidates are named {name!r}. Name them apart with NAME=SPEC, "
                f"e.g. {_duplicate_hint(name, source, named)}."
            )
        named[name] = model
        fitted[name] = is_fitted

    # Whatever candidates print (on import, in fit or predict) goes to stderr:
    # stdout carries only the rendered results (--format json stays parseable).
    to_stderr = contextlib.redirect_stdout(sys.stderr)
    with to_stderr:
        for text in args.candidates or (() if args.candidates_file else DEFAULT_CANDIDATES):
            cand = parse_candidate(text, dataset.task)
            add(cand.name, cand.estimator, cand.fitted, cand.source)
        for path in args.candidates_file or ():
            for name, model in load_candidates_file(path).items():
                add(name, model, False, name)
    if len(named) < 2:
        raise CandidateError(
            f"compare needs at least two candidates, got {len(named)}. Add another, "
            "e.g. 'prodbench compare logreg ensemble'."
        )
    baseline = args.baseline if args.baseline is not None else next(iter(named))
    if baseline not in named:
        raise CandidateError(f"Unknown --baseline {baseline!r}. Choose one of: {', '.join(named)}.")

    max_time = args.max_time if args.max_time is not None else DEFAULT_MAX_TIME
    max_fit_time = args.max_fit_time
    if max_fit_time is None:
        max_fit_time = DEFAULT_MAX_FIT_TIME if default_run else 60.0

    progress = _Progress(sys.stderr, enabled=not args.quiet and sys.stderr.isatty())
    state.progress = progress
    on_result = _saver(args.output, list(named), baseline, budget, progress, state)

    import prodbench as pb

    from .errors import CallbackError

    # The same protocol as the library: the thread policy is applied per
    # phase by compare(), never to the whole run here.
    callback_error: CallbackError | None = None
    with to_stderr:
        try:
            cmp = pb.compare(
                named,
                dataset.X,
                dataset.y,
                baseline=baseline,
                budget=budget,
                fit={n: not f for n, f in fitted.items()},
                test_size=args.test_size,
                method=args.method,
                threads=args.threads,
                max_time=max_time,
                max_fit_time=max_fit_time,
                random_state=args.seed,
                progress=progress,
                on_result=on_result,
                on_failure=progress.record_failure,
                price_per_core_hour=args.price_per_core_hour,
                isolate=args.isolate,
                call_timeout=args.call_timeout,
            )
        except CallbackError as exc:  # every candidate was measured: keep the results
            callback_error, cmp = exc, exc.comparison
    progress.clear()
    if args.qps is not None:  # the capacity section and the stakeholders at the target rate
        import dataclasses

        cmp = dataclasses.replace(cmp, options={**cmp.options, "qps": args.qps})
    if args.output:
        from .report.jsonfmt import to_json_dict
        from .results import write_json_atomic

        if _save(
            "results", args.output, lambda: write_json_atomic(args.output, to_json_dict(cmp)), state
        ):
            state.saved = args.output
    for failure in cmp.failures.values():
        sys.stderr.write(f"prodbench: candidate failed: {_one_line(failure.message)}\n")
    _print(_render(cmp, args.format))
    if args.plot:
        _save("figure", args.plot, lambda: _save_plot(cmp, args.plot), state)
    if callback_error is not None:
        _error(str(callback_error))
    code = _report_save_errors(state)
    if code is not None or callback_error is not None:
        return code or EXIT_USAGE
    if cmp.failures:
        return EXIT_CANDIDATE_FAILED
    if budget and cmp.measured and cmp.production_pick is None:
        return EXIT_BUDGET
    return EXIT_OK


def _saver(
    output: str | None,
    names: list[str],
    baseline: str,
    budget: Budget | None,
    progress: _Progress,
    state: _State,
) -> Callable[[str, ModelResult], None] | None:
    """An ``on_result`` callback that saves what is finished so far, atomically."""
    if not output:
        return None
    from .results import write_json_atomic
    from .verdict import Comparison

    done: dict[str, ModelResult] = {}

    def on_result(name: str, result: ModelResult) -> None:
        done[name] = result
        partial = Comparison.build(
            names=names,
            results=done,
            failures={n: e for n, e in progress.failures.items() if n not in done},
            baseline=baseline,
            budget=budget,
            options={"partial": True, "finished": list(done)},
        )
        if _save(
            "partial results", output, lambda: write_json_atomic(output, partial.to_dict()), state
        ):
            state.saved = output

    return on_result


# --------------------------------------------------------------------------- show
def cmd_show(args: argparse.Namespace, state: _State) -> int:
    """``prodbench show RESULTS.json``: render saved results.

    Examples
    --------
    >>> main(["show", "results.json", "--format", "markdown"])  # doctest: +SKIP
    0
    """
    from .verdict import Comparison

    if args.plot:
        _check_plot_path(args.plot)
    cmp = Comparison.from_json(args.results)
    _print(_render(cmp, args.format))
    if args.plot:
        _save("figure", args.plot, lambda: _save_plot(cmp, args.plot), state)
    return _report_save_errors(state) or EXIT_OK


# --------------------------------------------------------------------------- diff
_LATENCY_KEYS = {"p50": 50.0, "p90": 90.0, "p99": 99.0, "p999": 99.9}


def parse_fail_on(text: str) -> dict[str, float]:
    """Parse ``"p99=+10%,score=-0.5pp"`` into limits.

    Latency keys map to the largest allowed relative increase (``0.10``);
    ``score`` maps to the largest allowed drop in score units (``0.005``).

    Raises
    ------
    SpecError
        When a part does not parse.

    Examples
    --------
    >>> parse_fail_on("p99=+10%,score=-0.5pp")
    {'p99': 0.1, 'score': 0.005}
    """
    limits: dict[str, float] = {}
    example = "e.g. 'p99=+10%,p50=+20%,score=-0.5pp'"
    for raw in text.replace(";", ",").split(","):
        part = raw.strip()
        if not part:
            continue
        key, sep, value = part.partition("=")
        key, value = key.strip().lower().replace("p99.9", "p999"), value.strip().lower()
        if not sep or not value:
            raise SpecError(f"Cannot read --fail-on part {part!r}: write KEY=LIMIT, {example}.")
        if key in _LATENCY_KEYS:
            if not value.endswith("%"):
                raise SpecError(
                    f"--fail-on {key} needs a percentage increase such as {key}=+10%, "
                    f"not {value!r}."
                )
            number, scale = value[:-1], 0.01
        elif key == "score":
            if value.endswith("pp"):
                number, scale = value[:-2], 0.01
            elif value.endswith("%"):
                number, scale = value[:-1], 0.01
            else:
                number, scale = value, 1.0
        else:
            raise SpecError(
                f"Unknown --fail-on key {key!r}. Use p50, p90, p99, p999 or score, {example}."
            )
        try:
            amount = abs(float(number)) * scale
        except ValueError:
            raise SpecError(
                f"Cannot read the number in --fail-on part {part!r}, {example}."
            ) from None
        if key in limits:
            raise SpecError(f"--fail-on sets {key} twice. Set each limit once.")
        limits[key] = amount
    if not limits:
        raise SpecError(f"--fail-on is empty; give limits, {example}.")
    return limits


@dataclass
class _DiffRow:
    name: str
    ratios: dict[str, tuple[float, float, float]]
    score_name: str
    score_change: float
    score_p: float | None
    tripped: list[str] = field(default_factory=list)

    def significant(self, key: str) -> bool:
        _, low, high = self.ratios[key]
        return low > 1.0 or high < 1.0

    @property
    def score_significant(self) -> bool:
        return self.score_p is not None and self.score_p < 0.05


def _score_p_value(old: ModelResult, new: ModelResult) -> float | None:
    """Paired test when both runs scored the same rows, else a two-sample z-test."""
    import numpy as np

    from . import stats

    so, sn = old.score, new.score
    if so.name != sn.name:
        return None
    if so.rows_digest == sn.rows_digest and so.n == sn.n:
        if old.task == "classification":
            return float(stats.mcnemar_exact(so.correct, sn.correct).p_value)
        return float(stats.sign_flip_pvalue(sn.contributions() - so.contributions()))
    co, cn = np.asarray(so.contributions(), float), np.asarray(sn.contributions(), float)
    if co.size < 2 or cn.size < 2:
        return None
    se = math.sqrt(co.var(ddof=1) / co.size + cn.var(ddof=1) / cn.size)
    diff = float(cn.mean() - co.mean())
    if se == 0.0:
        return 1.0 if diff == 0.0 else 0.0
    return math.erfc(abs(diff) / se / math.sqrt(2.0))


def _diff_rows(old: Comparison, new: Comparison, keys: Sequence[str]) -> list[_DiffRow]:
    from . import stats

    rows = []
    for name in old.measured:
        if name not in new.results:
            continue
        ro, rn = old.results[name], new.results[name]
        ratios = {
            key: stats.bootstrap_quantile_ratio(
                ro.latency.sorted_ns, rn.latency.sorted_ns, _LATENCY_KEYS[key]
            )
            for key in keys
        }
        rows.append(
            _DiffRow(
                name=name,
                ratios=ratios,
                score_name=rn.score.name,
                score_change=rn.score.value - ro.score.value,
                score_p=_score_p_value(ro, rn),
            )
        )
    return rows


def _fmt_score_change(row: _DiffRow) -> str:
    if row.score_name == "accuracy":
        return f"{row.score_change * 100:+.2f} pp"
    return f"{row.score_change:+.4g}"


def cmd_diff(args: argparse.Namespace, state: _State) -> int:
    """``prodbench diff OLD.json NEW.json [--fail-on LIMITS]``.

    Returns 1 when a ``--fail-on`` limit is exceeded by a significant change.

    Examples
    --------
    >>> main(["diff", "old.json", "new.json", "--fail-on", "p99=+10%"])  # doctest: +SKIP
    0
    """
    from .verdict import Comparison

    limits = parse_fail_on(args.fail_on) if args.fail_on else {}
    old = Comparison.from_json(args.old)
    new = Comparison.from_json(args.new)
    keys = ["p50", "p99"] + [k for k in _LATENCY_KEYS if k in limits and k not in ("p50", "p99")]
    rows = _diff_rows(old, new, keys)
    for row in rows:
        for key, limit in limits.items():
            if key == "score":
                if row.score_change < -limit and row.score_significant:
                    row.tripped.append(f"score {_fmt_score_change(row)}")
            elif row.ratios[key][0] > 1.0 + limit and row.significant(key):
                row.tripped.append(f"{key} +{(row.ratios[key][0] - 1) * 100:.1f}%")
    only_old = [n for n in old.measured if n not in new.results]
    only_new = [n for n in new.measured if n not in old.results]

    if args.format == "json":
        import json

        payload = {
            "candidates": {
                r.name: {
                    **{
                        f"{k}_ratio": {"value": v[0], "low": v[1], "high": v[2]}
                        for k, v in r.ratios.items()
                    },
                    **{f"{k}_significant": r.significant(k) for k in r.ratios},
                    "score_name": r.score_name,
                    "score_change": r.score_change,
                    "score_p_value": r.score_p,
                    "score_significant": r.score_significant,
                    "tripped": r.tripped,
                }
                for r in rows
            },
            "only_in_old": only_old,
            "only_in_new": only_new,
            "fail_on": limits,
            "tripped": any(r.tripped for r in rows),
        }
        _print(json.dumps(payload, indent=2))
    else:
        _print(_diff_table(rows, keys, only_old, only_new, args.old, args.new))
    for row in rows:
        if row.tripped:
            sys.stderr.write(
                f"prodbench: {row.name}: --fail-on tripped: {', '.join(row.tripped)}\n"
            )
    return EXIT_BUDGET if any(r.tripped for r in rows) else EXIT_OK


def _diff_table(
    rows: list[_DiffRow],
    keys: Sequence[str],
    only_old: list[str],
    only_new: list[str],
    old_path: str,
    new_path: str,
) -> str:
    header = ["candidate", *(f"{k} new/old (95% CI)" for k in keys), "score change", "tripped"]
    body = []
    for r in rows:
        cells = [r.name]
        for k in keys:
            v, low, high = r.ratios[k]
            mark = " *" if r.significant(k) else ""
            cells.append(f"{v:.2f}x ({low:.2f}-{high:.2f}){mark}")
        p = "n/a" if r.score_p is None else f"p={r.score_p:.2g}"
        cells.append(f"{_fmt_score_change(r)} ({p}){' *' if r.score_significant else ''}")
        cells.append(", ".join(r.tripped) or "-")
        body.append(cells)
    lines = [f"diff {old_path} -> {new_path}"]
    if body:
        widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
        for row in [header, *body]:
            lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        lines.append("* significant (interval excludes no change; score p < 0.05)")
    else:
        lines.append("no candidate was measured in both files")
    if only_old:
        lines.append(f"only in {old_path}: {', '.join(only_old)}")
    if only_new:
        lines.append(f"only in {new_path}: {', '.join(only_new)}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- datasets
def cmd_datasets(args: argparse.Namespace, state: _State) -> int:
    """``prodbench datasets``: the bundled datasets with shapes and task.

    Examples
    --------
    >>> main(["datasets"])  # doctest: +SKIP
    0
    """
    from .data import list_datasets

    header = ("name", "rows", "features", "task", "description")
    body = [
        (d.name, f"{d.n_rows:,}", str(d.n_features), d.task, d.description) for d in list_datasets()
    ]
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(4)]
    lines = []
    for row in [header, *body]:
        cells = [
            row[0].ljust(widths[0]),
            row[1].rjust(widths[1]),
            row[2].rjust(widths[2]),
            row[3].ljust(widths[3]),
            row[4],
        ]
        lines.append("  ".join(cells))
    _print("\n".join(lines))
    return EXIT_OK


# --------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
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
    state = _State()
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
        func: Callable[[argparse.Namespace, _State], int] = args.func
        return func(args, state)
    except _UsageError as exc:
        _error(str(exc))
        return EXIT_USAGE
    except ProdbenchError as exc:
        state.clear_progress()
        if args is not None and getattr(args, "debug", False):
            raise
        _error(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        state.clear_progress()
        where = f"; partial results kept in {state.saved}" if state.saved else ""
        sys.stderr.write(f"prodbench: interrupted{where}\n")
        return EXIT_INTERRUPTED
