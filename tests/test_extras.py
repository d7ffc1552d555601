"""Extras are checked before measuring (issue 21 pt 6).

``--runtime``, ``--scheduler`` and ``--plot`` without their optional package
name it and the ``pip install`` line, exit 2, in under a second, printed once.
The import is made to fail by blocking it in ``sys.modules`` (in-process) and
by a broken package first on ``PYTHONPATH`` (in a subprocess).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from prodbench.cli import main
from prodbench.cli._extras import check_runtimes

SRC = str(Path(__file__).resolve().parents[1] / "src")
COMPARE = ["compare", "logreg", "knn", "--data", "iris", "--max-time", "0.2", "--quiet"]


def _refused(capsys, argv, *needles):
    start = time.perf_counter()
    code = main(argv)
    elapsed = time.perf_counter() - start
    out, err = capsys.readouterr()
    assert code == 2, err
    assert elapsed < 1.0, f"{elapsed:.2f} s: checked after measuring?"
    assert out == ""
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err  # one paragraph, printed once
    for needle in needles:
        assert needle in err, err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize(
    "runtime, blocked, extra",
    [("onnx", "onnxruntime", "onnx"), ("onnx", "skl2onnx", "onnx"),
     ("treelite", "treelite", "treelite"), ("onnx,treelite", "treelite", "treelite")],
)  # fmt: skip
def test_runtime_without_its_package(monkeypatch, capsys, runtime, blocked, extra):
    monkeypatch.setitem(sys.modules, blocked, None)
    err = _refused(
        capsys, [*COMPARE, "--runtime", runtime], repr(blocked), f'pip install "prodbench[{extra}]"'
    )
    assert "Nothing was measured" in err


def test_runtime_auto_needs_one_of_them(monkeypatch, capsys):
    for module in ("onnxruntime", "treelite"):
        monkeypatch.setitem(sys.modules, module, None)
    _refused(capsys, [*COMPARE, "--runtime", "auto"], "prodbench[onnx]", "prodbench[treelite]")


def test_runtime_auto_with_one_missing_warns_once_and_goes_on(monkeypatch):
    monkeypatch.setitem(sys.modules, "treelite", None)
    warnings = check_runtimes(("sklearn", "auto"))
    assert len(warnings) == 1 and "only onnx is tried" in warnings[0]
    assert 'pip install "prodbench[treelite]"' in warnings[0]


def test_sweep_scheduler_without_dask(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)
    argv = ["sweep", "logreg", "knn", "--data", "iris", "--scheduler", "local:2", "--quiet"]
    _refused(capsys, argv, "'distributed'", 'pip install "prodbench[dask]"', "--scheduler")


def test_plot_without_matplotlib(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.backend_bases", None)
    err = _refused(capsys, [*COMPARE, "--plot", str(tmp_path / "f.png")], "matplotlib")
    assert "pip install" in err and not (tmp_path / "f.png").exists()


def test_a_broken_install_is_caught_in_a_subprocess(tmp_path):
    shim = tmp_path / "shim" / "treelite"
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text("raise ImportError('libtreelite.so: cannot open')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path / "shim"), SRC])}
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "prodbench", *COMPARE, "--runtime", "treelite"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    elapsed = time.perf_counter() - start
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.count("prodbench: error:") == 1
    assert "does not import: libtreelite.so: cannot open" in proc.stderr
    assert 'pip install "prodbench[treelite]"' in proc.stderr
    assert elapsed < 10  # an interpreter start and the parse; nothing measured
