"""The command line: ``python -m prodbench compare|show|diff|datasets``.

A thin front end over :func:`prodbench.compare` and the saved-results API.
Nothing heavy is imported at module level (no scikit-learn, pandas, numpy or
scipy), so ``python -m prodbench --help`` answers at once; each subcommand
imports what it needs.

Exit codes, one rule for every command: when several apply, 2 (usage or
input error) before 3 (a candidate failed) before 1 (no eligible candidate
passes the budget, or a ``diff`` gate tripped or is undecided) before 0. With
a budget, 0 needs a candidate that PASSES it (an undecided one is not
enough); 130 interrupted. :func:`exit_code` applies the rule.
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

from .._version import __version__
from ..errors import CandidateError, ProdbenchError, SpecError

if TYPE_CHECKING:
    from ..progress import ProgressLine
    from ..results import ModelResult
    from ..verdict import Budget, Comparison

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
exit codes (one rule for every command; when several apply, the first listed
here wins: 2, then 3, then 1, then 0):
  2    usage or input error (bad option, unknown preset, bad data, corrupt
       JSON, diff with no candidate in common, a non-finite --fail-on limit),
       or --output/--plot could not be written after the run (results still
       printed)
  3    a candidate failed while the others were measured (results still
       printed and saved); for diff, a candidate of OLD failed in NEW. A
       runtime that cannot compile a candidate (--runtime) is reported, not
       a failure
  1    no eligible candidate PASSES the budget (every one fails it or is
       undecided: there is no production pick), or a diff --fail-on gate
       tripped or is undecided (unless --on-undecided pass)
  0    done; with a budget, a candidate PASSES it and is the production pick
  130  interrupted (Ctrl-C); with --output, finished candidates are kept
"""


def exit_code(
    *,
    failed: bool = False,
    budget_unmet: bool = False,
) -> int:
    """The one exit-code rule: 3 (a candidate failed) before 1 (budget unmet or gate) before 0.

    Usage and input errors (2) are raised as :class:`ProdbenchError` before
    any result exists, so they come first by construction.

    Examples
    --------
    >>> exit_code(failed=True, budget_unmet=True), exit_code(budget_unmet=True), exit_code()
    (3, 1, 0)
    """
    if failed:
        return EXIT_CANDIDATE_FAILED
    if budget_unmet:
        return EXIT_BUDGET
    return EXIT_OK


SECURITY_HELP = """\
security: loading a model file (.joblib/.pkl/.pickle) unpickles it, and
--candidates FILE.py runs that file: both run code from the file. Use only
files you trust. A module:Class spec imports its module (running its top-level
code); the class is then created only if it defines fit and predict.
"""

CANDIDATE_HELP = f"""\
candidates (two or more; none runs the default comparison):
  PRESET                  logreg, forest, hgb, knn, ensemble (soft vote of
                          logreg + forest), stacking; the regressor
                          counterpart is chosen when the target is continuous;
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
    progress: ProgressLine | None = None
    output: str | None = None  # --output, when given
    finished: list[str] = field(default_factory=list)  # candidates in the saved file
    save_errors: dict[str, str] = field(default_factory=dict)
    failures: dict[str, ProdbenchError] = field(default_factory=dict)  # for partial saves

    def record_failure(self, name: str, error: ProdbenchError) -> None:
        """``on_failure`` of :func:`prodbench.compare`: kept for partial saves."""
        self.failures[name] = error

    def interrupted(self) -> str:
        """What Ctrl-C leaves behind, in one line."""
        if self.saved:
            done = ", ".join(self.finished)
            return f"interrupted; finished candidates ({done}) saved in {self.saved}"
        if self.output:
            return f"interrupted before any candidate finished; {self.output} not written"
        return "interrupted; nothing saved (--output FILE keeps finished candidates)"

    def clear_progress(self) -> None:
        if self.progress is not None:
            self.progress.clear()


# --------------------------------------------------------------------------- parser
def _add_format(parser: Any, choices: Sequence[str] = FORMATS) -> None:
    parser.add_argument(
        "--format",
        choices=choices,
        default="table",
        help="what stdout carries (default: table)",
    )


SCORINGS = ("accuracy", "r2", "neg_mean_absolute_error", "neg_mean_squared_error")
"""stats.SCORERS' names, spelled out so --help does not import numpy (tests check they agree)."""


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
        "  prodbench presets                      # what each preset is\n"
        "  prodbench compare --help               # every option, with examples\n\n"
        + EXIT_CODES_HELP
        + "\n"
        + SECURITY_HELP,
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
        help="a Python file defining CANDIDATES = {name: estimator} (runs the file; "
        "repeatable) (default: none)",
    )
    data = p.add_argument_group("data")
    data.add_argument(
        "--data",
        metavar="SPEC",
        help="breast_cancer, digits, wine, iris, diabetes, synthetic, "
        "synthetic:n_samples=...,n_features=..., or a .csv/.parquet path "
        f"(default: {DEFAULT_DATA})",
    )
    data.add_argument(
        "--target",
        metavar="COLUMN",
        help="target column of a CSV/Parquet file (required for a file; default: none)",
    )
    data.add_argument(
        "--test-data",
        metavar="FILE",
        help="held-out rows (.csv/.parquet, same columns as --data) to score and time on; "
        "a fitted model file is scored only on rows named held-out: this file, or all of "
        "--data when every candidate is a fitted file (default: a random --test-size split "
        "of --data)",
    )
    data.add_argument(
        "--rows",
        type=int,
        help="rows of synthetic data, or a subset of a file (default: all rows; 20,000 synthetic)",
    )
    data.add_argument("--features", type=int, help="features of synthetic data (default: 20)")
    data.add_argument(
        "--test-size", type=float, default=0.25, help="held-out fraction (default: 0.25)"
    )
    data.add_argument(
        "--seed", type=int, default=0, help="seed of data, split and requests (default: 0)"
    )
    run = p.add_argument_group("measurement")
    run.add_argument(
        "--baseline", metavar="NAME", help="candidate to compare with (default: the first)"
    )
    run.add_argument(
        "--budget",
        metavar="LIMITS",
        help=f"latency/size limits, e.g. 'p99=5ms,p50=1ms,size=10MB' (default: "
        f"{DEFAULT_BUDGET} in the default run, else none)",
    )
    run.add_argument(
        "--max-time",
        type=float,
        metavar="SECONDS",
        help="latency sampling time per candidate, spent where the intervals need it; "
        f"no other phase takes longer (default: {DEFAULT_MAX_TIME:g})",
    )
    run.add_argument(
        "--max-fit-time",
        type=float,
        metavar="SECONDS",
        help="stop refitting (3 fits) after this many seconds per candidate (default: 60, "
        f"or {DEFAULT_MAX_FIT_TIME:g} in the default run)",
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
    run.add_argument(
        "--method",
        choices=("predict", "predict_proba"),
        default="predict",
        help="the method each request calls and the score uses (default: predict)",
    )
    run.add_argument(
        "--scoring",
        choices=SCORINGS,
        help="the score on the test rows (default: accuracy for classification, r2 for regression)",
    )
    run.add_argument(
        "--precision",
        type=float,
        default=0.05,
        metavar="FRACTION",
        help="latency sampling may stop early once the p50/p90/p99 intervals are within "
        "this relative half-width (default: 0.05)",
    )
    run.add_argument(
        "--request-format",
        choices=("auto", "numpy", "pandas"),
        default="auto",
        help="the type of each one-row request: 'auto' sends the type the model was fitted "
        "on (presets are fitted on numpy arrays; a fitted model file with column names, "
        "feature_names_in_, gets DataFrames); 'pandas' fits and times every candidate on "
        "DataFrames (default: auto)",
    )
    run.add_argument(
        "--batch-sizes",
        type=_batch_sizes_arg,
        default=(1, 10, 100, 1000),
        metavar="N,N,...",
        help="bulk predict batch sizes; the whole test set is added, larger ones skipped "
        "(default: 1,10,100,1000)",
    )
    run.add_argument(
        "--no-isolate",
        dest="isolate",
        action="store_false",
        help="measure candidates in this process instead of one worker process each "
        "(saves ~2 s of start-up; a crash or a hang in a model then ends the whole run) "
        "(default: one worker process per candidate)",
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
        "--price-per-core-hour",
        type=float,
        metavar="USD",
        help="for the cost per million predictions (default: 0.05)",
    )
    run.add_argument(
        "--runtime",
        metavar="onnx,treelite|auto",
        help="also measure each candidate compiled for faster runtimes, as NAME@RUNTIME "
        "(onnx: skl2onnx + ONNX Runtime; treelite: treelite GTIL), with parity checked on "
        "the test rows; 'auto' keeps the fastest runtime with parity per candidate "
        "(default: scikit-learn only)",
    )
    run.add_argument(
        "--qps",
        type=float,
        metavar="RATE",
        help="target requests per second: adds the capacity section (workers needed, p99 "
        "and cost at that load, simulated from the measured latencies; needs a percentile "
        "budget) (default: none)",
    )
    out = p.add_argument_group("output")
    _add_format(out)
    out.add_argument(
        "--output",
        metavar="FILE.json",
        help="save results as JSON: raw samples and a summary, updated as each candidate "
        "finishes (default: not saved)",
    )
    out.add_argument(
        "--plot", metavar="FILE", help="save a figure (needs matplotlib) (default: none)"
    )
    out.add_argument(
        "--quiet",
        action="store_true",
        help="no progress line on stderr (default: shown on a terminal)",
    )
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser(
        "show",
        help="render saved results",
        description=(
            "Render a results file written by compare --output. Exits by the same rule "
            "as compare, on the saved run."
        ),
        epilog="example:\n  prodbench show results.json --format markdown\n\n" + EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    p.add_argument("results", metavar="RESULTS.json")
    _add_format(p)
    p.add_argument(
        "--plot", metavar="FILE", help="save a figure (needs matplotlib) (default: none)"
    )
    p.set_defaults(func=cmd_show)

    p = sub.add_parser(
        "diff",
        help="compare two saved runs (for CI)",
        description=(
            "Per candidate present in both files: p50 and p99 of both runs (n, "
            "under-sampled ones marked), the ratio new/old with a distribution-free 95% "
            "interval, and the score change with its interval and p-value. The runs' "
            "environments (CPU, versions, thread policy, load, data) are compared and "
            "differences warned about. A --fail-on gate trips (exit 1) only when the "
            "interval lies beyond the limit: p99=+10% trips when the ratio's lower bound "
            "exceeds 1.10. Gates (candidates x limits) are Holm-controlled at 5% "
            "family-wise. A gate no interval can decide (say, the old run's p99 has no "
            "upper bound) is UNDECIDED and fails unless --on-undecided pass."
        ),
        epilog=(
            "--fail-on limits: p50/p90/p99/p999=+N% (latency increase),\n"
            "score=-Npp (drop in percentage points of an accuracy-like score)\n"
            "or score=-N (drop in score units).\n\n"
            "examples:\n"
            "  prodbench diff old.json new.json\n"
            "  prodbench diff old.json new.json --fail-on 'p99=+10%,score=-0.5pp'\n"
            "  prodbench diff old.json new.json --fail-on p99=+10% --on-undecided pass\n\n"
            + EXIT_CODES_HELP
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    p.add_argument("old", metavar="OLD.json")
    p.add_argument("new", metavar="NEW.json")
    p.add_argument(
        "--fail-on",
        metavar="LIMITS",
        help="gates, e.g. 'p99=+10%%,p50=+20%%,score=-0.5pp' (default: none, only report)",
    )
    p.add_argument(
        "--on-undecided",
        choices=("fail", "pass"),
        default="fail",
        help="what a gate that no interval can decide does (default: fail, exit 1)",
    )
    _add_format(p, ("table", "json"))
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser(
        "datasets",
        help="list the bundled datasets",
        description="The bundled datasets and the synthetic one, with shapes and task.",
        epilog="examples:\n  prodbench datasets\n  prodbench compare logreg knn --data wine\n\n"
        + EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    p.set_defaults(func=cmd_datasets)

    p = sub.add_parser(
        "presets",
        help="list the preset candidates and what each is",
        description="The preset names compare accepts, each with the model it builds "
        "(classifier, and the regressor used when the target is continuous).",
        epilog="examples:\n  prodbench presets\n  prodbench compare logreg knn forest\n\n"
        + EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    p.set_defaults(func=cmd_presets)

    from .serving import add_serving_commands

    add_serving_commands(sub, common, _add_format)
    _add_sweep_parser(sub, common)
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
    from .. import report

    if fmt == "table":
        return report.render_text(cmp, cli=True)
    if fmt == "markdown":
        return cmp.to_markdown()

    render = getattr(report, f"render_{fmt}")  # render_json, render_csv
    return str(render(cmp))


def _save_plot(cmp: Comparison, path: str) -> None:
    from ..results import atomic_path

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
        fd, probe = tempfile.mkstemp(
            prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=parent
        )
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise SpecError(
            f"{option} {path!r} cannot be written: {exc.strerror or exc}. Choose a path in a "
            "writable directory."
        ) from None


def _check_plot_path(path: str) -> None:
    """``--plot``: writable, a format matplotlib can save, and matplotlib installed."""
    from ..errors import MissingDependencyError

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


def _runtimes_arg(text: str | None) -> tuple[str, ...]:
    """``--runtime onnx,treelite`` -> ("sklearn", "onnx", "treelite"); "auto" as it is."""
    if text is None:
        return ("sklearn",)
    names = [part.strip() for part in text.split(",") if part.strip()]
    known = ("sklearn", "onnx", "treelite", "auto")
    bad = [n for n in names if n not in known]
    if bad or not names or ("auto" in names and len(names) > 1):
        raise SpecError(
            f"--runtime {text!r} is not understood: write a comma-separated list of onnx, "
            "treelite (scikit-learn is always measured too), e.g. --runtime onnx,treelite, "
            "or --runtime auto for the fastest runtime with parity per candidate."
        )
    if names == ["auto"]:
        return ("sklearn", "auto")
    return ("sklearn", *(n for n in dict.fromkeys(names) if n != "sklearn"))


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
    """How to name apart two candidates called ``name``, with a NAME=SPEC that works."""
    from ..models import _split_name

    k = 2
    while f"{name}-{k}" in taken:
        k += 1
    if source == name:  # from a --candidates file: its key is the name
        return (
            f"Rename one: its key in the --candidates file, or NAME=SPEC on the command "
            f"line, e.g. to {name}-{k}."
        )
    spec = _split_name(source)[1] if "=" in source else source
    return f"Name them apart with NAME=SPEC, e.g. {name}-{k}={spec}."


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
    _check_compare_options(args)  # first: a bad --output/--plot fails before heavy imports
    from ..verdict import Budget

    default_run = not args.candidates and not args.candidates_file
    if not (0.0 < args.test_size < 1.0):
        raise SpecError(
            f"--test-size must be between 0 and 1 (exclusive), e.g. 0.25; got {args.test_size:g}."
        )
    _check_positive(args.max_time, "--max-time")
    _check_positive(args.max_fit_time, "--max-fit-time")
    _check_positive(args.call_timeout, "--call-timeout")
    runtimes = _runtimes_arg(args.runtime)
    budget_text = args.budget if args.budget is not None else None
    if budget_text is None and default_run:
        budget_text = DEFAULT_BUDGET
    budget: Budget | None = None if budget_text is None else Budget.parse(budget_text)
    if args.qps is not None:
        from ..serving import percentile_limits
        from .serving import check_qps

        check_qps(args.qps)
        percentile_limits(budget)  # --qps needs a percentile budget: say so before measuring

    from ..data import load_dataset
    from ..models import load_candidates_file, parse_candidate

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
    named: dict[str, Any] = {}
    fitted: dict[str, bool] = {}

    def add(name: str, model: Any, is_fitted: bool, source: str) -> None:
        if name in named:
            raise CandidateError(
                f"Two candidates are named {name!r}. {_duplicate_hint(name, source, named)}"
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

    X, y, X_test, y_test, warnings = _held_out(args, dataset, held_out, fitted)
    max_time = args.max_time if args.max_time is not None else DEFAULT_MAX_TIME
    max_fit_time = args.max_fit_time
    if max_fit_time is None:
        max_fit_time = DEFAULT_MAX_FIT_TIME if default_run else 60.0

    from ..progress import ProgressLine

    progress = None
    if not args.quiet and sys.stderr.isatty():
        progress = ProgressLine(list(named), max_time, file=sys.stderr)
    state.progress = progress
    state.output = args.output
    on_result = _saver(args.output, list(named), baseline, budget, state)

    import prodbench as pb

    from ..errors import CallbackError

    # The same protocol as the library: the thread policy is applied per
    # phase by compare(), never to the whole run here.
    callback_error: CallbackError | None = None
    with to_stderr:
        try:
            cmp = pb.compare(
                named,
                X,
                y,
                X_test=X_test,
                y_test=y_test,
                baseline=baseline,
                budget=budget,
                fit={n: not f for n, f in fitted.items()},
                test_size=args.test_size,
                method=args.method,
                scoring=args.scoring,
                precision=args.precision,
                request_format=args.request_format,
                batch_sizes=args.batch_sizes,
                threads=args.threads,
                max_time=max_time,
                max_fit_time=max_fit_time,
                random_state=args.seed,
                progress=progress if progress is not None else False,
                on_result=on_result,
                on_failure=state.record_failure,
                price_per_core_hour=args.price_per_core_hour,
                isolate=args.isolate,
                call_timeout=args.call_timeout,
                runtimes=runtimes,
            )
        except CallbackError as exc:  # every candidate was measured: keep the results
            callback_error, cmp = exc, exc.comparison
    state.clear_progress()
    if warnings:  # shown under the table in every format, and kept in --output
        import dataclasses

        cmp = dataclasses.replace(
            cmp, options={**cmp.options, "warnings": [*cmp.options.get("warnings", []), *warnings]}
        )
    if args.qps is not None:  # the capacity section and the stakeholders at the target rate
        import dataclasses

        cmp = dataclasses.replace(cmp, options={**cmp.options, "qps": args.qps})
    if args.output:
        from ..report.jsonfmt import to_json_dict
        from ..results import write_json_atomic

        if _save(
            "results", args.output, lambda: write_json_atomic(args.output, to_json_dict(cmp)), state
        ):
            state.saved = args.output
    for failure in cmp.failures.values():
        what = "runtime variant not compiled" if failure.phase == "compile" else "candidate failed"
        sys.stderr.write(f"prodbench: {what}: {_one_line(failure.message)}\n")
    _print(_render(cmp, args.format))
    if args.plot:
        _save("figure", args.plot, lambda: _save_plot(cmp, args.plot), state)
    if callback_error is not None:
        _error(str(callback_error))
    code = _report_save_errors(state)
    if code is not None or callback_error is not None:
        return code or EXIT_USAGE
    return _comparison_exit(cmp)


def _comparison_exit(cmp: Comparison) -> int:
    """The exit rule for a comparison, saying on stderr why it is not 0."""
    unmet = bool(cmp.budget) and bool(cmp.measured) and cmp.production_pick is None
    if unmet:
        failing = [n for n in cmp.measured if cmp.budget_overall(n) == "fail"]
        parts = [f"fails: {', '.join(failing)}"] if failing else []
        if cmp.undecided:
            parts.append(
                f"undecided: {', '.join(cmp.undecided)} (raise --max-time to decide; "
                "see the verdict)"
            )
        sys.stderr.write(
            f"prodbench: no candidate passes the budget {cmp.budget} ({'; '.join(parts)})\n"
        )
    # A runtime refusing a candidate (--runtime) is reported, not a failure of the run.
    failed = any(f.phase != "compile" for f in cmp.failures.values())
    return exit_code(failed=failed, budget_unmet=unmet)


def _as_arrays(X: Any, request_format: str) -> Any:
    """Numbers-only DataFrames become float arrays unless DataFrames were asked for.

    Presets are then fitted and timed on numpy arrays (one-row DataFrames cost
    several times a model's own predict); text columns keep the frame.
    """
    if request_format == "pandas" or not hasattr(X, "select_dtypes"):
        return X
    if X.select_dtypes(include="number").shape[1] != X.shape[1]:
        return X
    return X.to_numpy(dtype=float)


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
        partial = Comparison.build(
            names=names + [n for n in done if n not in names],  # with NAME@RUNTIME variants
            results=done,
            failures={n: e for n, e in state.failures.items() if n not in done},
            baseline=baseline,
            budget=budget,
            options={"partial": True, "finished": list(done)},
        )
        if _save(
            "partial results", output, lambda: write_json_atomic(output, partial.to_dict()), state
        ):
            state.saved = output
            state.finished = [n for n in names if n in done]

    return on_result


# --------------------------------------------------------------------------- show
def cmd_show(args: argparse.Namespace, state: _State) -> int:
    """``prodbench show RESULTS.json``: render saved results.

    Exits by the same rule as ``compare`` on the saved run (3 a candidate
    failed, 1 no candidate passes the budget, else 0).

    Examples
    --------
    >>> main(["show", "results.json", "--format", "markdown"])  # doctest: +SKIP
    0
    """
    from ..results import load_json
    from ..verdict import Comparison

    if args.plot:
        _check_plot_path(args.plot)
    data = load_json(args.results)  # read once; its "kind" says what it holds
    if isinstance(data, dict) and data.get("kind") == "Sweep":
        return _show_sweep(data, args, state)
    cmp = Comparison.from_dict(data)
    _print(_render(cmp, args.format))
    if args.plot:
        _save("figure", args.plot, lambda: _save_plot(cmp, args.plot), state)
    return _report_save_errors(state) or _comparison_exit(cmp)


# --------------------------------------------------------------------------- diff
def parse_fail_on(text: str) -> dict[str, float]:
    """Parse ``"p99=+10%,score=-0.5pp"``; see :func:`prodbench.diff.parse_fail_on`.

    Examples
    --------
    >>> parse_fail_on("p99=+10%,score=-0.5pp")
    {'p99': 0.1, 'score': 0.005}
    """
    from ..diff import parse_fail_on as parse

    return parse(text)


def cmd_diff(args: argparse.Namespace, state: _State) -> int:
    """``prodbench diff OLD.json NEW.json [--fail-on LIMITS] [--on-undecided fail|pass]``.

    Returns the exit code by the one rule of every command: 2 usage or input
    (no candidate in common, a bad limit), 3 a candidate measured in OLD
    failed in NEW, 1 a gate tripped or is undecided (unless ``--on-undecided
    pass``), else 0.

    Examples
    --------
    >>> main(["diff", "old.json", "new.json", "--fail-on", "p99=+10%"])  # doctest: +SKIP
    0
    """
    from ..diff import diff_runs, render_diff
    from ..verdict import Comparison

    limits = parse_fail_on(args.fail_on) if args.fail_on else {}
    old = Comparison.from_json(args.old)
    new = Comparison.from_json(args.new)
    diff = diff_runs(old, new, limits)
    if args.format == "json":
        import json

        _print(json.dumps(diff.to_dict(), indent=2, allow_nan=False))
    else:
        _print(render_diff(diff, args.old, args.new))
    for warning in diff.warnings:
        sys.stderr.write(f"prodbench: warning: {_one_line(warning)}\n")
    for gate in diff.tripped:
        sys.stderr.write(f"prodbench: --fail-on tripped: {_one_line(gate.describe())}\n")
    undecided_fails = args.on_undecided == "fail"
    for gate in diff.undecided:
        what = "fails" if undecided_fails else "passes (--on-undecided pass)"
        sys.stderr.write(f"prodbench: --fail-on gate {what}: {_one_line(gate.describe())}\n")
    if diff.failed_new:
        sys.stderr.write(
            f"prodbench: candidate(s) failed in {args.new}: {', '.join(diff.failed_new)}\n"
        )
    return exit_code(
        failed=bool(diff.failed_new),
        budget_unmet=bool(diff.tripped) or (bool(diff.undecided) and undecided_fails),
    )


# --------------------------------------------------------------------------- sweep
SWEEP_DATA_DEFAULT: tuple[str, ...] = ("digits", "wine", "breast_cancer")

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

exit codes (over all cases; one rule for every command; when several apply:
2, then 3, then 1, then 0):
  2    usage or input error
  3    a case, or a candidate in a case, failed
  1    a case has no production pick (no candidate PASSES the budget)
  0    done; with a budget, every case has a production pick
  130  interrupted (Ctrl-C); with --output, finished cases are kept
"""


def _add_sweep_parser(sub: Any, common: argparse.ArgumentParser) -> None:
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
            + SECURITY_HELP
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    p.add_argument("candidates", nargs="*", metavar="CANDIDATE", help="as for compare")
    p.add_argument(
        "--candidates",
        dest="candidates_file",
        action="append",
        metavar="FILE.py",
        help="a Python file defining CANDIDATES = {name: estimator} (runs the file) "
        "(default: none)",
    )
    data = p.add_argument_group("data")
    data.add_argument(
        "--data",
        action="append",
        metavar="SPEC",
        help="one case per --data (repeat it): a bundled name, synthetic:..., or a "
        f".csv/.parquet path (default: {', '.join(SWEEP_DATA_DEFAULT)})",
    )
    data.add_argument(
        "--target",
        metavar="COLUMN",
        help="target column of CSV/Parquet files (required for a file; default: none)",
    )
    data.add_argument(
        "--rows", type=int, help="rows of synthetic data, or a subset of each set (default: all)"
    )
    data.add_argument("--features", type=int, help="features of synthetic data (default: 20)")
    data.add_argument(
        "--test-size", type=float, default=0.25, help="held-out fraction (default: 0.25)"
    )
    data.add_argument(
        "--seed", type=int, default=0, help="seed of data, split, requests (default: 0)"
    )
    run = p.add_argument_group("measurement (every case)")
    run.add_argument(
        "--baseline", metavar="NAME", help="candidate to compare with (default: the first)"
    )
    run.add_argument(
        "--budget",
        metavar="LIMITS",
        help="e.g. 'p99=5ms,p50=1ms,size=10MB' (default: "
        f"{DEFAULT_BUDGET} in the default run, else none)",
    )
    run.add_argument(
        "--max-time",
        type=float,
        metavar="SECONDS",
        help=f"latency sampling time per candidate (default: {DEFAULT_MAX_TIME:g})",
    )
    run.add_argument(
        "--max-fit-time",
        type=float,
        metavar="SECONDS",
        help="stop refitting after this long (default: 60, "
        f"or {DEFAULT_MAX_FIT_TIME:g} in the default run)",
    )
    run.add_argument(
        "--threads",
        type=_threads_arg,
        default="serving",
        metavar="serving|none|N",
        help="native thread pools, as for compare (default: serving); on Dask workers the "
        "nanny's OMP/MKL/OPENBLAS_NUM_THREADS=1 applies too (see the README)",
    )
    run.add_argument(
        "--runtime",
        metavar="onnx,treelite|auto",
        help="also measure each candidate compiled for faster runtimes, as for compare "
        "(default: scikit-learn only)",
    )
    run.add_argument(
        "--no-isolate",
        dest="isolate",
        action="store_false",
        help="measure each case's candidates in the process running the case instead of one "
        "worker process each (a crash or a hang in a model then ends that case, or hangs it "
        "on a Dask worker, where --call-timeout cannot interrupt a call) (default: one "
        "worker process per candidate)",
    )
    run.add_argument(
        "--call-timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="a single fit or predict call longer than this fails its candidate with 'timeout' "
        "(default: 60)",
    )
    run.add_argument(
        "--method",
        choices=("predict", "predict_proba"),
        default="predict",
        help="the method each request calls (default: predict)",
    )
    run.add_argument(
        "--price-per-core-hour",
        type=float,
        metavar="USD",
        help="for the cost per prediction (default: 0.05)",
    )
    where = p.add_argument_group("where cases run")
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="tcp://host:8786 (a Dask scheduler) or local:N (N local worker processes); "
        "default: one case after another here",
    )
    where.add_argument(
        "--shared-hosts",
        action="store_true",
        help="let several cases measure at once on one host (off by default)",
    )
    out = p.add_argument_group("output")
    _add_format(out)
    out.add_argument(
        "--output", metavar="FILE.json", help="save the sweep after every case (default: not saved)"
    )
    out.add_argument(
        "--resume", metavar="FILE.json", help="skip the cases finished in FILE (default: run all)"
    )
    out.add_argument(
        "--plot", metavar="FILE", help="save a figure (needs matplotlib) (default: none)"
    )
    out.add_argument(
        "--quiet", action="store_true", help="no per-case progress on stderr (default: shown)"
    )
    p.set_defaults(func=cmd_sweep)


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


def _sweep_exit_code(sw: Any) -> int:
    """The one rule over all cases: a failed case counts as a failed candidate."""
    return exit_code(
        failed=bool(sw.failures) or any(not cmp.ok for cmp in sw.comparisons.values()),
        budget_unmet=bool(sw.budget) and bool(sw.summary.no_production_pick),
    )


def _save_sweep_plot(sw: Any, path: str) -> None:
    if "matplotlib" not in sys.modules:
        os.environ.setdefault("MPLBACKEND", "Agg")
    fig = sw.plot()
    fig.savefig(path, dpi=120, bbox_inches="tight")


def cmd_sweep(args: argparse.Namespace, state: _State) -> int:
    """``prodbench sweep``: one comparison per --data, here or on a Dask cluster.

    Returns the exit code over all cases: 3 if a case (or a candidate in
    one) failed, 1 if a case has no production pick under the budget, else 0.

    Examples
    --------
    >>> main(["sweep", "logreg", "knn", "--data", "iris", "--data", "wine",
    ...       "--max-time", "0.2", "--quiet"])  # doctest: +SKIP
    0
    """
    import warnings

    from ..models import load_candidates_file, parse_candidate
    from ..sweeps import SweepInterrupted, sweep
    from ..verdict import Budget

    default_run = not args.candidates and not args.candidates_file
    if not (0.0 < args.test_size < 1.0):
        raise SpecError(
            f"--test-size must be between 0 and 1 (exclusive), e.g. 0.25; got {args.test_size:g}."
        )
    _check_positive(args.max_time, "--max-time")
    _check_positive(args.max_fit_time, "--max-fit-time")
    _check_positive(args.call_timeout, "--call-timeout")
    _check_compare_options(args)  # --output, --plot, --price-per-core-hour, before measuring
    runtimes = _runtimes_arg(args.runtime)
    budget_text = (
        args.budget if args.budget is not None else (DEFAULT_BUDGET if default_run else None)
    )
    budget = None if budget_text is None else Budget.parse(budget_text)
    data, tasks = _sweep_data(args)
    from_files: dict[str, Any] = {}
    for path in args.candidates_file or ():
        from_files.update(load_candidates_file(path))
    texts = args.candidates or (() if args.candidates_file else DEFAULT_CANDIDATES)
    fitted: dict[str, bool] = {}

    def candidates(case: str) -> dict[str, Any]:
        named: dict[str, Any] = {}
        for text in texts:
            cand = parse_candidate(text, tasks[case])
            if cand.name in named:
                raise CandidateError(
                    f"Two candidates are named {cand.name!r}. Name them apart with NAME=SPEC, "
                    f"e.g. {cand.name}-2={cand.source}."
                )
            named[cand.name] = cand.estimator
            fitted[cand.name] = cand.fitted
        for name, model in from_files.items():
            if name in named:
                raise CandidateError(f"Two candidates are named {name!r}. Rename one.")
            named[name] = model
            fitted[name] = False
        return named

    first = candidates(next(iter(data)))  # parse errors surface before anything runs
    if len(first) < 2:
        raise CandidateError(
            f"sweep needs at least two candidates, got {len(first)}. Add another, "
            "e.g. 'prodbench sweep logreg ensemble'."
        )
    baseline = args.baseline if args.baseline is not None else next(iter(first))
    if baseline not in first:
        raise CandidateError(f"Unknown --baseline {baseline!r}. Choose one of: {', '.join(first)}.")
    max_time = args.max_time if args.max_time is not None else DEFAULT_MAX_TIME
    max_fit_time = args.max_fit_time
    if max_fit_time is None:
        max_fit_time = DEFAULT_MAX_FIT_TIME if default_run else 60.0

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

    shown: set[str] = set()
    original_showwarning = warnings.showwarning

    def show_warning(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        # The sweep's own warnings (local workers sharing cores, CPU models that
        # differ) as one prodbench line each, at once; any other warning as usual.
        if (
            os.path.dirname(filename) == os.path.dirname(os.path.dirname(__file__))
            or "prodbench" in filename
        ):
            text = _one_line(str(message))
            if text not in shown:
                sys.stderr.write(f"prodbench: warning: {text}\n")
                shown.add(text)
            return
        original_showwarning(message, category, filename, lineno, file, line)

    try:
        with warnings.catch_warnings():
            warnings.showwarning = show_warning
            sw = sweep(
                data,
                candidates,
                budget=budget,
                client=args.scheduler or None,
                exclusive_hosts=not args.shared_hosts,
                output=args.output,
                resume=args.resume,
                progress=progress,
                baseline=baseline,
                fit={n: not f for n, f in fitted.items()},
                test_size=args.test_size,
                method=args.method,
                threads=args.threads,
                runtimes=runtimes,
                isolate=args.isolate,
                call_timeout=args.call_timeout,
                max_time=max_time,
                max_fit_time=max_fit_time,
                random_state=args.seed,
                price_per_core_hour=args.price_per_core_hour,
            )
    except SweepInterrupted as exc:
        if args.output and exc.sweep.comparisons:
            state.saved = args.output
        raise
    for text in sw.warnings:
        if _one_line(text) not in shown:
            sys.stderr.write(f"prodbench: warning: {_one_line(text)}\n")
    for case, failure in sw.failures.items():
        sys.stderr.write(f"prodbench: case {case} failed: {_one_line(failure.reason)}\n")
    if args.output:  # saved after every case; again here, so a failed save is reported
        _save("sweep", args.output, lambda: sw.to_json(args.output), state)
    from ..report.sweep import RENDERERS

    _print(RENDERERS[args.format](sw))
    if args.plot:
        _save("figure", args.plot, lambda: _save_sweep_plot(sw, args.plot), state)
    return _report_save_errors(state) or _sweep_exit_code(sw)


def _show_sweep(data: Any, args: argparse.Namespace, state: _State) -> int:
    from ..report.sweep import RENDERERS
    from ..sweeps import Sweep

    sw = Sweep.from_dict(data)
    _print(RENDERERS[args.format](sw))
    if args.plot:
        _save("figure", args.plot, lambda: _save_sweep_plot(sw, args.plot), state)
    # The same rule as the sweep that wrote the file (and as show of a comparison).
    return _report_save_errors(state) or _sweep_exit_code(sw)


# --------------------------------------------------------------------------- datasets
def cmd_datasets(args: argparse.Namespace, state: _State) -> int:
    """``prodbench datasets``: the bundled datasets with shapes and task.

    Examples
    --------
    >>> main(["datasets"])  # doctest: +SKIP
    0
    """
    from ..data import list_datasets

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


def cmd_presets(args: argparse.Namespace, state: _State) -> int:
    """``prodbench presets``: each preset name and the model it builds.

    Examples
    --------
    >>> main(["presets"])  # doctest: +SKIP
    0
    """
    import textwrap

    from ..models import PRESETS

    width = max(len(name) for name in PRESETS)
    lines = ["preset".ljust(width) + "  what it is"]
    for name, (description, _) in PRESETS.items():
        lines += textwrap.wrap(
            description,
            78,
            initial_indent=name.ljust(width) + "  ",
            subsequent_indent=" " * (width + 2),
            break_on_hyphens=False,
        )
    lines += [
        "",
        "All are seeded with random_state=0; the regressor is used when the target",
        "is continuous. Name one on the command line with NAME=PRESET, e.g. lone=logreg.",
    ]
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
