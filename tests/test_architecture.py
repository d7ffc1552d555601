"""The house rules of ARCHITECTURE.md, checked on every run of the suite.

* the import-linter contracts in ``pyproject.toml`` hold (layers, renderers
  apart from the engine, pure modules free of pytest/argparse/matplotlib);
* no import cycle outside the declared display seam, counting imports made
  inside functions and under ``TYPE_CHECKING``;
* the seam's methods are one-line delegations to a facade;
* ARCHITECTURE.md names every module of the tree, and every long module or
  function carries its written reason;
* no top-level module is called ``measure``, ``compare``, ``sweep`` or
  ``load_test`` (importing it would replace the public function on the package).
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "prodbench"
ARCHITECTURE = ROOT / "ARCHITECTURE.md"

MAX_MODULE_LINES = 900
MAX_FUNCTION_LINES = 100
LONG_REASON = "# long:"  # a function over the limit says why on its def line or the line above


def _contracts() -> list[dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["importlinter"]["contracts"]


def _seam() -> set[tuple[str, str]]:
    (layers,) = [c for c in _contracts() if c["type"] == "layers"]
    pairs = set()
    for line in layers["ignore_imports"]:
        importer, imported = (part.strip() for part in line.split("->"))
        pairs.add((importer, imported))
    return pairs


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(SRC.rglob("*.py")):
        parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def test_import_linter_contracts_hold() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "from importlinter.cli import lint_imports_command; lint_imports_command()",
            "--no-cache",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout, run.stdout


def test_seam_pairs_are_exactly_the_declared_facades() -> None:
    facades = {"prodbench.report", "prodbench.plot", "prodbench.serving"}
    owners = {
        "prodbench.results",
        "prodbench.serving_results",
        "prodbench.verdict",
        "prodbench.sweep_results",
    }
    for importer, imported in _seam():
        assert importer in owners, importer
        assert imported in facades, imported


def test_no_import_cycle_outside_the_display_seam() -> None:
    import grimp

    graph = grimp.build_graph("prodbench", cache_dir=None)
    for importer, imported in _seam():
        present = importer in graph.modules and imported in graph.modules
        if present and graph.direct_import_exists(importer=importer, imported=imported):
            graph.remove_import(importer=importer, imported=imported)
    cycles = []
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back is not None:
                cycles.append((module, *back))
    assert cycles == [], "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def _seam_methods() -> list[tuple[str, ast.FunctionDef]]:
    """Every function that imports a facade inside its body."""
    facades = {"report", "plot", "serving"}
    found = []
    for name, path in _modules().items():
        if name not in {i for i, _ in _seam()}:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef):
                continue
            for inner in ast.walk(node):
                if (
                    isinstance(inner, ast.ImportFrom)
                    and inner.level == 1
                    and (inner.module in facades or any(a.name in facades for a in inner.names))
                ):
                    found.append((f"{name}.{node.name}", node))
                    break
    return found


def test_seam_methods_are_one_delegating_call() -> None:
    methods = _seam_methods()
    assert methods, "the seam has no methods: the test reads the wrong tree"
    for where, node in methods:
        body = [
            n
            for n in node.body
            if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))
            and not isinstance(n, (ast.Import, ast.ImportFrom))
        ]
        assert len(body) == 1, f"{where}: the seam method does more than delegate"


def test_every_module_is_on_the_code_map() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    for name, path in _modules().items():
        if name == "prodbench":
            continue
        rel = path.relative_to(SRC).as_posix()
        shown = rel if path.name != "__init__.py" else rel.rsplit("/", 1)[0] + "/"
        assert f"`{shown}`" in text or f"`{rel}`" in text, f"{rel} is not on ARCHITECTURE.md's map"


def test_code_map_names_no_module_that_is_gone() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    named = {n.removeprefix("prodbench/") for n in re.findall(r"`([a-z_/]+\.py)`", text)}
    named = {n for n in named if not n.startswith(("tests/", "benchmarks/"))}
    tree = {p.relative_to(SRC).as_posix() for p in SRC.rglob("*.py")}
    tree |= {p.name for p in SRC.rglob("*.py")}
    missing = sorted(n for n in named if n not in tree)
    assert missing == [], f"ARCHITECTURE.md names modules that are not in the tree: {missing}"


def test_layers_of_the_contract_are_those_of_architecture_md() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    (layers,) = [c for c in _contracts() if c["type"] == "layers"]
    for layer in layers["layers"]:
        in_table = layer.replace("|", "\\|")  # a pipe is escaped in a Markdown table
        assert f"`{layer}`" in text or f"`{in_table}`" in text, f"layer {layer!r} is not written"


def test_long_modules_have_a_written_reason() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    for path in _modules().values():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            rel = path.relative_to(SRC).as_posix()
            assert re.search(rf"`{re.escape(rel)}`[^\n]*over {MAX_MODULE_LINES} lines", text), (
                f"{rel} has {lines} lines: split it, or write in ARCHITECTURE.md why "
                f"(a line naming `{rel}` and saying 'over {MAX_MODULE_LINES} lines')"
            )


def test_long_functions_say_why() -> None:
    too_long = []
    for name, path in _modules().items():
        source = path.read_text(encoding="utf-8").splitlines()
        for node in ast.walk(ast.parse("\n".join(source))):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            total = (node.end_lineno or node.lineno) - node.lineno + 1
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                total -= (first.end_lineno or first.lineno) - first.lineno + 1
            if total <= MAX_FUNCTION_LINES:
                continue
            start = (node.decorator_list[0].lineno if node.decorator_list else node.lineno) - 1
            near = source[max(0, start - 1) : node.lineno]
            if not any(LONG_REASON in line for line in near):
                too_long.append(f"{name}:{node.lineno} {node.name} ({total} lines)")
    assert too_long == [], "functions over 100 code lines without a reason: " + ", ".join(too_long)


def test_no_top_level_module_hides_a_public_function() -> None:
    for name in ("measure", "compare", "sweep", "load_test"):
        assert not (SRC / f"{name}.py").exists(), name
        assert not (SRC / name).is_dir(), name
