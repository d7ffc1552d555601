"""The report page: one self-contained HTML file, parsed, opened in a browser, and from the CLI.

The page is checked three ways: an HTML5 parser finds no error in it; it
names no outside resource (no URL, no ``src=``, no script); and Chromium
(the system's package, which ``.ci/run`` installs when missing) renders it:
the DOM it builds holds the decision sentences and every plot as an
``<svg>``, a phone-width screenshot is saved under the test's temporary
directory, and it prints to a PDF of a few pages. ``PRODBENCH_CHROMIUM`` names
another Chromium binary; without one the browser test fails (it never skips).
"""

from __future__ import annotations

import dataclasses
import html
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import time
import warnings
from pathlib import Path

import html5lib
import pytest
from factories import make_comparison, make_result

from prodbench import plot, report
from prodbench.cli import main
from prodbench.report import page
from prodbench.results import Parity, RuntimeVariant
from prodbench.sweep_results import FailedCase, Sweep
from prodbench.verdict import Budget, Comparison, FailedCandidate

CHROMIUM = os.environ.get("PRODBENCH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def _comparison() -> Comparison:
    """Three candidates, a budget one fails, a failed candidate, a compiled variant, capacity."""
    lone = make_result("lone", latency_ms=1.0)
    ensemble = make_result("ensemble", latency_ms=6.0, seed=1)
    compiled = dataclasses.replace(
        make_result("lone@onnx", latency_ms=0.5, seed=2),
        runtime=RuntimeVariant("onnx", "lone", 2_000_000, 4096, Parity(1000, 0, 3e-7)),
    )
    cmp = make_comparison(
        [lone, ensemble, compiled],
        budget=Budget(p99="5ms"),
        failures=[FailedCandidate("broken", "fit", "ValueError", "boom <b>not bold</b>")],
    )
    cmp = dataclasses.replace(cmp, options={"qps": 300, "warnings": ["the machine was busy"]})
    # A small simulation (the default one takes seconds): what target_capacity would hold.
    cmp.__dict__["target_capacity"] = cmp.capacity(workers=(1, 2), replicates=10, requests=2000)
    return cmp


@pytest.fixture(scope="module")
def cmp() -> Comparison:
    return _comparison()


@pytest.fixture(scope="module")
def page_text(cmp: Comparison) -> str:
    return report.render(cmp, "page")


def _sweep() -> Sweep:
    a = make_comparison([make_result("lone"), make_result("ensemble", latency_ms=3.0, seed=1)])
    return Sweep(
        cases=("iris", "wine", "digits"),
        comparisons={"iris": a},
        failures={"wine": FailedCase("wine", "the worker was lost", "WorkerLost")},
        candidates={"iris": ("lone", "ensemble"), "digits": ("lone", "ensemble")},
        budget=None,
    )


def _parse_errors(text: str) -> list[object]:
    parser = html5lib.HTMLParser(strict=False)
    parser.parse(text)
    return list(parser.errors)


def _outside_references(text: str) -> list[str]:
    found = re.findall(r"https?://|\bsrc\s*=|<script|<link|@import|<iframe|<img", text, re.I)
    found += [u for u in re.findall(r"url\(\s*([^)]*)\)", text) if not u.startswith("#")]
    found += [r for r in re.findall(r'href="([^"]*)"', text) if not r.startswith("#")]
    return found


# --------------------------------------------------------------------------- the document
def test_the_page_is_html5_with_no_parse_error(page_text: str) -> None:
    assert page_text.startswith("<!DOCTYPE html>")
    assert _parse_errors(page_text) == []
    html5lib.HTMLParser(strict=True).parse(page_text)  # raises on the first error


def test_the_page_fetches_nothing(page_text: str) -> None:
    assert _outside_references(page_text) == []
    assert tuple(kind for kind, _ in page.PANELS) == plot.KINDS  # every panel of cmp.plot()
    assert page_text.count("<svg") == len(page.PANELS)


def test_the_decision_comes_first_in_the_decision_layers_words(
    cmp: Comparison, page_text: str
) -> None:
    decision = page_text.index('id="decision"')
    for sentence in (cmp.research_sentence, cmp.production_decision.sentence):
        assert html.escape(sentence) in page_text
        assert page_text.index(html.escape(sentence)) > decision
    for s in cmp.stakeholders:
        assert html.escape(s.role) in page_text and html.escape(s.reason) in page_text
    order = [
        page_text.index(f'id="{part}"')
        for part in (
            "decision",
            "research",
            "production",
            "budget",
            "capacity",
            "runtimes",
            "plots",
            "warnings",
            "environment",
        )
    ]
    assert order == sorted(order)
    for line in cmp.verdict[:-1]:  # the last one is the headline, shown once
        assert html.escape(line) in page_text


def test_tables_intervals_budget_capacity_runtimes_warnings(
    cmp: Comparison, page_text: str
) -> None:
    rep = report.model.build_report(cmp)
    production = page_text[page_text.index('id="production"') : page_text.index('id="budget"')]
    for row in rep.rows:
        if not row.failed:
            assert html.escape(row.cells["p99"]).replace("†", "") in production.replace(
                '<span class="pb-flag">†</span>', ""
            )
    assert "p99 [95% CI]" in production
    assert "Capacity within p99 &lt; 5 ms" in page_text and "worker for 300 QPS" in page_text
    assert "parity ok: 100.0% labels agree" in page_text
    warnings = page_text[page_text.index('id="warnings"') : page_text.index('id="environment"')]
    assert "the machine was busy" in warnings
    assert "boom &lt;b&gt;not bold&lt;/b&gt;" in warnings  # escaped, never markup
    assert "Python 3.11" in page_text[page_text.index('id="environment"') :]


def test_phone_and_print_css(page_text: str) -> None:
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page_text
    assert "@media print" in page_text and "@media (max-width: 40rem)" in page_text
    assert page_text.count('<div class="pb-scroll"><table>') >= 3  # tables scroll sideways
    assert "figure svg { display: block; width: 100%; height: auto; }" in page_text


def test_figures_keep_their_ids_apart(page_text: str) -> None:
    ids = re.findall(r'\bid="([^"]+)"', page_text)
    assert len(ids) == len(set(ids))
    referenced = set(re.findall(r'(?:href="#|url\(#)([^")]+)', page_text))
    assert referenced <= set(ids)


def test_render_to_html_and_write_page_agree(tmp_path: Path, cmp: Comparison) -> None:
    out = tmp_path / "report.html"
    assert cmp.to_html(out) is None
    assert out.read_text(encoding="utf-8") == report.render_page(cmp)
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary left
    assert "page" in report.FORMATS["Comparison"] and "page" in report.FORMATS["Sweep"]


def test_a_sweep_page(tmp_path: Path) -> None:
    sw = _sweep()
    out = tmp_path / "sweep.html"
    sw.to_html(out)
    text = out.read_text(encoding="utf-8")
    assert text == report.render(sw, "page")
    assert _parse_errors(text) == [] and _outside_references(text) == []
    assert text.count("<svg") == 1
    cmp = sw.comparisons["iris"]
    assert html.escape(cmp.production_decision.sentence) in text
    assert "FAILED (WorkerLost): the worker was lost" in text
    assert "Not run (interrupted)." in text
    for line in str(sw.summary).splitlines():
        assert html.escape(line) in text


def test_everything_failed_still_renders() -> None:
    cmp = make_comparison(
        [], failures=[FailedCandidate("a", "fit", "ValueError", "x")], baseline="a"
    )
    text = report.render_page(cmp)
    assert _parse_errors(text) == []
    assert "No candidate was measured." in text and "failed in fit" in text


def test_without_matplotlib_the_page_says_so(capsys, monkeypatch, tmp_path: Path) -> None:
    cmp = make_comparison([make_result("a"), make_result("b", seed=1)])
    loaded = [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]
    for name in {"matplotlib", "matplotlib.pyplot", *loaded}:
        monkeypatch.setitem(sys.modules, name, None)  # import matplotlib.pyplot -> ImportError
    with pytest.warns(UserWarning, match="No plots in this report: Plotting needs matplotlib"):
        text = report.render_page(cmp)
    assert "<svg" not in text and "pip install" in text
    assert _parse_errors(text) == []
    out, results = tmp_path / "r.html", tmp_path / "r.json"
    cmp.to_json(results)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the command shows the warning itself, on stderr
        code = main(["report", str(results), "--output", str(out)])
    err = capsys.readouterr().err
    assert code == 0 and "pip install" in out.read_text(encoding="utf-8")
    assert "prodbench: warning: No plots in this report: Plotting needs matplotlib" in err


# --------------------------------------------------------------------------- the browser
def _chromium(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert Path(CHROMIUM).exists(), (
        f"Chromium is not installed at {CHROMIUM}: the report page is tested in a real browser. "
        "Install it with 'apt-get install -y chromium' (.ci/run does when it is missing)."
    )
    profile = cwd / "chromium-profile"
    profile.mkdir(exist_ok=True)
    return subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
    )


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_a_real_browser_renders_the_decision_and_every_plot(
    tmp_path: Path, cmp: Comparison
) -> None:
    started = time.perf_counter()
    out = tmp_path / "report.html"
    cmp.to_html(out)
    dom = _chromium("--dump-dom", out.as_uri(), cwd=tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    rendered = dom.stdout
    assert "<main" in rendered and "</html>" in rendered
    assert html.escape(cmp.production_decision.sentence, quote=False) in rendered
    assert html.escape(cmp.research_sentence, quote=False) in rendered
    for s in cmp.stakeholders:
        assert html.escape(s.role, quote=False) in rendered
    svgs = re.findall(r"<svg\b[^>]*>(.*?)</svg>", rendered, re.DOTALL)
    assert len(svgs) == len(page.PANELS)
    assert all("<path" in body and "<use" in body for body in svgs)  # drawn, with glyphs
    shot = tmp_path / "report.png"
    run = _chromium(f"--screenshot={shot}", "--window-size=390,2000", out.as_uri(), cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    assert shot.exists() and shot.stat().st_size > 20_000  # a page, not a blank image
    assert _png_size(shot) == (390, 2000)
    pdf = tmp_path / "report.pdf"  # printed with the print CSS
    run = _chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}", out.as_uri(), cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
    assert pdf.read_bytes().startswith(b"%PDF") and 2 <= pages <= 12, pages
    print(f"browser test: {time.perf_counter() - started:.1f} s; page {out.stat().st_size:,} B")


# --------------------------------------------------------------------------- the command
def _one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("prodbench: error: ") and "Traceback" not in err
    return lines[0]


def test_cli_report_writes_the_page_and_exits_by_the_rule(capsys, tmp_path: Path) -> None:
    cmp = make_comparison([make_result("a"), make_result("b", seed=1)], budget=Budget(p99="5ms"))
    results, out = tmp_path / "run.json", tmp_path / "report.html"
    cmp.to_json(results)
    assert main(["report", str(results), "--output", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and f"wrote {out}" in captured.err
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.count("<svg") == len(page.PANELS)
    assert html.escape(Comparison.from_json(results).production_decision.sentence) in text
    assert main(["report", str(results)]) == 0  # beside the results: run.json -> run.html
    assert (tmp_path / "run.html").read_text(encoding="utf-8") == out.read_text(encoding="utf-8")
    tight = make_comparison([make_result("a"), make_result("b", seed=1)], budget=Budget(p99="1us"))
    tight.to_json(results)
    assert main(["report", str(results), "--output", str(out)]) == 1  # no candidate passes
    assert "no candidate passes the budget" in capsys.readouterr().err


def test_cli_report_rejects_a_bad_output_path_before_reading(capsys, tmp_path: Path) -> None:
    results = tmp_path / "run.json"
    make_comparison([make_result("a"), make_result("b", seed=1)]).to_json(results)
    missing_dir = tmp_path / "nowhere" / "report.html"
    assert main(["report", str(results), "--output", str(missing_dir)]) == 2
    assert "does not exist" in _one_line_error(capsys.readouterr().err)
    assert main(["report", str(tmp_path / "absent.json"), "--output", str(tmp_path)]) == 2
    assert "is a directory" in _one_line_error(capsys.readouterr().err)  # checked first
    assert main(["report", str(results), "--output", str(results)]) == 2
    assert "is the results file itself" in _one_line_error(capsys.readouterr().err)
    assert main(["report", str(results), "--outptu", "x.html"]) == 2
    assert "unrecognized arguments" in _one_line_error(capsys.readouterr().err)


@pytest.mark.parametrize(
    "content",
    [
        {"schema_version": 3, "kind": "Capacity"},
        {"schema_version": 3, "kind": "ModelResult"},
        [1, 2, 3],
        "not json at all",
    ],
)
def test_cli_report_rejects_what_is_not_a_comparison_or_a_sweep(
    capsys, tmp_path: Path, content: object
) -> None:
    results, out = tmp_path / "other.json", tmp_path / "report.html"
    results.write_text(content if isinstance(content, str) else json.dumps(content))
    assert main(["report", str(results), "--output", str(out)]) == 2
    line = _one_line_error(capsys.readouterr().err)
    assert "comparison" in line.lower() or "json" in line.lower()
    assert not out.exists()


def test_cli_report_of_a_sweep(capsys, tmp_path: Path) -> None:
    sw = _sweep()
    results, out = tmp_path / "sweep.json", tmp_path / "sweep.html"
    sw.to_json(results)
    code = main(["report", str(results), "--output", str(out)])
    assert code == 3  # a failed case counts as a failed candidate, as in sweep and show
    assert "prodbench sweep report" in out.read_text(encoding="utf-8")


def test_cli_report_help_fits_80_columns(capsys, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["report", "--help"]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "prodbench report run.json --output report.html" in out and "exit codes" in out


def test_cli_report_in_a_real_subprocess(tmp_path: Path) -> None:
    results, out = tmp_path / "run.json", tmp_path / "report.html"
    make_comparison([make_result("a"), make_result("b", seed=1)]).to_json(results)
    proc = subprocess.run(
        [sys.executable, "-m", "prodbench", "report", str(results), "--output", str(out)],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    text = out.read_text(encoding="utf-8")
    assert text.count("<svg") == len(page.PANELS) and _parse_errors(text) == []
    bad = subprocess.run(
        [sys.executable, "-m", "prodbench", "report", str(results), "--output",
         str(tmp_path / "no" / "r.html")],
        capture_output=True, text=True, timeout=180, cwd=tmp_path,
    )  # fmt: skip
    assert bad.returncode == 2
    _one_line_error(bad.stderr)
