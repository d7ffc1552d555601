"""The command line at 80 columns: every help, every output, CLI words, each failure once.

Issue 21's last point: ``--help`` of every command and the text every command
prints fit an 80-column terminal; the exit-code table is in the top-level help
only; every positional argument has help; messages a command-line user reads
say the command line's options, never the library's keyword syntax; and a
failure shown in the report on a terminal is not printed again on stderr.
"""

from __future__ import annotations

import argparse
import ast
import re
from pathlib import Path

import pytest
from factories import make_comparison, make_result

from prodbench import cli
from prodbench.cli import compare as compare_cmd
from prodbench.cli._common import EXIT_CODES_HELP, EXIT_CODES_POINTER, _State
from prodbench.report.cells import cli_words
from prodbench.verdict import Budget, FailedCandidate

WIDTH = 80
SRC = Path(cli.__file__).resolve().parents[1]


def _too_wide(text: str) -> list[str]:
    return [line for line in text.splitlines() if len(line) > WIDTH]


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = cli.build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {"prodbench": parser, **action.choices}


@pytest.mark.parametrize("columns", ["80", "200"])
def test_every_help_fits_80_columns(monkeypatch: pytest.MonkeyPatch, columns: str) -> None:
    monkeypatch.setenv("COLUMNS", columns)  # a wide terminal gets man-page width too
    for name, parser in _subparsers().items():
        assert not _too_wide(parser.format_help()), name


def test_exit_code_table_is_in_the_top_level_help_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    parsers = _subparsers()
    first_row = EXIT_CODES_HELP.splitlines()[2].strip()  # "2    usage or input error ..."
    assert first_row in parsers.pop("prodbench").format_help()
    for name, parser in parsers.items():
        text = parser.format_help()
        assert first_row not in text, name
        assert " ".join(EXIT_CODES_POINTER.split()) in " ".join(text.split()), name


def test_every_positional_has_help() -> None:
    for name, parser in _subparsers().items():
        for action in parser._actions:
            if not action.option_strings and not isinstance(action, argparse._SubParsersAction):
                assert action.help, f"{name} {action.metavar or action.dest} has no help"


@pytest.fixture
def saved_runs(tmp_path: Path) -> tuple[str, str]:
    """Two saved comparisons of the same candidates, the second 30% slower."""
    budget = Budget(p99=0.005)
    paths = []
    for i, factor in enumerate((1.0, 1.3)):
        cmp = make_comparison(
            [
                make_result("logreg", latency_ms=0.3 * factor, seed=i),
                make_result("a_rather_long_ensemble_name", latency_ms=2.0 * factor, seed=i + 5),
            ],
            budget=budget,
        )
        path = tmp_path / f"run{i}.json"
        cmp.to_json(path)
        paths.append(str(path))
    return paths[0], paths[1]


@pytest.mark.parametrize(
    "argv",
    [
        ["datasets"],
        ["presets"],
        ["show", "{old}"],
        ["show", "{old}", "--format", "markdown"],
        ["diff", "{old}", "{new}", "--fail-on", "p99=+10%"],
        ["capacity", "{old}", "--budget", "p99=5ms", "--qps", "300"],
    ],
    ids=lambda argv: argv[0] + ("-" + argv[-1] if argv[-1].startswith(("m", "p")) else ""),
)
def test_command_output_fits_80_columns(
    argv: list[str],
    saved_runs: tuple[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    old, new = saved_runs
    monkeypatch.chdir(Path(old).parent)  # the files as a user names them, not pytest's paths
    old, new = Path(old).name, Path(new).name
    code = cli.main([a.format(old=old, new=new) for a in argv])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    assert out.strip()
    if "markdown" not in argv:  # a Markdown table is read rendered, not at a terminal
        assert not _too_wide(out)
    # stderr keeps one line per message (greppable in CI logs), so it is not wrapped
    assert all(line.startswith("prodbench: ") for line in err.splitlines())


# --------------------------------------------------------------------------- CLI words
LIBRARY_SYNTAX = re.compile(r"=None\b|\bclient=|\.from_json\b|\bruntime='|\bisolate=(True|False)")


def _message_literals() -> list[tuple[str, str]]:
    """Every string literal in the package that spells library syntax, outside docstrings."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        in_fstrings = {
            id(part)
            for node in ast.walk(tree)
            if isinstance(node, ast.JoinedStr)
            for part in node.values
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr):  # an f-string: its values read as a Name
                text = "".join(
                    str(part.value) if isinstance(part, ast.Constant) else "Name"
                    for part in node.values
                )
            elif (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings | in_fstrings
            ):
                text = node.value
            else:
                continue
            # a sentence (not a key or a format spec) that spells library syntax
            if " " in text and LIBRARY_SYNTAX.search(text):
                found.append((f"{path.relative_to(SRC)}:{node.lineno}", text))
    return found


def test_cli_messages_say_cli_options() -> None:
    literals = _message_literals()
    assert literals, "the scan found no message at all: the pattern or the path is wrong"
    for where, text in literals:
        assert not LIBRARY_SYNTAX.search(cli_words(text)), (where, cli_words(text))


@pytest.mark.parametrize(
    ("library", "command_line"),
    [
        ("measure with threads=None (--threads none)", "measure with --threads none"),
        ("or try runtime='onnx'.", "or try --runtime onnx."),
        ("or pass client=None to run the cases here", "or drop --scheduler to run the cases here"),
        ("Load it with LoadTestResult.from_json instead.", "Load it with prodbench show instead."),
        ("measure it with isolate=False (--no-isolate)", "measure it with --no-isolate"),
        ("raise max_time=30", "raise --max-time 30"),
    ],
)
def test_cli_words(library: str, command_line: str) -> None:
    assert cli_words(library) == command_line


# --------------------------------------------------------------------------- failures once
def _failed_comparison() -> object:
    return make_comparison(
        [make_result("logreg"), make_result("forest", seed=3)],
        failures=[
            FailedCandidate(
                "broken", "predict", "ValueError", "Candidate 'broken' raised ValueError: boom."
            )
        ],
    )


@pytest.mark.parametrize("terminal", [True, False])
def test_a_failure_is_shown_once_on_a_terminal(
    terminal: bool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(compare_cmd, "same_terminal", lambda: terminal)
    args = argparse.Namespace(output=None, format="table", plot=None, quiet=False, log=None)
    compare_cmd._report(args, _State(), _failed_comparison(), None)
    out, err = capsys.readouterr()
    assert "boom" in out  # the report's Failures section has it in full
    if terminal:
        assert "boom" not in err
        assert "candidate failed: broken (see Failures above)" in err
    else:  # stdout is a file or a pipe: stderr carries the whole message
        assert "boom" in err
