"""The cli/ package: the options compare and sweep share, their keywords, candidates, figures."""

from __future__ import annotations

import argparse
import inspect
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import prodbench as pb
from prodbench.cli import COMMANDS, build_parser
from prodbench.cli._common import save_figure
from prodbench.cli._options import (
    MEASUREMENT_OPTIONS,
    candidate_kwargs,
    measurement_kwargs,
    read_candidates,
)
from prodbench.errors import CandidateError, SpecError


def _subparser(name: str) -> argparse.ArgumentParser:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices[name]


def _actions(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {(a.option_strings or [a.dest])[0]: a for a in parser._actions}


def test_compare_and_sweep_define_every_shared_option_alike() -> None:
    compare, sweep = _actions(_subparser("compare")), _actions(_subparser("sweep"))
    assert len(MEASUREMENT_OPTIONS) >= 20
    for flag in MEASUREMENT_OPTIONS:
        a, b = compare[flag], sweep[flag]
        same = ("dest", "type", "default", "metavar", "choices", "const", "required")
        assert [getattr(a, k) for k in same] == [getattr(b, k) for k in same], flag
        if flag != "--data":  # one --data per case: the sweep's is repeatable
            assert type(a) is type(b) and a.nargs == b.nargs, flag
    assert compare["--data"].default is None and sweep["--data"].default is None
    assert compare["--threads"].default == "serving"


def test_every_command_module_adds_its_parser_and_runs() -> None:
    names = {
        "compare",
        "measure",
        "show",
        "report",
        "diff",
        "datasets",
        "presets",
        "capacity",
        "load-test",
        "sweep",
        "calibrate",
    }
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert set(sub.choices) == names
    runs = {command.run for command in COMMANDS}
    for name, parser in sub.choices.items():
        assert parser.get_default("func") in runs, name
    for command in COMMANDS:
        assert inspect.signature(command.run).parameters.keys() == {"args", "state"}


def _args(command: str, *argv: str) -> argparse.Namespace:
    return build_parser().parse_args([command, *argv])


@pytest.mark.parametrize("command", ["compare", "sweep"])
def test_measurement_kwargs_are_compare_keywords_with_the_cli_defaults(command: str) -> None:
    default = measurement_kwargs(_args(command))
    named = measurement_kwargs(_args(command, "logreg", "knn", "--threads", "2"))
    assert set(default) == set(named)
    assert set(default) <= set(inspect.signature(pb.compare).parameters)
    assert str(default["budget"]) == "p99 < 2 ms" and named["budget"] is None
    assert (default["max_time"], default["max_fit_time"]) == (5.0, 3.0)
    assert (named["max_fit_time"], named["threads"], named["runtimes"]) == (60.0, 2, ("sklearn",))


def test_measurement_kwargs_check_options_before_anything_is_loaded() -> None:
    for argv, option in [
        (["--test-size", "1"], "--test-size"),
        (["--max-time", "0"], "--max-time"),
        (["--call-timeout", "nan"], "--call-timeout"),
        (["--price-per-core-hour", "-1"], "--price-per-core-hour"),
        (["--runtime", "tvm"], "--runtime"),
    ]:
        for command in ("compare", "sweep"):
            with pytest.raises(SpecError, match=option):
                measurement_kwargs(_args(command, *argv))


def test_read_candidates_has_one_duplicate_message_for_compare_and_sweep() -> None:
    messages = []
    for command in ("compare", "sweep"):
        with pytest.raises(CandidateError) as info:
            read_candidates(_args(command, "a=logreg", "a=knn"), "classification")
        messages.append(str(info.value))
    assert messages[0] == messages[1]
    assert (
        messages[0] == "Two candidates are named 'a'. Name them apart with NAME=SPEC, e.g. a-2=knn."
    )


def test_read_candidates_checks_names_across_candidate_files() -> None:
    args = _args("sweep", "--candidates", "one.py", "--candidates", "two.py")
    files = [{"lone": object()}, {"lone": object()}]
    with pytest.raises(CandidateError, match="Two candidates are named 'lone'"):
        read_candidates(args, "classification", files)


def test_read_candidates_and_candidate_kwargs() -> None:
    args = _args("sweep", "lone=logreg", "knn")
    files = [{"mine": object()}]
    named, fitted = read_candidates(args, "classification", files)
    assert list(named) == ["lone", "knn", "mine"] and not any(fitted.values())
    assert candidate_kwargs(args, named, fitted) == {
        "baseline": "lone",
        "fit": {"lone": True, "knn": True, "mine": True},
    }
    with pytest.raises(CandidateError, match="Unknown --baseline 'x'"):
        candidate_kwargs(_args("sweep", "--baseline", "x"), named, fitted)
    with pytest.raises(CandidateError, match="sweep needs at least two candidates, got 1"):
        read_candidates(_args("sweep", "knn"), "classification", [])


class _Figure:
    """Stands for result.plot(): a real matplotlib figure."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.figure: Any = None

    def plot(self) -> Any:
        import matplotlib.pyplot as plt

        self.figure = plt.figure()
        if self.fail:
            self.figure.savefig = _broken_savefig
        return self.figure


def _broken_savefig(path: str, **kwargs: Any) -> None:
    Path(path).write_bytes(b"half a figure")
    raise OSError(28, "No space left on device")


def test_save_figure_is_atomic_and_closes_the_figure(tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    target = tmp_path / "plot.png"
    result = _Figure()
    save_figure(result, str(target))
    assert target.read_bytes().startswith(b"\x89PNG")
    assert not plt.fignum_exists(result.figure.number)
    broken = _Figure(fail=True)
    with pytest.raises(OSError):
        save_figure(broken, str(target))
    assert target.read_bytes().startswith(b"\x89PNG")  # the old figure, not half a new one
    assert sorted(os.listdir(tmp_path)) == ["plot.png"]
    assert not plt.fignum_exists(broken.figure.number)


def test_cli_package_imports_nothing_heavy() -> None:
    code = (
        "import sys, prodbench.cli\n"
        "prodbench.cli.build_parser()\n"
        "heavy = ('numpy', 'pandas', 'sklearn', 'scipy', 'matplotlib')\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == ""
