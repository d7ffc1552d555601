"""Print the shape of the package: module sizes, the longest functions, import cycles.

Every import is counted (module level, inside functions and under
``TYPE_CHECKING``), so a circle closed by a lazy import shows up here even
though Python would never trip on it. Run from the repository root::

    python benchmarks/bench_structure.py            # the figures
    python benchmarks/bench_structure.py --top 25   # more of the longest functions

Nothing of the package is imported or run: the source is read with ``ast``.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "prodbench"

# The display seam (ARCHITECTURE.md): one-line delegations from result and
# decision types to the rendering facades, the only upward imports allowed.
SEAM = {
    ("prodbench.results", "prodbench.report"),
    ("prodbench.results", "prodbench.plot"),
    ("prodbench.results", "prodbench.serving"),
    ("prodbench.serving_results", "prodbench.report"),
    ("prodbench.verdict", "prodbench.report"),
    ("prodbench.verdict", "prodbench.plot"),
    ("prodbench.sweep_results", "prodbench.report"),
    ("prodbench.sweep_results", "prodbench.plot"),
}


def module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def _resolve(current: str, is_pkg: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = current.split(".")
    if not is_pkg:
        base = base[:-1]
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports(mods: dict[str, Path]) -> dict[str, set[str]]:
    """Every prodbench module each module imports, wherever the import stands."""
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for mod, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        is_pkg = path.name == "__init__.py"
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(mod, is_pkg, node)
                targets = [base]
                targets += [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in mods]
            for t in targets:
                while t and t not in mods:
                    t = t.rpartition(".")[0]
                if t and t != mod and t != "prodbench":
                    graph[mod].add(t)
    return graph


def cycles(graph: dict[str, set[str]], drop: set[tuple[str, str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if (v, w) in drop or _seam(v, w, drop):
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10_000)
    for v in graph:
        if v not in index:
            visit(v)
    return out


def _seam(src: str, dst: str, drop: set[tuple[str, str]]) -> bool:
    return any(src == a and (dst == b or dst.startswith(b + ".")) for a, b in drop)


def functions(mods: dict[str, Path]) -> list[tuple[int, int, str]]:
    """(code lines without the docstring, total lines, where) for every function."""
    rows = []
    for mod, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                total = (node.end_lineno or node.lineno) - node.lineno + 1
                doc = 0
                body = node.body
                if (
                    body
                    and isinstance(body[0], ast.Expr)
                    and isinstance(body[0].value, ast.Constant)
                    and isinstance(body[0].value.value, str)
                ):
                    doc = (body[0].end_lineno or body[0].lineno) - body[0].lineno + 1
                rows.append((total - doc, total, f"{mod}:{node.lineno} {node.name}"))
    rows.sort(reverse=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=15, help="longest functions to list")
    args = parser.parse_args(argv)
    mods = modules()
    sizes = {m: len(p.read_text(encoding="utf-8").splitlines()) for m, p in mods.items()}
    print(f"{len(mods)} modules, {sum(sizes.values())} lines")
    print("\nModules over 500 lines:")
    for m, n in sorted(sizes.items(), key=lambda kv: -kv[1]):
        if n > 500:
            print(f"  {n:5d}  {m}")
    graph = imports(mods)
    arrows = sum(len(v) for v in graph.values())
    every = cycles(graph, set())
    outside = cycles(graph, SEAM)
    print(f"\n{arrows} import arrows between modules (every import, function level included)")
    print(f"import cycles counting every import: {len(every)}")
    for c in every:
        print(f"  {len(c)} modules: {', '.join(c)}")
    print(f"import cycles outside the display seam: {len(outside)}")
    for c in outside:
        print(f"  {len(c)} modules: {', '.join(c)}")
    rows = functions(mods)
    print(f"\nLongest functions (code lines without docstring / total), top {args.top}:")
    for code, total, where in rows[: args.top]:
        print(f"  {code:4d} / {total:4d}  {where}")
    over = [r for r in rows if r[0] > 100]
    print(f"functions over 100 code lines: {len(over)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
