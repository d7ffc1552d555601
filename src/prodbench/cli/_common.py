"""What every subcommand shares: the exit policy, the run's state, output files, stdout.

Only the standard library is imported at module level (``prodbench --help``
stays fast); each helper imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn

from ..errors import ProdbenchError, SpecError

if TYPE_CHECKING:
    from ..progress import ProgressLine
    from ..verdict import Comparison

EXIT_OK = 0
EXIT_BUDGET = 1
EXIT_USAGE = 2
EXIT_CANDIDATE_FAILED = 3
EXIT_INTERRUPTED = 130

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

EXIT_CODES_POINTER = (
    "exit codes (0, 1, 2, 3, 130): one rule for every command, see 'prodbench --help'\n"
)
"""What a subcommand's help says about exit codes: the table is in the top-level help only."""

HELP_WIDTH = 80
"""No help line is wider than this, however wide the terminal (man-page width)."""

SECURITY_HELP = """\
security: loading a model file (.joblib/.pkl/.pickle) unpickles it, and
--candidates FILE.py runs that file: both run code from the file. Use only
files you trust. A module:Class spec imports its module (running its top-level
code); the class is then created only if it defines fit and predict.
"""


# --------------------------------------------------------------------------- exit policy
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


def comparison_exit(cmp: Comparison) -> int:
    """The exit rule for a comparison, saying on stderr why it is not 0."""
    decision = cmp.production_decision  # who fails and who is undecided: decided in verdict
    unmet = bool(cmp.budget) and bool(cmp.measured) and decision.pick is None
    if unmet:
        parts = [f"fails: {', '.join(decision.failing)}"] if decision.failing else []
        if decision.undecided:
            parts.append(
                f"undecided: {', '.join(decision.undecided)} (raise --max-time to decide; "
                "see the verdict)"
            )
        sys.stderr.write(
            f"prodbench: no candidate passes the budget {cmp.budget} ({'; '.join(parts)})\n"
        )
    # A runtime refusing a candidate (--runtime) is reported, not a failure of the run.
    failed = any(f.phase != "compile" for f in cmp.failures.values())
    return exit_code(failed=failed, budget_unmet=unmet)


def sweep_exit(sw: Any) -> int:
    """The one rule over all cases of a sweep: a failed case counts as a failed candidate."""
    return exit_code(
        failed=bool(sw.failures) or any(not cmp.ok for cmp in sw.comparisons.values()),
        budget_unmet=bool(sw.budget) and bool(sw.summary.no_production_pick),
    )


# --------------------------------------------------------------------------- parser and state
class _UsageError(Exception):
    """A command-line usage error, printed as one line with exit code 2."""


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Help at most :data:`HELP_WIDTH` columns wide, keeping the layout of examples.

    Descriptions and epilogs are written as they should read: a line that
    fits is kept as it is (example blocks, the exit-code table); a longer one
    is wrapped at word boundaries, continuing under its own indentation, so a
    paragraph written on one line reads as a paragraph on an 80-column
    terminal. Option help is wrapped by argparse at the same width.
    """

    def __init__(self, prog: str, **kwargs: Any) -> None:
        import shutil

        columns = shutil.get_terminal_size((HELP_WIDTH, 24)).columns
        kwargs["width"] = min(columns, HELP_WIDTH) - 2
        super().__init__(prog, **kwargs)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        import textwrap

        out = []
        for line in text.splitlines():
            if len(indent + line) <= width + 2:
                out.append(indent + line)
                continue
            lead = line[: len(line) - len(line.lstrip())]
            out.extend(
                textwrap.wrap(
                    line.strip(),
                    width + 2,
                    initial_indent=indent + lead,
                    subsequent_indent=indent + lead,
                    break_on_hyphens=False,
                )
            )
        return "\n".join(out) + ("\n" if text.endswith("\n") else "")


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line and do not exit the process.

    Every prodbench parser (subcommands included: they are made by this class)
    formats its help with :class:`_HelpFormatter`.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["formatter_class"] = _HelpFormatter
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{message} (see '{self.prog} --help')")

    _intermixing = False

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        """Options and positionals in any order (``compare logreg --data iris forest``).

        A command's parser parses intermixed; the top level, whose positional
        is the command, cannot, and parses as usual.
        """
        nested = any(
            a.nargs in (argparse.PARSER, argparse.REMAINDER) for a in self._get_positional_actions()
        )
        if self._intermixing or nested:
            return super().parse_known_args(args, namespace)
        self._intermixing = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._intermixing = False


@dataclass
class _State:
    """What the interrupt handler needs to know: the saved file, the progress line."""

    saved: str | None = None
    progress: ProgressLine | None = None
    output: str | None = None  # --output, when given
    finished: list[str] = field(default_factory=list)  # candidates in the saved file
    unit: str = "candidates"  # what ``finished`` names ("cases" for a sweep)
    cut: list[str] = field(default_factory=list)  # of those, cut short by Ctrl-C (partial)
    save_errors: dict[str, str] = field(default_factory=dict)
    failures: dict[str, ProdbenchError] = field(default_factory=dict)  # for partial saves
    # The candidates (objects whose code is the user's), held until the process ends
    # when run as a script, so that no __del__ of theirs runs on the way out.
    keep: list[Any] = field(default_factory=list)
    on_interrupt: str | None = None  # a command's own Ctrl-C line, when compare's does not fit

    def record_failure(self, name: str, error: ProdbenchError) -> None:
        """``on_failure`` of :func:`prodbench.compare`: kept for partial saves."""
        self.failures[name] = error

    def interrupted(self) -> str:
        """What Ctrl-C leaves behind, in one line."""
        if self.on_interrupt is not None:
            return self.on_interrupt
        if self.saved:
            done = [n for n in self.finished if n not in self.cut]
            kept = (
                f"finished {self.unit} ({', '.join(done)})"
                if done
                else f"no finished {self.unit[:-1]}"
            )
            if self.cut:
                kept += (
                    f" and the phases and latency samples measured so far of "
                    f"{', '.join(self.cut)} (marked interrupted)"
                )
            return f"interrupted; {kept} saved in {self.saved}"
        if self.output:
            return f"interrupted before any candidate finished; {self.output} not written"
        return "interrupted; nothing saved (--output FILE keeps finished candidates)"

    def clear_progress(self) -> None:
        if self.progress is not None:
            self.progress.clear()


FORMAT_HELP = "what stdout carries (default: table)"


def _add_format(parser: Any, choices: Sequence[str] = FORMATS) -> None:
    parser.add_argument("--format", choices=choices, default="table", help=FORMAT_HELP)


# --------------------------------------------------------------------------- checks
def check_qps(value: float | None, option: str = "--qps") -> None:
    """Reject a rate that is not positive and finite, before anything is measured."""
    if value is not None and not (value > 0 and math.isfinite(value)):
        raise SpecError(f"{option} must be a positive number of requests per second, e.g. 500.")


# --------------------------------------------------------------------------- stdout and stderr
def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _error(message: str) -> None:
    sys.stderr.write(f"prodbench: error: {_one_line(message)}\n")


def same_terminal() -> bool:
    """Whether stdout and stderr are one terminal: what is on stdout is already seen.

    A failure that the report on stdout shows in full is then said on stderr
    in a few words, not printed twice; when stdout goes to a file or a pipe,
    stderr carries the whole message.

    Examples
    --------
    >>> same_terminal() in (True, False)
    True
    """
    try:
        if not (sys.stdout.isatty() and sys.stderr.isatty()):
            return False
        out, err = os.fstat(sys.stdout.fileno()), os.fstat(sys.stderr.fileno())
    except (OSError, ValueError, AttributeError):
        return False
    return (out.st_dev, out.st_ino, out.st_rdev) == (err.st_dev, err.st_ino, err.st_rdev)


def _print(text: str) -> None:
    """Write ``text`` on stdout, ending in one newline: the results, nothing else."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


@contextlib.contextmanager
def to_stderr() -> Iterator[None]:
    """Send what candidates print (on import, in fit or predict) to stderr.

    stdout carries only the rendered results: ``--format json`` stays
    parseable. Python's ``sys.stdout`` is redirected, and so is file
    descriptor 1 itself (``dup2(2, 1)``) while the block runs, so that native
    code writing to fd 1 (a C ``printf``, LightGBM's or XGBoost's logging)
    under ``--no-isolate`` lands on stderr too; the original fd 1 is put back
    afterwards, before anything is printed.
    """
    saved = _swap_fd1_to_stderr()
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        if saved is not None:
            with contextlib.suppress(OSError):
                sys.stderr.flush()
                os.dup2(saved, 1)
            os.close(saved)


def _swap_fd1_to_stderr() -> int | None:
    """Point fd 1 at stderr when ``sys.stdout`` writes to it; a duplicate of the old fd 1."""
    try:
        if sys.stdout.fileno() != 1:
            return None
        sys.stdout.flush()
        saved = os.dup(1)
    except (AttributeError, OSError, ValueError):  # captured (pytest) or closed: nothing to do
        return None
    try:
        os.dup2(2, 1)
    except OSError:
        os.close(saved)
        return None
    return saved


def _render(result: Any, fmt: str, **options: Any) -> str:
    """``result`` in ``--format fmt``, through the one dispatcher (CLI tables)."""
    from .. import report

    if fmt == "table" and type(result).__name__ == "Comparison":
        options.setdefault("cli", True)
    return report.render(result, fmt, **options)


# --------------------------------------------------------------------------- output files
# --output and --plot are checked before anything is measured; a save that
# still fails afterwards keeps the results on stdout and names the path.
def _plot_format(path: str) -> str:
    return os.path.splitext(path)[1][1:].lower()


def save_figure(result: Any, path: str) -> None:
    """Save ``result.plot()`` (a comparison or a sweep) to ``path``, atomically.

    Through a temporary file and a rename, like ``--output``: never a
    half-written figure. The figure is closed afterwards; matplotlib draws
    off-screen (``MPLBACKEND=Agg``) unless it was imported already.
    """
    from ..results import atomic_path

    if "matplotlib" not in sys.modules:
        os.environ.setdefault("MPLBACKEND", "Agg")
    fig = result.plot()
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=_plot_format(path), dpi=120, bbox_inches="tight")
    finally:
        try:
            import matplotlib.pyplot as plt

            plt.close(fig)
        except ImportError:  # pragma: no cover - plot() would have failed first
            pass


def _check_writable(path: str, option: str) -> str:
    """Refuse, before measuring, an output path that cannot be written; the file it writes.

    What :func:`prodbench._fileio.output_target` refuses (a directory, a device
    node, a FIFO, a socket, ``-`` and ``/dev/stdout``) is refused here too; a
    symlink to a regular file is written through, so its target is checked.
    """
    import tempfile
    from pathlib import Path

    from .._fileio import output_target

    if not path.strip():
        raise SpecError(f"{option} is empty. Name the file to write, e.g. {option} run.json.")
    real = output_target(path, option)
    target = Path(real)
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
    return real


def _file_key(path: str) -> tuple[Any, ...]:
    """What makes two paths the same file: device and inode when it exists, else its real path."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return ("path", os.path.realpath(path))
    return ("inode", st.st_dev, st.st_ino)


def _paths_in(value: Any) -> list[str]:
    """The strings of an option that may name files (``name=path`` candidates too)."""
    values = value if isinstance(value, (list, tuple)) else [value]
    out: list[str] = []
    for v in values:
        if isinstance(v, str) and v:
            out.append(v)
            if "=" in v:
                out.append(v.split("=", 1)[1])
    return out


def check_output_paths(
    args: argparse.Namespace,
    outputs: Sequence[str],
    inputs: Sequence[tuple[str, Any]] = (),
    *,
    may_equal: Sequence[tuple[str, str]] = (),
) -> None:
    """Check the output options before measuring, and make them absolute paths.

    Each output in ``outputs`` (``"--output"``, ``"--plot"``) is checked
    (:func:`_check_writable`; ``--plot`` also for its format) and replaced on
    ``args`` by its absolute path, so a model that changes the working
    directory cannot move it. An output that is the same file as an input
    (``inputs``: option and value(s); a value that is not an existing file is
    ignored) or as another output is refused, unless the pair is in
    ``may_equal`` (``sweep --resume F --output F``).

    Examples
    --------
    >>> ns = argparse.Namespace(output="run.json", plot=None)
    >>> check_output_paths(ns, ["--output"]); os.path.isabs(ns.output)
    True
    >>> ns = argparse.Namespace(output="same.png", plot="same.png")
    >>> check_output_paths(ns, ["--output", "--plot"])
    Traceback (most recent call last):
    ...
    prodbench.errors.SpecError: --plot 'same.png' and --output 'same.png' are the same file: ...
    """
    allowed = {frozenset(pair) for pair in may_equal}
    known: dict[tuple[Any, ...], tuple[str, str]] = {}
    for option, value in inputs:
        for path in _paths_in(value):
            if os.path.isfile(path):
                known.setdefault(_file_key(path), (option, path))
    for option in outputs:
        attr = option.lstrip("-").replace("-", "_")
        given = getattr(args, attr, None)
        if given is None:
            continue
        path = str(given)
        if option == "--plot":
            _check_plot_path(path)
        else:
            _check_writable(path, option)
        key = _file_key(path)
        if key in known and frozenset((option, known[key][0])) not in allowed:
            other, other_path = known[key]
            what = "output" if other in outputs else "input"
            raise SpecError(
                f"{option} {path!r} and {other} {other_path!r} are the same file: writing "
                f"{option} would replace that {what}. Give {option} another path."
            )
        known[key] = (option, path)
        setattr(args, attr, os.path.abspath(path))
    if "--output" in outputs and getattr(args, "output", None) is not None:
        check_output_suffix(str(args.output))  # after the same-file checks: those lose data


def check_output_suffix(
    path: str, option: str = "--output", suffixes: Sequence[str] = (".json",)
) -> None:
    """Refuse an output name whose suffix promises a format the command does not write.

    ``--output x.parquet`` would otherwise get JSON under a Parquet name; a
    name without a suffix is accepted.

    Examples
    --------
    >>> check_output_suffix("run.json")
    >>> check_output_suffix("run.parquet")
    Traceback (most recent call last):
    ...
    prodbench.errors.SpecError: --output 'run.parquet': this command writes JSON, ...
    """
    suffix = os.path.splitext(path)[1].lower()
    if not suffix or suffix in suffixes:
        return
    formats = {".json": "JSON", ".html": "HTML", ".htm": "HTML"}
    writes = " or ".join(dict.fromkeys(formats.get(s, s) for s in suffixes))
    example = os.path.splitext(os.path.basename(path))[0] + suffixes[0]
    hint = (
        " For a table in another format use --format (e.g. --format csv > table.csv)."
        if ".json" in suffixes
        else ""
    )
    raise SpecError(
        f"{option} {path!r}: this command writes {writes}, not {suffix[1:]!r}. Name the file "
        f"with {' or '.join(suffixes)}, e.g. {option} {example}.{hint}"
    )


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
