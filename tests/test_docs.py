"""The documentation: the site builds strictly, and every code block on it runs.

Every fenced block in ``docs/**/*.md`` and ``README.md`` declares its language, and the
language says what this module does with it:

- ``python``: run, the page's blocks in order in one fresh interpreter (as a notebook
  runs its cells) in a temporary directory; a block defining ``test_*`` functions is a
  test file and runs under pytest instead;
- ``bash``: each command runs in that page's temporary directory; exit codes 0 and 1
  are answers (1: no candidate passes the budget, or a ``diff`` gate tripped), any other
  fails the test;
- ``yaml``: parsed;
- ``text``: output, shown as it is.

A block that cannot run here (it installs packages, or needs a Dask scheduler) says so
on the line just above its fence: ``<!-- not run: the reason -->``.

Examples keep ``max_time`` small, so that each block takes a few seconds, and these
subprocesses run with native thread pools pinned to one thread (``OMP_NUM_THREADS=1``
and friends): on a busy 2-core machine a multi-threaded BLAS fit can take twenty times
longer, and the examples are checked for running, not for their figures.
"""

from __future__ import annotations

import doctest
import importlib
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README = ROOT / "README.md"
PAGES = sorted(DOCS.rglob("*.md"))
LANGUAGES = {"python", "bash", "yaml", "text"}
NOT_RUN = re.compile(r"^<!-- not run: (\S.*?) -->$")
SAMPLE = re.compile(  # the README's sample output, between its snippet markers
    r"--8<-- \[start:default-run\] -->\n```text\n(.*?)```\n<!-- --8<-- \[end:default-run\]", re.S
)


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # 1-based line of the first line of code
    lang: str
    code: str
    not_run: str | None  # the reason, when marked as not run

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def blocks(path: Path) -> list[Block]:
    """The fenced blocks of a Markdown file.

    A fence must start at column 0: an indented one is returned with the language
    ``"indented ..."``, which no test runs, so that the language check names it.
    """
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[Block] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.lstrip().startswith("```"):
            i += 1
            continue
        indent = line[: len(line) - len(line.lstrip())]
        lang = line.strip()[3:].strip()
        if indent:
            lang = f"indented {lang}"
        marked = NOT_RUN.match(lines[i - 1]) if i > 0 else None
        end = next(
            (j for j in range(i + 1, len(lines)) if lines[j].strip().startswith("```")),
            len(lines),
        )
        code = "\n".join(x[len(indent) :] for x in lines[i + 1 : end]) + "\n"
        out.append(Block(path, i + 2, lang, code, marked.group(1) if marked else None))
        i = end + 1
    return out


PINNED = {v: "1" for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


def _env(**extra: str) -> dict[str, str]:
    # budget checks next to the other tests on a shared 2-core runner: their calls test
    # dependent and count for fewer samples, so up to 30 s, as the docs advise for CI
    env = {**os.environ, "MPLBACKEND": "Agg", "COLUMNS": "80", "PRODBENCH_MAX_TIME": "30", **extra}
    src = str(ROOT / "src")  # the code next to these docs, installed or not
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    return env


def _run(
    args: list[str], cwd: Path, timeout: float, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=env or _env(), capture_output=True, text=True, timeout=timeout
    )


ALL_FILES = [README, *PAGES]


def _with(lang: str) -> list[Path]:
    return [p for p in ALL_FILES if any(b.lang == lang and not b.not_run for b in blocks(p))]


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_every_code_block_says_what_it_is() -> None:
    bad = [
        f"{b.where}: ```{b.lang}" for p in ALL_FILES for b in blocks(p) if b.lang not in LANGUAGES
    ]
    assert not bad, f"each fence needs one of {sorted(LANGUAGES)}: {bad}"
    marked = [b for p in ALL_FILES for b in blocks(p) if b.not_run]
    assert all(b.lang == "bash" for b in marked), [b.where for b in marked]


@pytest.mark.parametrize("path", _with("python"), ids=_id)
def test_python_blocks_run(path: Path, tmp_path: Path) -> None:
    page = [b for b in blocks(path) if b.lang == "python" and not b.not_run]
    tests = [b for b in page if re.search(r"^def test_", b.code, re.M)]
    script = [b for b in page if b not in tests]
    if script:
        # Each block is padded so that a traceback names the line of the Markdown file.
        data = [(str(b.path), b.line, b.code) for b in script]
        runner = tmp_path / "run_blocks.py"
        runner.write_text(
            f"BLOCKS = {data!r}\n"
            "import sys, time\n"
            "for path, line, code in BLOCKS:\n"
            "    began = time.perf_counter()\n"
            "    exec(compile('\\n' * (line - 1) + code, path, 'exec'), globals())\n"
            "    print(f'{path}:{line}: {time.perf_counter() - began:.1f} s', file=sys.stderr)\n",
            encoding="utf-8",
        )
        proc = _run([sys.executable, str(runner)], tmp_path, timeout=300, env=_env(**PINNED))
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    for b in tests:
        test_file = tmp_path / f"test_block_{b.line}.py"
        test_file.write_text(b.code, encoding="utf-8")
        proc = _run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                f"--rootdir={tmp_path}",
                str(test_file),
            ],
            tmp_path,
            timeout=300,
            env=_env(**PINNED),
        )
        assert proc.returncode == 0, f"{b.where}\n{proc.stdout[-3000:]}{proc.stderr[-2000:]}"
        assert " passed" in proc.stdout and "failed" not in proc.stdout, proc.stdout


def _commands(code: str) -> list[str]:
    """A bash block's commands: continuation lines joined, comments and blanks dropped."""
    joined = code.replace("\\\n", " ")
    return [c.strip() for c in joined.splitlines() if c.strip() and not c.lstrip().startswith("#")]


@pytest.mark.parametrize("path", _with("bash"), ids=_id)
def test_bash_blocks_run(path: Path, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)  # `python` is this interpreter
    env_path = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    for b in blocks(path):
        if b.lang != "bash" or b.not_run:
            continue
        for command in _commands(b.code):
            proc = subprocess.run(
                ["bash", "-c", command],
                cwd=tmp_path,
                env=_env(**PINNED, PATH=env_path),
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert proc.returncode in (0, 1), (
                f"{b.where}: {command}\nexit {proc.returncode}\n"
                f"{proc.stdout[-2000:]}{proc.stderr[-2000:]}"
            )


@pytest.mark.parametrize("path", _with("yaml"), ids=_id)
def test_yaml_blocks_parse(path: Path) -> None:
    import yaml  # comes with mkdocs

    for b in blocks(path):
        if b.lang == "yaml":
            assert isinstance(yaml.safe_load(b.code), dict), b.where


def test_site_builds_strictly(tmp_path: Path) -> None:
    if not (ROOT / "ARCHITECTURE.md").is_file():
        pytest.fail("ARCHITECTURE.md is missing: docs/architecture.md includes it")
    site = tmp_path / "site"
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env={**_env(), "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-6000:]
    built = {p.relative_to(site).as_posix() for p in site.rglob("index.html")}
    for page in PAGES:
        rel = page.relative_to(DOCS).with_suffix("")
        folder = rel.parent if rel.name == "index" else rel  # docs/x/y.md -> x/y/index.html
        expected = (folder / "index.html").as_posix()
        assert expected in built, (expected, sorted(built))
    # the API reference is generated from the docstrings, and the architecture page
    # holds ARCHITECTURE.md itself
    api = (site / "api" / "runs" / "index.html").read_text(encoding="utf-8")
    assert 'id="prodbench.compare"' in api and "Parameters" in api
    arch = (site / "architecture" / "index.html").read_text(encoding="utf-8")
    first = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8").splitlines()[0]
    assert first.lstrip("# ").strip() in arch


def _api_objects() -> list[tuple[str, bool]]:
    """``(identifier, with members)`` for every ``::: identifier`` of the API pages."""
    out = []
    for page in sorted((DOCS / "api").glob("*.md")):
        text = page.read_text(encoding="utf-8")
        for m in re.finditer(r"^::: (\S+)\n((?:    .*\n)*)", text, re.M):
            out.append((m.group(1), "members: false" not in m.group(2)))
    return out


def _resolve(identifier: str) -> object:
    parts = identifier.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(identifier)


def test_api_reference_is_the_public_surface() -> None:
    objects = dict(_api_objects())
    import prodbench

    exported = {f"prodbench.{n}" for n in prodbench.__all__ if n != "__version__"}
    errors = {n for n in exported if n.endswith(("Error", "Inconclusive"))}
    missing = sorted(exported - errors - set(objects))
    assert not missing, f"public names without a reference entry: {missing}"
    assert "prodbench.errors" in objects
    for identifier in objects:
        _resolve(identifier)  # every entry imports


REPORT_FUNCTIONS = ("render", "to_json_dict", "to_frame")


def public_callables() -> list[tuple[str, object]]:
    """The public surface: ``prodbench.__all__`` (classes with their public methods),
    ``prodbench.testing``'s public functions, and the report facade's three functions."""
    import inspect

    import prodbench
    import prodbench.report
    import prodbench.testing

    out: list[tuple[str, object]] = []
    for name in prodbench.__all__:
        obj = getattr(prodbench, name)
        if not callable(obj):  # __version__
            continue
        out.append((f"prodbench.{name}", obj))
        if not isinstance(obj, type):
            continue
        for attr, raw in vars(obj).items():
            function = getattr(raw, "__func__", raw)  # classmethod, staticmethod
            if not attr.startswith("_") and inspect.isfunction(function):
                out.append((f"prodbench.{name}.{attr}", function))
    for name in prodbench.testing.__all__:
        obj = getattr(prodbench.testing, name)
        if inspect.isfunction(obj):
            out.append((f"prodbench.testing.{name}", obj))
    out += [(f"prodbench.report.{n}", getattr(prodbench.report, n)) for n in REPORT_FUNCTIONS]
    return out


def test_every_public_callable_has_a_docstring_with_an_example() -> None:
    """numpydoc: a summary, Parameters when it takes arguments, and an Examples section."""
    import inspect

    missing, no_parameters = [], []
    for name, obj in public_callables():
        doc = inspect.getdoc(obj) or ""
        if not re.search(r"^Examples\n-{8}\n(?:.*\n)*?>>> ", doc + "\n", re.M):
            missing.append(name)
        if inspect.isfunction(obj):
            params = [
                p
                for p in inspect.signature(obj).parameters.values()
                if p.name not in ("self", "cls") and not p.name.startswith("_")
            ]
            if params and not re.search(r"^Parameters\n-{10}$", doc, re.M):
                no_parameters.append(name)
    assert not missing, f"public callables without an Examples section with >>>: {missing}"
    assert not no_parameters, f"taking arguments, without a Parameters section: {no_parameters}"


def test_the_surface_walk_sees_the_methods() -> None:
    names = dict(public_callables())
    for wanted in (
        "prodbench.compare",
        "prodbench.Comparison.plot",
        "prodbench.Comparison.from_json",  # a classmethod
        "prodbench.ModelResult.plot",
        "prodbench.Sweep.to_frame",
        "prodbench.testing.assert_latency",
        "prodbench.report.render",
    ):
        assert wanted in names, wanted


def run_examples(entries: list[tuple[str, bool]]) -> doctest.TestResults:
    """Run the ``>>>`` examples the API pages show: each entry's docstring, and its
    members' (those not starting with ``_``) unless the page says ``members: false``."""
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    seen: set[str] = set()
    for identifier, members in entries:
        for test in finder.find(_resolve(identifier), identifier):
            shown = members or test.name == identifier
            private = any(part.startswith("_") for part in test.name.split(".")[1:])
            if shown and not private and test.name not in seen and test.examples:
                seen.add(test.name)
                runner.run(test, clear_globs=True)
    return runner.summarize(verbose=False)


@pytest.mark.slow
def test_api_reference_examples_run(tmp_path: Path) -> None:
    """The examples shown in the API reference (the docstrings' ``>>>`` lines) pass."""
    args = [f"{i}={int(m)}" for i, m in _api_objects()]
    # Two fresh interpreters, each with half of the objects, side by side: one per core
    # (the examples are single-threaded), so the test takes half the wall time.
    halves = [args[0::2], args[1::2]]
    procs = []
    for k, half in enumerate(halves):
        cwd = tmp_path / f"half{k}"
        cwd.mkdir()
        command = [sys.executable, __file__, *half]
        pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
        procs.append(subprocess.Popen(command, cwd=cwd, env=_env(**PINNED), **pipes))
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, out[-6000:] + err[-2000:]
        assert "failed=0" in out and "attempted=0" not in out, out


def _sample() -> str:
    m = SAMPLE.search(README.read_text(encoding="utf-8"))
    assert m, "README.md has no default-run sample between its snippet markers"
    return m.group(1)


ROLES = ("ML engineer", "Product manager", "Infrastructure", "Manager")


def structure(text: str) -> list[tuple[str, ...]]:
    """What a comparison's text is made of, without its figures.

    The section headings, the table titles, header rows, rules and one row per
    candidate, in order; the picks and the stakeholders' roles. Footnotes (``†``,
    ``*``, ``!``), bullets and wrapped lines are left out: which of them appear depends
    on the figures (a budget lists only the limits that did not pass, say).
    """
    out: list[tuple[str, ...]] = []
    table = ""  # "header" after a table's title, "rows" after its rule
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            table = "" if table == "rows" else table
            continue
        if "PRIORITY" in line:
            kind: tuple[str, ...] = ("title", stripped.strip("─ "))
            table = "header"
        elif stripped.startswith("─"):
            kind, table = ("rule",), "rows"
        elif table == "header":
            kind = ("header",)
        elif table == "rows":
            kind = ("row", line.split()[0])
        elif line[0] in " †*!":  # bullets, wrapped lines, footnotes
            continue
        elif m := re.match(r"([A-Za-z][A-Za-z ]*?)(?: \([^)]*\))?:", line):
            kind = ("heading", m.group(1))
        else:
            kind = ("other", line.split()[0])
        if not out or out[-1] != kind:
            out.append(kind)
    body = " ".join(text.split())
    out.append(("picks", *(p for p in ("Research pick:", "Production pick:") if p in body)))
    out.append(("roles", *(r for r in ROLES if f"{r}:" in body or f"  {r} " in text)))
    return out


def test_structure_ignores_the_figures() -> None:
    sample = _sample()
    shape = structure(sample)
    assert ("row", "logreg") in shape and ("row", "ensemble") in shape
    assert ("heading", "Verdict") in shape and ("heading", "Stakeholders") in shape
    assert shape[-1] == ("roles", *ROLES) and shape[-2] == (
        "picks",
        "Research pick:",
        "Production pick:",
    )
    changed = re.sub(r"\d", "7", sample)  # other figures, the same shape
    assert structure(changed) == shape


@pytest.mark.slow
def test_readme_sample_has_the_structure_of_a_fresh_default_run(tmp_path: Path) -> None:
    proc = _run([sys.executable, "-m", "prodbench", "compare"], tmp_path, timeout=600)
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    assert structure(proc.stdout) == structure(_sample()), proc.stdout


if __name__ == "__main__":  # test_api_reference_examples_run, in a fresh interpreter
    entries = [(a.rsplit("=", 1)[0], a.endswith("=1")) for a in sys.argv[1:]]
    outcome = run_examples(entries)
    print(outcome)
    sys.exit(1 if outcome.failed else 0)
