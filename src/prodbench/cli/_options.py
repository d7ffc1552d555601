"""The measurement options ``compare`` and ``sweep`` share, defined once, and what they build.

Each option is one :class:`_Option`: its flags, argparse settings and help,
with what the sweep parser says (or does) differently beside it. A command
lists its options in help order, shared ones by flag and its own as
``_Option`` objects (:func:`add_measurement_options`); both commands then
build the same keywords for :func:`prodbench.compare` /
:func:`prodbench.sweep` (:func:`measurement_kwargs`) and read their
candidates the same way (:func:`read_candidates`).

Only the standard library is imported at module level.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ..errors import CandidateError, SpecError
from ._common import FORMAT_HELP, FORMATS, check_output_paths

# The run of ``python -m prodbench compare`` with no candidates: a lone model
# against an ensemble, on scikit-learn's digits, within ~30 s on 2 cores.
DEFAULT_CANDIDATES: tuple[str, ...] = ("logreg", "ensemble")
DEFAULT_DATA = "digits"
DEFAULT_MAX_TIME = 5.0
DEFAULT_MAX_FIT_TIME = 3.0
DEFAULT_BUDGET = "p99=2ms"
DEFAULT_THREADS = "serving"
MAX_FIT_TIME = 60.0  # --max-fit-time when candidates are named
SWEEP_DATA_DEFAULT: tuple[str, ...] = ("digits", "wine", "breast_cancer")


@dataclass(frozen=True)
class _Option:
    """One command-line option: flags, argparse settings and help, defined once.

    ``sweep`` holds what the sweep parser says or does differently (its
    ``help``, or ``action="append"`` for ``--data``).
    """

    flags: tuple[str, ...]
    help: str
    settings: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    sweep: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def add_to(self, parser: Any, command: str = "compare") -> None:
        """Add the option to ``parser`` (or an argument group) as ``command`` spells it."""
        settings = {**self.settings, "help": self.help}
        if command == "sweep":
            settings.update(self.sweep)
        parser.add_argument(*self.flags, **settings)


def _option(
    *flags: str,
    help: str,
    sweep: str | None = None,
    sweep_settings: Mapping[str, Any] | None = None,
    **settings: Any,
) -> _Option:
    """An :class:`_Option`; ``sweep`` is the sweep parser's help when it differs."""
    differs = {**(sweep_settings or {}), **({"help": sweep} if sweep is not None else {})}
    return _Option(flags, help, MappingProxyType(settings), MappingProxyType(differs))


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


_SHARED = (
    _option(
        "candidates",
        nargs="*",
        metavar="CANDIDATE",
        help="a preset, module:Class(k=v) spec or model file (forms: see below)",
        sweep="a preset, module:Class(k=v) spec or model file, as for compare",
    ),
    _option(
        "--candidates",
        dest="candidates_file",
        action="append",
        metavar="FILE.py",
        help="a Python file defining CANDIDATES = {name: estimator} (runs the file; "
        "repeatable) (default: none)",
        sweep="a Python file defining CANDIDATES = {name: estimator} (runs the file) "
        "(default: none)",
    ),
    # data
    _option(
        "--data",
        metavar="SPEC",
        help="breast_cancer, digits, wine, iris, diabetes, synthetic, "
        "synthetic:n_samples=...,n_features=..., or a .csv/.parquet path "
        f"(default: {DEFAULT_DATA})",
        sweep_settings={"action": "append"},
        sweep="one case per --data (repeat it): a bundled name, synthetic:..., or a "
        f".csv/.parquet path (default: {', '.join(SWEEP_DATA_DEFAULT)})",
    ),
    _option(
        "--target",
        metavar="COLUMN",
        help="target column of a CSV/Parquet file (required for a file; default: none)",
        sweep="target column of CSV/Parquet files (required for a file; default: none)",
    ),
    _option(
        "--rows",
        type=int,
        help="rows of synthetic data, or a subset of a file (default: all rows; 20,000 synthetic)",
        sweep="rows of synthetic data, or a subset of each set (default: all)",
    ),
    _option("--features", type=int, help="features of synthetic data (default: 20)"),
    _option("--test-size", type=float, default=0.25, help="held-out fraction (default: 0.25)"),
    _option(
        "--seed",
        type=int,
        default=0,
        help="seed of data, split and requests (default: 0)",
        sweep="seed of data, split, requests (default: 0)",
    ),
    # measurement
    _option("--baseline", metavar="NAME", help="candidate to compare with (default: the first)"),
    _option(
        "--budget",
        metavar="LIMITS",
        help=f"latency/size limits, e.g. 'p99=5ms,p50=1ms,size=10MB' (default: "
        f"{DEFAULT_BUDGET} in the default run, else none)",
        sweep="e.g. 'p99=5ms,p50=1ms,size=10MB' (default: "
        f"{DEFAULT_BUDGET} in the default run, else none)",
    ),
    _option(
        "--max-time",
        type=float,
        metavar="SECONDS",
        help="latency sampling time per candidate, spent where the intervals need it; "
        f"no other phase takes longer (default: {DEFAULT_MAX_TIME:g})",
        sweep=f"latency sampling time per candidate (default: {DEFAULT_MAX_TIME:g})",
    ),
    _option(
        "--max-fit-time",
        type=float,
        metavar="SECONDS",
        help=f"stop refitting (3 fits) after this many seconds per candidate (default: "
        f"{MAX_FIT_TIME:g}, or {DEFAULT_MAX_FIT_TIME:g} in the default run)",
        sweep=f"stop refitting after this long (default: {MAX_FIT_TIME:g}, "
        f"or {DEFAULT_MAX_FIT_TIME:g} in the default run)",
    ),
    _option(
        "--threads",
        type=_threads_arg,
        default=DEFAULT_THREADS,
        metavar="serving|none|N",
        help="native thread pools (threadpoolctl): 'serving' limits one-row latency and "
        "cold start to 1 thread, fits and throughput use the machine's threads; N limits "
        f"every phase to N; 'none' limits nothing (default: {DEFAULT_THREADS})",
        sweep=f"native thread pools, as for compare (default: {DEFAULT_THREADS}); on "
        "Dask workers the nanny's OMP/MKL/OPENBLAS_NUM_THREADS=1 applies too (see the "
        "README)",
    ),
    _option(
        "--method",
        choices=("predict", "predict_proba"),
        default="predict",
        help="the method each request calls and the score uses (default: predict)",
        sweep="the method each request calls (default: predict)",
    ),
    _option(
        "--scoring",
        metavar="NAME",
        help="the score on the test rows: any name of scikit-learn's "
        "get_scorer_names(), e.g. f1, roc_auc, balanced_accuracy, neg_log_loss, "
        "neg_mean_absolute_error (default: accuracy for classification, r2 for regression)",
    ),
    _option(
        "--no-isolate",
        dest="isolate",
        action="store_false",
        help="measure candidates in this process instead of one worker process each "
        "(saves ~2 s of start-up; a crash or a hang in a model then ends the whole run) "
        "(default: one worker process per candidate)",
        sweep="measure each case's candidates in the process running the case instead "
        "of one worker process each (a crash or a hang in a model then ends that case, "
        "or hangs it on a Dask worker, where --call-timeout cannot interrupt a call) "
        "(default: one worker process per candidate)",
    ),
    _option(
        "--no-calibrate",
        dest="calibrate",
        action="store_false",
        help="do not time the calibration kernel (0.2 s, interleaved with the latency "
        "blocks; diff --normalize and --latency-reference need it) (default: timed)",
    ),
    _option(
        "--call-timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="a single fit or predict call longer than this fails its candidate with "
        "'timeout' and the run goes on (default: 60)",
        sweep="a single fit or predict call longer than this fails its candidate with "
        "'timeout' (default: 60)",
    ),
    _option(
        "--price-per-core-hour",
        type=float,
        metavar="USD",
        help="for the cost per million predictions (default: 0.05)",
        sweep="for the cost per prediction (default: 0.05)",
    ),
    _option(
        "--runtime",
        metavar="onnx,treelite|auto",
        help="also measure each candidate compiled for faster runtimes, as NAME@RUNTIME "
        "(onnx: skl2onnx + ONNX Runtime; treelite: treelite GTIL), with parity checked on "
        "the test rows; 'auto' keeps the fastest runtime with parity per candidate "
        "(default: scikit-learn only)",
        sweep="also measure each candidate compiled for faster runtimes, as for "
        "compare (default: scikit-learn only)",
    ),
    # output
    _option("--format", choices=FORMATS, default="table", help=FORMAT_HELP),
    _option(
        "--output",
        metavar="FILE.json",
        help="save results as JSON: raw samples and a summary, updated as each candidate "
        "finishes; a file, never '-' (--format json prints JSON on stdout) (default: not "
        "saved)",
        sweep="save the sweep after every case; a file, never '-' (default: not saved)",
    ),
    _option("--plot", metavar="FILE", help="save a figure (needs matplotlib) (default: none)"),
    _option(
        "--quiet",
        action="store_true",
        help="no progress line on stderr (default: shown on a terminal)",
        sweep="no per-case progress on stderr (default: shown)",
    ),
)

MEASUREMENT_OPTIONS: Mapping[str, _Option] = MappingProxyType({o.flags[0]: o for o in _SHARED})
"""The options compare and sweep share, by flag (``candidates`` is the positional one)."""

Layout = Sequence[tuple[str | None, Sequence[str | _Option]]]
"""A command's options in help order: (group title or None, options by flag or own)."""


def add_measurement_options(parser: argparse.ArgumentParser, command: str, layout: Layout) -> None:
    """Add ``command``'s options to ``parser`` in the order and groups of ``layout``.

    Shared options are named by their first flag (see
    :data:`MEASUREMENT_OPTIONS`); a command's own options are given as
    :class:`_Option` objects where they appear.

    Examples
    --------
    >>> p = argparse.ArgumentParser()
    >>> add_measurement_options(p, "sweep", [(None, ["--seed"]), ("data", ["--data"])])
    >>> p.parse_args(["--data", "iris", "--data", "wine"]).data
    ['iris', 'wine']
    """
    for title, entries in layout:
        group: Any = parser if title is None else parser.add_argument_group(title)
        for entry in entries:
            option = MEASUREMENT_OPTIONS[entry] if isinstance(entry, str) else entry
            option.add_to(group, command)


# --------------------------------------------------------------------------- what they build
def _check_positive(value: float | None, option: str) -> None:
    if value is not None and not (value > 0 and math.isfinite(value)):
        raise SpecError(f"{option} must be a positive number of seconds, not {value!r}.")


def default_run(args: argparse.Namespace) -> bool:
    """No candidates named: the default comparison with its default budget and times."""
    return not args.candidates and not args.candidates_file


def measurement_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """Check the shared options, before anything is loaded, and build compare's keywords.

    The keywords ``compare`` passes to :func:`prodbench.compare` and
    ``sweep`` to :func:`prodbench.sweep` (for every case): budget, times,
    thread policy, runtimes, isolation, price. A bad value is a
    :class:`~prodbench.errors.SpecError` naming the option.
    """
    price = args.price_per_core_hour
    if price is not None and not (math.isfinite(price) and price > 0):
        raise SpecError(
            f"--price-per-core-hour must be a positive price such as 0.05 (USD per core-hour), "
            f"not {price:g}."
        )
    # A bad --output/--plot fails before heavy imports; they become absolute paths here.
    check_output_paths(
        args,
        ("--output", "--plot", "--log"),
        [
            (option, getattr(args, attr, None))
            for option, attr in (
                ("--data", "data"),
                ("--test-data", "test_data"),
                ("--candidates", "candidates_file"),
                ("a candidate", "candidates"),
                ("--resume", "resume"),
            )
        ],
        may_equal=[("--resume", "--output")],  # sweep: resume a file and keep saving it
    )
    if not (0.0 < args.test_size < 1.0):
        raise SpecError(
            f"--test-size must be between 0 and 1 (exclusive), e.g. 0.25; got {args.test_size:g}."
        )
    from ..units import check_seed

    check_seed(args.seed, "--seed")
    _check_positive(args.max_time, "--max-time")
    _check_positive(args.max_fit_time, "--max-fit-time")
    _check_positive(args.call_timeout, "--call-timeout")
    runtimes = _runtimes_arg(args.runtime)
    scoring = getattr(args, "scoring", None)
    if scoring is not None:
        from ..scoring import check_name

        try:
            check_name(scoring)
        except SpecError as exc:
            raise SpecError(f"--scoring: {exc}") from None
    from ..verdict import Budget

    default = default_run(args)
    budget_text = args.budget if args.budget is not None else (DEFAULT_BUDGET if default else None)
    max_fit_time = args.max_fit_time
    if max_fit_time is None:
        max_fit_time = DEFAULT_MAX_FIT_TIME if default else MAX_FIT_TIME
    _check_extras(args, runtimes)  # last: it imports the optional packages that are present
    return {
        "budget": None if budget_text is None else Budget.parse(budget_text),
        "test_size": args.test_size,
        "method": args.method,
        "threads": args.threads,
        "runtimes": runtimes,
        "isolate": args.isolate,
        "calibrate": args.calibrate,
        "call_timeout": args.call_timeout,
        "max_time": args.max_time if args.max_time is not None else DEFAULT_MAX_TIME,
        "max_fit_time": max_fit_time,
        "random_state": args.seed,
        "price_per_core_hour": args.price_per_core_hour,
        "scoring": scoring,
    }


def _check_extras(args: argparse.Namespace, runtimes: tuple[str, ...]) -> None:
    """The packages --runtime and --scheduler need: refused now, not after measuring."""
    from ._extras import check_runtimes, check_scheduler

    check_scheduler(getattr(args, "scheduler", None))
    for warning in check_runtimes(runtimes):
        sys.stderr.write(f"prodbench: warning: {warning}\n")


def load_candidate_files(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Run each ``--candidates FILE.py`` once: its ``CANDIDATES``, file by file."""
    from ..models import load_candidates_file

    return [load_candidates_file(path) for path in args.candidates_file or ()]


def read_candidates(
    args: argparse.Namespace,
    task: str,
    files: Sequence[Mapping[str, Any]] | None = None,
    *,
    tabular: bool = False,
    minimum: int = 2,
) -> tuple[dict[str, Any], dict[str, bool]]:
    """The candidates of the command line for a ``task``: ``{name: model}``, ``{name: fitted}``.

    ``tabular`` gives presets their preprocessing front (a table with text
    columns or missing values); ``minimum`` is the fewest candidates accepted.

    The positional candidates first (the default pair when none is named),
    then each ``--candidates`` file's (``files``, or the files run now).
    Two candidates with one name, or fewer than two, are a
    :class:`~prodbench.errors.CandidateError` saying how to fix it.
    """
    from ..models import parse_candidate

    named: dict[str, Any] = {}
    fitted: dict[str, bool] = {}

    def add(name: str, model: Any, is_fitted: bool, source: str) -> None:
        if name in named:
            raise CandidateError(
                f"Two candidates are named {name!r}. {_duplicate_hint(name, source, named)}"
            )
        named[name] = model
        fitted[name] = is_fitted

    for text in args.candidates or (() if args.candidates_file else DEFAULT_CANDIDATES):
        cand = parse_candidate(text, task, tabular=tabular)
        add(cand.name, cand.estimator, cand.fitted, cand.source)
    for loaded in load_candidate_files(args) if files is None else files:
        for name, model in loaded.items():
            add(name, model, False, name)
    if len(named) < minimum:
        raise CandidateError(
            f"{args.command} needs at least two candidates, got {len(named)}. Add another, "
            f"e.g. 'prodbench {args.command} logreg ensemble', or measure one with "
            f"'prodbench measure {next(iter(named), 'logreg')}'."
        )
    return named, fitted


def candidate_kwargs(
    args: argparse.Namespace, named: Mapping[str, Any], fitted: Mapping[str, bool]
) -> dict[str, Any]:
    """``baseline`` (checked) and ``fit`` (not for fitted model files) for compare/sweep."""
    baseline = args.baseline if args.baseline is not None else next(iter(named))
    if baseline not in named:
        raise CandidateError(f"Unknown --baseline {baseline!r}. Choose one of: {', '.join(named)}.")
    return {"baseline": baseline, "fit": {n: not f for n, f in fitted.items()}}


def _duplicate_hint(name: str, source: str, taken: Mapping[str, Any]) -> str:
    """How to name apart two candidates called ``name``, with a NAME=SPEC that works."""
    from ..models import split_name

    k = 2
    while f"{name}-{k}" in taken:
        k += 1
    if source == name:  # from a --candidates file: its key is the name
        return (
            f"Rename one: its key in the --candidates file, or NAME=SPEC on the command "
            f"line, e.g. to {name}-{k}."
        )
    spec = split_name(source)[1] if "=" in source else source
    return f"Name them apart with NAME=SPEC, e.g. {name}-{k}={spec}."
