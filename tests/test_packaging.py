"""Packaging: the README's set-up commands, the licence and the type marker."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _bash_blocks(text: str) -> list[str]:
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", text, flags=re.S)]


def test_readme_main_job_installs_only_plot_extra_and_tests_match_ci() -> None:
    blocks = _bash_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    assert blocks[0] == 'python -m pip install -e ".[plot]" && python -m prodbench compare'
    assert blocks[1] == 'python -m pip install -e ".[dev]" && python -m pytest'
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    assert ci == blocks[1]


def test_license_matches_pyproject_and_py_typed_ships() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'license = { text = "MIT" }' in pyproject
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    assert (ROOT / "src" / "prodbench" / "py.typed").is_file()
    assert re.search(r'\[tool.setuptools.package-data\]\nprodbench = \["py.typed"\]', pyproject)
