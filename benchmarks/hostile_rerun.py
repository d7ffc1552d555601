# ruff: noqa: E501 (the review's command lines, kept whole and readable)
"""Re-run the hostile review's non-GOOD cases and count them per class, before and after.

The review (``../shared/reviews/hostile.md``) tried 584 inputs and filed 141
of them under findings S1-S2, D1-D6, W1-W12, T1-T9, H1-H5, C1-C2, P1-P10.
Each case below is that review's reproduction, run against this tree through
the entry point it was found on (the command line in a subprocess, the
library in a subprocess, pytest in a subprocess), with the review's "should"
as the check. A case whose check holds is GOOD; one whose check fails keeps
its class. Nothing is taken from the unit tests: this is the outside view.

Run from the repository root (about 10 minutes on 2 cores)::

    python benchmarks/hostile_rerun.py              # every case, a table per class
    python benchmarks/hostile_rerun.py -k show_     # the cases whose name has 'show_'
    python benchmarks/hostile_rerun.py --jobs 1     # one at a time (a quieter machine)

The hostile models are in ``benchmarks/hostile_zoo/bad.py``; loading them runs
their code (that is the point). Cases that need ``mount`` (a full disk) are
reported as NOT RUN where the machine does not allow it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ZOO = Path(__file__).resolve().parent / "hostile_zoo"
CLASSES = (
    "SECURITY",
    "DATA-LOSS",
    "WRONG",
    "TRACEBACK",
    "HANG/UNBOUNDED",
    "CRASH",
    "POOR-MESSAGE",
)
FINDING_CLASS = {"S": "SECURITY", "D": "DATA-LOSS", "W": "WRONG", "T": "TRACEBACK"}
FINDING_CLASS |= {"H": "HANG/UNBOUNDED", "C": "CRASH", "P": "POOR-MESSAGE"}
# The review's own count per class (its summary table), for the "before" column.
REVIEW_COUNTS = {
    "SECURITY": 3,
    "DATA-LOSS": 15,
    "WRONG": 31,
    "TRACEBACK": 26,
    "HANG/UNBOUNDED": 10,
    "CRASH": 2,
    "POOR-MESSAGE": 54,
}
FAST = ["--max-time", "0.2", "--quiet"]


@dataclass
class Run:
    """One process: exit code (None when it was killed at the time limit), output, time."""

    code: int | None
    out: str
    err: str
    seconds: float

    @property
    def hung(self) -> bool:
        return self.code is None

    @property
    def text(self) -> str:
        return self.out + self.err

    @property
    def clean(self) -> bool:
        """Ended, without a Python traceback on either stream."""
        return not self.hung and "Traceback (most recent call last)" not in self.text


class Workspace:
    """A scratch directory, the environment every process gets, and shared input files."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ZOO)]),
            "COLUMNS": "80",
            "PYTHONWARNINGS": "default",
        }
        self.env.pop("CI", None)
        self._lock = threading.RLock()  # a shared input may be built from another
        self._made: dict[str, Path] = {}

    def path(self, name: str) -> Path:
        return self.root / f"{uuid.uuid4().hex[:8]}-{name}"

    # ------------------------------------------------------------------ processes
    def run(
        self,
        argv: list[str],
        *,
        timeout: float = 180,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
        interrupt_after: float | None = None,
        interrupt_when: str | None = None,
    ) -> Run:
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv,
            cwd=cwd or self.root,
            env={**self.env, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            errors="replace",
            start_new_session=True,
        )
        if interrupt_after is not None or interrupt_when is not None:
            self._interrupt(proc, interrupt_after, interrupt_when)
        try:
            out, err = proc.communicate(timeout=timeout)
            code: int | None = proc.returncode
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            code = None
        return Run(code, out, err, time.perf_counter() - start)

    @staticmethod
    def _interrupt(proc: subprocess.Popen[str], after: float | None, when: str | None) -> None:
        """SIGINT the process group after ``after`` s, or once ``when`` exists as a file."""

        def fire() -> None:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and proc.poll() is None:
                if when is not None and Path(when).exists():
                    time.sleep(0.5)
                    break
                if when is None and after is not None:
                    time.sleep(after)
                    break
                time.sleep(0.1)
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGINT)

        threading.Thread(target=fire, daemon=True).start()

    def cli(self, *args: str, **kwargs: object) -> Run:
        # -P: the console script's view, where the working directory is not on sys.path
        return self.run([sys.executable, "-P", "-m", "prodbench", *map(str, args)], **kwargs)  # type: ignore[arg-type]

    def lib(self, code: str, timeout: float = 180) -> str:
        """Run library code; 'OK', or 'RAISED <type> pb=<is a ProdbenchError>: <message>'."""
        script = (
            "import sys, prodbench as pb\n"
            "try:\n" + textwrap.indent(textwrap.dedent(code), "    ") + "\n"
            "except BaseException as exc:\n"
            "    print('RAISED', type(exc).__name__, 'pb=%s' % isinstance(exc, pb.ProdbenchError),"
            " str(exc)[:300].replace(chr(10), ' '))\n"
            "else:\n"
            "    print('OK')\n"
        )
        r = self.run([sys.executable, "-P", "-c", script], timeout=timeout)
        if r.hung:
            return "HUNG"
        lines = r.out.strip().splitlines()
        return lines[-1] if lines else f"NO OUTPUT (exit {r.code}): {r.err[-300:]}"

    def pytest(self, body: str, *options: str, timeout: float = 180) -> Run:
        folder = self.path("pt")
        folder.mkdir()
        (folder / "test_case.py").write_text(textwrap.dedent(body))
        argv = [sys.executable, "-P", "-m", "pytest", "-q", "-p", "no:cacheprovider", *options]
        return self.run([*argv, str(folder / "test_case.py")], cwd=folder, timeout=timeout)

    # ------------------------------------------------------------------ shared inputs
    def made(self, name: str, build: Callable[[Path], None]) -> Path:
        """An input file built once (under a lock) and shared by the cases."""
        with self._lock:
            if name not in self._made:
                path = self.root / name
                build(path)
                self._made[name] = path
            return self._made[name]

    def base1(self) -> Path:
        def build(path: Path) -> None:
            r = self.cli(
                "compare", "logreg", "forest", "--data", "iris", *FAST, "--no-isolate",
                "--output", path,
            )  # fmt: skip
            assert path.exists(), r.err

        return self.made("base1.json", build)

    def iris_csv(self) -> Path:
        def build(path: Path) -> None:
            from sklearn.datasets import load_iris

            frame = load_iris(as_frame=True).frame.rename(columns={"target": "label"})
            frame.columns = [c.replace(" (cm)", "").replace(" ", "_") for c in frame.columns]
            frame.to_csv(path, index=False)

        return self.made("iris.csv", build)

    def tampered(self, name: str, edit: Callable[[dict], None]) -> Path:
        """A copy of base1.json with one edit."""
        data = json.loads(self.base1().read_text())
        edit(data)
        path = self.path(f"{name}.json")
        path.write_text(json.dumps(data))
        return path

    def sweep1(self) -> Path:
        def build(path: Path) -> None:
            r = self.cli(
                "sweep", "logreg", "knn", "--data", "iris", "--data", "wine", "--max-time",
                "0.2", "--no-isolate", "--quiet", "--output", path,
            )  # fmt: skip
            assert path.exists(), r.err

        return self.made("sw1.json", build)

    def loadtest1(self) -> Path:
        def build(path: Path) -> None:
            r = self.cli(
                "load-test", "logreg", "--data", "iris", "--qps", "20", "--duration", "1",
                "--output", path,
            )  # fmt: skip
            assert path.exists(), r.err

        return self.made("lt1.json", build)

    def capacity1(self) -> Path:
        def build(path: Path) -> None:
            r = self.cli(
                "capacity", self.base1(), "--budget", "p99=20ms", "--workers", "1",
                "--format", "json", "--output", path,
            )  # fmt: skip
            assert path.exists(), r.err

        return self.made("cap1.json", build)

    def joblib_model(self, name: str, columns: str = "same", frame: bool = True) -> Path:
        """A LogisticRegression fitted on iris.csv (a DataFrame, columns as given)."""

        def build(path: Path) -> None:
            import joblib
            import pandas as pd
            from sklearn.linear_model import LogisticRegression

            data = pd.read_csv(self.iris_csv())
            y = data.pop("label")
            if columns == "reversed":
                data = data[data.columns[::-1]]
            X = data if frame else data.to_numpy()
            joblib.dump(LogisticRegression(max_iter=1000).fit(X, y), path)

        return self.made(f"{name}.joblib", build)


Check = Callable[[Workspace], tuple[bool, str]]
CASES: list[tuple[str, str, Check]] = []


def case(name: str, finding: str) -> Callable[[Check], Check]:
    def add(check: Check) -> Check:
        CASES.append((name, finding, check))
        return check

    return add


def said(r: Run, limit: int = 160) -> str:
    """The last line of what a run said, for the table."""
    lines = [line for line in r.err.strip().splitlines() if line.strip()] or r.out.splitlines()
    last = lines[-1] if lines else ""
    return f"exit {r.code}, {r.seconds:.1f}s: {last[:limit]}"


def refused(r: Run) -> tuple[bool, str]:
    """Exit 2 with one clean message."""
    return r.clean and r.code == 2, said(r)


def no_pb_frames(r: Run) -> bool:
    return "prodbench/" not in r.text.split("Traceback")[-1] if "Traceback" in r.text else True


# =============================================================================== SECURITY
def _cwd_module(w: Workspace) -> tuple[Path, Path]:
    folder = w.path("evilcwd")
    folder.mkdir()
    sentinel = w.path("SENTINEL")
    (folder / "struct.py").write_text(
        "import sys, os\n"
        f"open({str(sentinel)!r}, 'a').write(str(os.getpid()) + '\\n')\n"
        "sys.path[:] = [p for p in sys.path if p not in ('', os.getcwd())]\n"
        "del sys.modules['struct']\n"
        "import importlib; _r = importlib.import_module('struct'); sys.modules['struct'] = _r\n"
        "globals().update({k: v for k, v in _r.__dict__.items() if not k.startswith('__')})\n"
    )
    return folder, sentinel


@case("sec_cwd_compare", "S1")
def _(w: Workspace) -> tuple[bool, str]:
    folder, sentinel = _cwd_module(w)
    r = w.cli("compare", "logreg", "knn", "--data", "iris", *FAST, cwd=folder)
    return r.code == 0 and not sentinel.exists(), f"sentinel {sentinel.exists()}; {said(r)}"


@case("sec_cwd_loadtest", "S1")
def _(w: Workspace) -> tuple[bool, str]:
    folder, sentinel = _cwd_module(w)
    r = w.cli("load-test", "logreg", "--data", "iris", "--qps", "10", "--duration", "1", cwd=folder)
    return r.clean and not sentinel.exists(), f"sentinel {sentinel.exists()}; {said(r)}"


@case("show_ansi", "S2")
def _(w: Workspace) -> tuple[bool, str]:
    def edit(d: dict) -> None:
        evil = "\x1b[2J\x1b[31mEVIL\nname"
        r = d["results"].pop("forest")
        r["name"] = evil
        d["results"][evil] = r
        d["names"] = ["logreg", evil]

    r = w.cli("show", w.tampered("ansi", edit))
    return r.clean and "\x1b" not in r.out, said(r)


# =============================================================================== DATA-LOSS
def _output_target(w: Workspace, make: Callable[[Path], None], kind: str) -> tuple[bool, str]:
    folder = w.path("out")
    folder.mkdir()
    target = folder / "target"
    make(target)
    before = os.lstat(target)
    r = w.cli(
        "compare", "logreg", "knn", "--data", "iris", *FAST, "--no-isolate", "--output", target,
        timeout=90,
    )  # fmt: skip
    after = os.lstat(target) if os.path.lexists(target) else None
    kept = after is not None and stat.S_IFMT(after.st_mode) == stat.S_IFMT(before.st_mode)
    if kept and stat.S_ISCHR(before.st_mode):
        kept = after.st_rdev == before.st_rdev
    return r.clean and kept, f"{kind} kept: {kept}; {said(r)}"


@case("out_devnull_copy", "D1")
def _(w: Workspace) -> tuple[bool, str]:
    return _output_target(w, lambda p: os.mknod(p, 0o666 | stat.S_IFCHR, os.makedev(1, 3)), "null")


@case("out_devfull_copy", "D1")
def _(w: Workspace) -> tuple[bool, str]:
    return _output_target(w, lambda p: os.mknod(p, 0o666 | stat.S_IFCHR, os.makedev(1, 7)), "full")


@case("out_fifo", "D1")
def _(w: Workspace) -> tuple[bool, str]:
    return _output_target(w, os.mkfifo, "fifo")


@case("out_symlink", "D1")
def _(w: Workspace) -> tuple[bool, str]:
    real = w.path("real.json")
    real.write_text('{"keep": "me"}')
    return _output_target(w, lambda p: p.symlink_to(real), "symlink")


@case("out_dangling", "D1")
def _(w: Workspace) -> tuple[bool, str]:
    return _output_target(w, lambda p: p.symlink_to(w.path("nowhere.json")), "dangling symlink")


@case("out_stdout_link", "D1")
def _(w: Workspace) -> tuple[bool, str]:
    return _output_target(w, lambda p: p.symlink_to("/proc/self/fd/1"), "stdout symlink")


@case("out_devnull_real", "D1")
def _(w: Workspace) -> tuple[bool, str]:
    before = os.stat("/dev/null")
    r = w.cli(
        "compare", "logreg", "knn", "--data", "iris", *FAST, "--no-isolate",
        "--output", "/dev/null",
    )  # fmt: skip
    after = os.stat("/dev/null")
    kept = stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    if not kept:  # put the machine's /dev/null back
        os.remove("/dev/null")
        os.mknod("/dev/null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        os.chmod("/dev/null", 0o666)
    return r.clean and kept, f"/dev/null kept: {kept}; {said(r)}"


@case("lt_out_fifo", "D1")
def _(w: Workspace) -> tuple[bool, str]:
    fifo = w.path("lt.fifo")
    os.mkfifo(fifo)
    r = w.cli(
        "load-test", "logreg", "--data", "iris", "--qps", "10", "--duration", "1",
        "--output", fifo, timeout=90,
    )  # fmt: skip
    kept = stat.S_ISFIFO(os.lstat(fifo).st_mode)
    return r.clean and kept, f"fifo kept: {kept}; {said(r)}"


@case("out_is_data", "D2")
def _(w: Workspace) -> tuple[bool, str]:
    train = w.path("train.csv")
    shutil.copy(w.iris_csv(), train)
    before = train.read_bytes()
    r = w.cli(
        "compare", "logreg", "knn", *FAST, "--no-isolate", "--data", train, "--target", "label",
        "--output", train,
    )  # fmt: skip
    return r.clean and r.code == 2 and train.read_bytes() == before, said(r)


@case("plot_same_as_output", "D2")
def _(w: Workspace) -> tuple[bool, str]:
    same = w.path("same.png")
    r = w.cli(
        "compare", "logreg", "knn", "--data", "iris", *FAST, "--no-isolate", "--plot", same,
        "--output", same,
    )  # fmt: skip
    return r.clean and r.code == 2 and r.seconds < 15 and not same.exists(), said(r)


def _full_disk(w: Workspace) -> Path | None:
    folder = w.path("tiny")
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        return None
    subprocess.run(
        ["dd", "if=/dev/zero", f"of={folder}/f", "bs=1k", "count=16"], capture_output=True
    )
    return folder


def _on_full_disk(w: Workspace, argv: list[str]) -> tuple[bool, str]:
    folder = _full_disk(w)
    if folder is None:
        return False, "NOT RUN: mount is not allowed here"
    try:
        r = w.cli(*argv, "--output", folder / "x.json")
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)
    printed = bool(r.out.strip())
    return r.clean and r.code == 2 and printed, f"printed first: {printed}; {said(r)}"


@case("lt_enospc", "D3")
def _(w: Workspace) -> tuple[bool, str]:
    return _on_full_disk(
        w, ["load-test", "logreg", "--data", "iris", "--qps", "10", "--duration", "1"]
    )


@case("cap_enospc", "D3")
def _(w: Workspace) -> tuple[bool, str]:
    return _on_full_disk(w, ["capacity", str(w.base1()), "--budget", "p99=20ms", "--workers", "1"])


@case("lt_out_dir", "D3")
def _(w: Workspace) -> tuple[bool, str]:
    folder = w.path("dir")
    folder.mkdir()
    r = w.cli(
        "load-test", "logreg", "--data", "iris", "--qps", "10", "--duration", "1",
        "--output", folder,
    )  # fmt: skip
    return r.clean and r.code == 2 and r.seconds < 20, said(r)


@case("cap_out_dir", "D3")
def _(w: Workspace) -> tuple[bool, str]:
    folder = w.path("dir")
    folder.mkdir()
    r = w.cli("capacity", w.base1(), "--budget", "p99=20ms", "--workers", "1", "--output", folder)
    return refused(r)


@case("opt_testsize_tiny", "D4")
def _(w: Workspace) -> tuple[bool, str]:
    out = w.path("tiny.json")
    r = w.cli(
        "compare", "logreg", "forest", "--data", "iris", *FAST, "--test-size", "0.001",
        "--output", out,
    )  # fmt: skip
    shown = w.cli("show", out) if out.exists() else None
    ok = r.clean and ((r.code == 2 and r.seconds < 20) or (shown is not None and shown.code == 0))
    return ok, said(r)


@case("show_tiny", "D4")
def _(w: Workspace) -> tuple[bool, str]:
    def edit(d: dict) -> None:
        for result in d["results"].values():
            for key in ("y_true", "y_pred"):
                if key in result.get("score", {}):
                    result["score"][key] = result["score"][key][:1]

    r = w.cli("show", w.tampered("tiny", edit))
    internal = re.search(r"\bd has \d+ row", r.err)  # the review: "names an internal variable"
    return r.clean and r.code in (0, 2) and not internal, said(r)


def _orphans(tag: str) -> list[int]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if tag.encode() in Path(f"/proc/{pid}/environ").read_bytes():
                found.append(int(pid))
        except OSError:
            continue
    return found


@case("m_Forks", "D5")
def _(w: Workspace) -> tuple[bool, str]:
    tag = f"HOSTILE_TAG={uuid.uuid4().hex}"
    key, value = tag.split("=")
    r = w.cli("compare", "--candidates", ZOO / "cands.py", "--data", "iris", *FAST,
              env={"BAD": "Forks", key: value})  # fmt: skip
    time.sleep(1)
    left = _orphans(tag)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    return r.clean and not left, f"{len(left)} processes left; {said(r)}"


@case("m_KbInt_noiso", "D6")
def _(w: Workspace) -> tuple[bool, str]:
    out = w.path("rel_kb.json")
    r = w.cli("compare", "--candidates", ZOO / "cands.py", "--data", "iris", *FAST,
              "--no-isolate", "--output", out, env={"BAD": "KbInt"})  # fmt: skip
    kept = out.exists() and "ok" in json.loads(out.read_text()).get("results", {})
    return r.clean and r.code == 3 and kept, f"ok kept: {kept}; {said(r)}"


# =============================================================================== WRONG
def _scores(r: Run) -> dict[str, float]:
    """Candidate -> score value, from ``--format json`` output."""
    try:
        data = json.loads(r.out)
    except ValueError:
        return {}
    return {
        name: float(res["score"]["value"])
        for name, res in data.get("results", {}).items()
        if res.get("score") and res["score"].get("value") is not None
    }


@case("csv_test_reordered", "W1")
def _(w: Workspace) -> tuple[bool, str]:
    import pandas as pd

    data = pd.read_csv(w.iris_csv())
    cols = list(data.columns[:-1])
    test = w.path("test_reordered.csv")
    data[[*cols[::-1], "label"]].to_csv(test, index=False)
    r = w.cli(
        "compare", "logreg", "forest", *FAST, "--target", "label", "--data", w.iris_csv(),
        "--test-data", test, "--format", "json",
    )  # fmt: skip
    scores = _scores(r)
    ok = r.clean and (r.code == 2 or (bool(scores) and min(scores.values()) > 0.8))
    return ok, f"scores {scores}; {said(r)}"


def _file_scores(w: Workspace, model: Path, test: Path | None = None) -> tuple[bool, str]:
    extra = ["--test-data", str(test)] if test else []
    r = w.cli(
        "compare", model, "logreg", "--data", w.iris_csv(), "--target", "label", *FAST,
        *extra, "--format", "json",
    )  # fmt: skip
    scores = _scores(r)
    ok = r.clean and (r.code == 2 or (bool(scores) and min(scores.values()) > 0.8))
    return ok, f"scores {scores}; {said(r)}"


@case("file_rev_cols", "W1")
def _(w: Workspace) -> tuple[bool, str]:
    return _file_scores(w, w.joblib_model("iris_rev_cols", "reversed"))


@case("file_rev_cols_only", "W1")
def _(w: Workspace) -> tuple[bool, str]:
    import pandas as pd

    data = pd.read_csv(w.iris_csv())
    test = w.path("rev.csv")
    data[[*data.columns[:-1][::-1], "label"]].to_csv(test, index=False)
    return _file_scores(w, w.joblib_model("iris_lr_df"), test)


def _proba(w: Workspace, bad: str) -> tuple[bool, str]:
    r = w.cli("compare", "--candidates", ZOO / "cands.py", "--data", "iris", *FAST,
              "--method", "predict_proba", "--format", "json", env={"BAD": bad})  # fmt: skip
    try:
        failed = bad in json.loads(r.out).get("failures", {})
    except ValueError:
        failed = False
    return r.clean and r.code == 3 and failed, f"failed: {failed}; {said(r)}"


@case("m_LRNaNProba_pp", "W2")
def _(w: Workspace) -> tuple[bool, str]:
    return _proba(w, "LRNaNProba")


@case("m_ProbaBad_pp", "W2")
def _(w: Workspace) -> tuple[bool, str]:
    return _proba(w, "LRWrongShapeProba")


def _resume(w: Workspace, first: list[str], second: list[str]) -> tuple[bool, str]:
    out = w.path("sw.json")
    base = ["--max-time", "0.2", "--no-isolate", "--quiet"]
    w.cli("sweep", *first, *base, "--output", out)
    r = w.cli("sweep", *second, *base, "--resume", out, "--output", out)
    reused = "finished in the resumed file" in r.text
    return r.clean and (r.code == 2 or not reused), f"reused: {reused}; {said(r)}"


@case("sw_resume_swapmodel", "W3")
def _(w: Workspace) -> tuple[bool, str]:
    data = ["--data", "iris", "--data", "wine"]
    return _resume(w, ["logreg", "knn", *data], ["logreg", "knn=hgb", *data])


@case("sw_resume_rows", "W3")
def _(w: Workspace) -> tuple[bool, str]:
    data = ["--data", "iris", "--data", "wine"]
    return _resume(w, ["logreg", "knn", *data], ["logreg", "knn", *data, "--rows", "50"])


@case("sw_csv_resume_changed", "W3")
def _(w: Workspace) -> tuple[bool, str]:
    import pandas as pd

    csv = w.path("data.csv")
    shutil.copy(w.iris_csv(), csv)
    out = w.path("sw.json")
    base = ["--max-time", "0.2", "--no-isolate", "--quiet", "--target", "label"]
    w.cli("sweep", "logreg", "knn", "--data", csv, *base, "--output", out)
    data = pd.read_csv(csv)
    data["label"] = data["label"].sample(frac=1.0, random_state=1).to_numpy()
    data.to_csv(csv, index=False)
    r = w.cli("sweep", "logreg", "knn", "--data", csv, *base, "--resume", out, "--output", out)
    reused = "finished in the resumed file" in r.text
    return r.clean and (r.code == 2 or not reused), f"reused: {reused}; {said(r)}"


@case("sw_resume_negsamples", "W3")
def _(w: Workspace) -> tuple[bool, str]:
    data = json.loads(w.sweep1().read_text())
    text = json.dumps(data)
    text = re.sub(
        r'"samples_ns": \[[^\]]*\]', '"samples_ns": [' + ", ".join(["-5"] * 1000) + "]", text
    )
    path = w.path("neg_sw.json")
    path.write_text(text)
    r = w.cli("sweep", "logreg", "knn", "--data", "iris", "--data", "wine", "--max-time", "0.2",
              "--no-isolate", "--quiet", "--resume", path, "--output", w.path("o.json"))  # fmt: skip
    return refused(r)


@case("lt_vs_compare", "W4")
def _(w: Workspace) -> tuple[bool, str]:
    r = w.cli("load-test", "logreg", "--data", "iris", "--qps", "20", "--duration", "1",
              "--format", "json")  # fmt: skip
    fmt = re.findall(r'"request_format": "(\w+)"', r.out)
    return r.clean and fmt[:1] == ["numpy"], f"request_format {fmt[:1]}; {said(r)}"


@case("lt_file", "W4")
def _(w: Workspace) -> tuple[bool, str]:
    model = w.joblib_model("iris_lr_np", frame=False)
    r = w.cli("load-test", model, "--data", "iris", "--qps", "20", "--duration", "1")
    warned = "has feature names" in r.text
    return r.clean and r.code == 0 and not warned, f"feature-name warning: {warned}; {said(r)}"


@case("lt_sleep_after", "W5")
def _(w: Workspace) -> tuple[bool, str]:
    r = w.cli("load-test", "bad:SleepAfter", "--data", "iris", "--qps", "50", "--duration", "2",
              "--format", "json", timeout=120)  # fmt: skip
    try:
        data = json.loads(r.out)
    except ValueError:
        return False, said(r)
    text = json.dumps(data)
    p99 = re.findall(r'"p99[^"]*": (null|[-\d.e+]+)', text)
    honest = bool(p99) and all(v == "null" or float(v) >= 0.5 for v in p99[:1])
    return r.clean and honest, f"p99 fields {p99[:3]}; {said(r)}"


def _noiso(w: Workspace, bad: str, *extra: str, timeout: float = 120) -> Run:
    return w.cli("compare", "--candidates", ZOO / "cands.py", "--data", "iris", *FAST,
                 "--no-isolate", *extra, env={"BAD": bad}, timeout=timeout)  # fmt: skip


@case("m_WritesFd1_noiso", "W6")
def _(w: Workspace) -> tuple[bool, str]:
    r = _noiso(w, "WritesFd1", "--format", "json")
    try:
        json.loads(r.out)
        parsed = True
    except ValueError:
        parsed = False
    return r.clean and parsed, f"stdout is JSON: {parsed}; {said(r)}"


@case("m_Chdir_noiso", "W7")
def _(w: Workspace) -> tuple[bool, str]:
    folder = w.path("cwd")
    folder.mkdir()
    r = w.run([sys.executable, "-P", "-m", "prodbench", "compare", "--candidates",
               str(ZOO / "cands.py"), "--data", "iris", *FAST, "--no-isolate", "--output",
               "rel_chdir.json"], cwd=folder, env={"BAD": "ChdirModel"})  # fmt: skip
    here = (folder / "rel_chdir.json").exists()
    if Path("/rel_chdir.json").exists():
        os.remove("/rel_chdir.json")
    return r.clean and here, f"written where asked: {here}; {said(r)}"


_PT_MODEL = """
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    X = np.random.default_rng(0).normal(size=(200, 4)); y = (X[:, 0] > 0).astype(int)
    model = LogisticRegression().fit(X, y)
"""


@case("pt_marker_nounit", "W8")
def _(w: Workspace) -> tuple[bool, str]:
    r = w.pytest(_PT_MODEL + """
    import pytest
    @pytest.mark.latency_budget(p99=5)
    def test_x(latency):
        latency.check(model, X)
    """)  # fmt: skip
    return not r.hung and r.code not in (0, None) and "unit" in r.text, said(r)


@case("pt_check_nounit_kw", "W8")
def _(w: Workspace) -> tuple[bool, str]:
    r = w.pytest(_PT_MODEL + """
    from prodbench.testing import assert_latency
    def test_x():
        assert_latency(model, X, p99=5)
    """)  # fmt: skip
    return not r.hung and r.code not in (0, None) and "unit" in r.text, said(r)


def _first(d: dict) -> dict:
    return d["results"]["logreg"]


_W9_EDITS: dict[str, Callable[[dict], None]] = {
    "show_samples_neg": lambda d: _first(d)["latency"].update(
        samples_ns=[-1000] * 500 + _first(d)["latency"]["samples_ns"]
    ),
    "show_fit_times_neg": lambda d: _first(d)["training"].update(fit_times_ns=[-5, -6]),
    "show_cold_neg": lambda d: _first(d)["latency"].update(cold_start_ns=-1),
    "show_size_neg": lambda d: _first(d)["footprint"].update(size_bytes=-100),
    "show_price_neg": lambda d: d.update(price_per_core_hour=-1),
    "show_price_nan": lambda d: d.update(price_per_core_hour=float("nan")),
    "show_score_nan": lambda d: _first(d)["score"].update(value=float("nan")),
}
for _name, _edit in _W9_EDITS.items():

    def _w9(
        w: Workspace, name: str = _name, edit: Callable[[dict], None] = _edit
    ) -> tuple[bool, str]:
        return refused(w.cli("show", w.tampered(name, edit)))

    case(_name, "W9")(_w9)


@case("show_sw_neg_samples", "W9")
def _(w: Workspace) -> tuple[bool, str]:
    text = re.sub(r'"samples_ns": \[', '"samples_ns": [-1000, ', w.sweep1().read_text(), count=1)
    path = w.path("swneg.json")
    path.write_text(text)
    return refused(w.cli("show", path))


@case("diff_nan_table", "W9")
def _(w: Workspace) -> tuple[bool, str]:
    nan = w.tampered("score_nan", _W9_EDITS["show_score_nan"])
    r = w.cli("diff", w.base1(), nan, "--fail-on", "score=-1pp")
    return r.clean and r.code in (1, 2), said(r)


@case("show_nan_json", "W9")
def _(w: Workspace) -> tuple[bool, str]:
    nan = w.tampered("score_nan", _W9_EDITS["show_score_nan"])
    r = w.cli("show", nan, "--format", "json")
    if r.code == 2:
        return r.clean, said(r)
    try:
        json.loads(r.out, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
        return r.clean, said(r)
    except ValueError as exc:
        return False, f"not JSON: {exc}; {said(r)}"


_EQUAL_BOUNDS = re.compile(r"\[([^,\[\]]+), \1\]|CI ([+-]?[\d.]+) to \2\b|CI \+0\.00 to \+0\.00")


@case("cap_samples_one", "W10")
def _(w: Workspace) -> tuple[bool, str]:
    def edit(d: dict) -> None:
        for result in d["results"].values():
            result["latency"]["samples_ns"] = result["latency"]["samples_ns"][:1]

    r = w.cli("capacity", w.tampered("one", edit), "--budget", "p99=20ms", "--workers", "1")
    zero = _EQUAL_BOUNDS.search(r.out)
    return r.clean and r.code in (0, 1, 2) and not zero, f"zero-width: {bool(zero)}; {said(r)}"


@case("csv_twelve", "W10")
def _(w: Workspace) -> tuple[bool, str]:
    import pandas as pd

    csv = w.path("twelve.csv")
    pd.read_csv(w.iris_csv()).sample(12, random_state=0).to_csv(csv, index=False)
    r = w.cli("compare", "logreg", "forest", *FAST, "--target", "label", "--data", csv)
    zero = _EQUAL_BOUNDS.search(r.out)
    return r.clean and not zero, f"zero-width: {bool(zero)}; {said(r)}"


_LIB_IRIS = """
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.ensemble import RandomForestClassifier
import numpy as np
X, y = load_iris(return_X_y=True)
"""


def _lib_raises_pb(w: Workspace, code: str) -> tuple[bool, str]:
    result = w.lib(code)
    return "pb=True" in result, result


@case("rt_tl_width", "W11")
def _(w: Workspace) -> tuple[bool, str]:
    return _lib_raises_pb(w, _LIB_IRIS + """
rf = RandomForestClassifier(10, random_state=0).fit(X, y)
pb.runtimes.treelite(rf).predict(X[:3, :2])
""")  # fmt: skip


@case("rt_onnx_nan", "W11")
def _(w: Workspace) -> tuple[bool, str]:
    return _lib_raises_pb(w, _LIB_IRIS + """
lr = LogisticRegression(max_iter=500).fit(X, y)
pb.runtimes.onnx(lr, X[:5]).predict(np.full((2, 4), np.nan))
""")  # fmt: skip


@case("file_df_model", "W12")
def _(w: Workspace) -> tuple[bool, str]:
    model = w.joblib_model("iris_lr_df")
    r = w.cli("compare", "logreg", model, "--data", w.iris_csv(), "--target", "label", *FAST)
    wins = re.search(r"iris_lr_df[^\n]*faster training|faster training[^\n]*-> iris_lr_df", r.out)
    return r.clean and not wins, f"wins on training: {bool(wins)}; {said(r)}"


# =============================================================================== TRACEBACK
for _name, _argv in {
    "opt_seed_neg": ["compare", "logreg", "forest", "--data", "iris", *FAST, "--seed", "-1"],
    "opt_seed_huge": [
        "compare", "logreg", "forest", "--data", "iris", *FAST, "--seed", "99999999999999999999",
    ],
    "lt_seed_neg": [
        "load-test", "logreg", "--data", "iris", "--qps", "10", "--duration", "1", "--seed", "-1",
    ],
    "spec_neg20000": ["compare", "logreg", "sklearn.linear_model:Ridge(alpha=" + "-" * 20000 + "1)",
                      "--data", "iris", *FAST],
    "spec_hexbig_badkw": ["compare", "logreg",
                          "sklearn.linear_model:Ridge(alpha=0x" + "f" * 20000 + ", bogus=1)",
                          "--data", "iris", *FAST],
    "data_syn_huge": ["compare", "logreg", "knn", "--data", "synthetic:n_samples=1000000000000",
                      *FAST],
    "sw_sched_bogus": ["sweep", "logreg", "knn", "--data", "iris", "--scheduler", "http://x",
                       "--max-time", "0.2"],
    "cap_workers_huge": ["capacity", "{base1}", "--budget", "p99=20ms", "--workers", "1000000"],
    "cap_workers_2000": ["capacity", "{base1}", "--budget", "p99=20ms", "--workers", "2000"],
    "cap_workers_20000": ["capacity", "{base1}", "--budget", "p99=20ms", "--workers", "20000"],
    "sw_local_huge": ["sweep", "logreg", "knn", "--data", "iris", "--scheduler", "local:100000",
                      "--max-time", "0.2"],
    "cap_seed_neg": ["capacity", "{base1}", "--budget", "p99=20ms", "--workers", "1", "--seed", "-1"],
    "failon_neg_pct": ["diff", "{base1}", "{base1}", "--fail-on", "p99=-10%"],
    "failon_score_plus": ["diff", "{base1}", "{base1}", "--fail-on", "score=+1pp"],
    "failon_empty": ["diff", "{base1}", "{base1}", "--fail-on", ""],
    "bud_comma": ["compare", "logreg", "knn", "--data", "iris", *FAST, "--budget", ",,,"],
}.items():  # fmt: skip
    _finding = {
        "opt_seed_neg": "T1", "opt_seed_huge": "T1", "lt_seed_neg": "T1", "cap_seed_neg": "T1",
        "spec_neg20000": "T2", "spec_hexbig_badkw": "T2", "data_syn_huge": "T3",
        "sw_sched_bogus": "T6", "cap_workers_huge": "H2", "cap_workers_2000": "H2",
        "cap_workers_20000": "H2", "sw_local_huge": "H3", "failon_neg_pct": "P2",
        "failon_score_plus": "P2", "failon_empty": "P2", "bud_comma": "P2",
    }[_name]  # fmt: skip

    def _refused(w: Workspace, argv: list[str] = _argv) -> tuple[bool, str]:
        args = [a.format(base1=w.base1()) if "{" in a else a for a in argv]
        r = w.cli(*args, timeout=60)
        ok, text = refused(r)
        return ok and r.seconds < 30, text

    case(_name, _finding)(_refused)


for _name, _code in {
    "lib_rs_neg": _LIB_IRIS
    + "pb.measure(LogisticRegression(), X, y, random_state=-1, max_time=0.2)",
    "lib_rs_str": _LIB_IRIS
    + "pb.measure(LogisticRegression(), X, y, random_state='x', max_time=0.2)",
    "lib_cap_rs_neg": "import numpy as np\n"
    "pb.serving.max_qps(np.full(500, 1e-3), {'p99': 0.005}, random_state=-1)",
    "lib_mt_huge": _LIB_IRIS + "pb.measure(LogisticRegression(), X, y, max_time=1e300)",
    "rt_onnx_strsample": _LIB_IRIS
    + "pb.runtimes.onnx(LogisticRegression(max_iter=500).fit(X, y), 'abc')",
    "rt_parity_width": _LIB_IRIS + "lr = LogisticRegression(max_iter=500).fit(X, y)\n"
    "pb.runtimes.parity(lr, pb.runtimes.onnx(lr, X[:5]), X[:, :2])",
    "rt_parity_empty": _LIB_IRIS + "lr = LogisticRegression(max_iter=500).fit(X, y)\n"
    "pb.runtimes.parity(lr, pb.runtimes.onnx(lr, X[:5]), X[:0])",
    "rt_onnx_threads_huge": _LIB_IRIS + "lr = LogisticRegression(max_iter=500).fit(X, y)\n"
    "pb.runtimes.onnx(lr, X[:5], threads=10**6)",
    "rt_onnx_threads_neg": _LIB_IRIS + "lr = LogisticRegression(max_iter=500).fit(X, y)\n"
    "pb.runtimes.onnx(lr, X[:5], threads=-1)",
    "rt_tl_threads0": _LIB_IRIS + "rf = RandomForestClassifier(5, random_state=0).fit(X, y)\n"
    "pb.runtimes.treelite(rf, threads=0)",
    "lib_sw_baddata": "pb.sweep({'d': ('x', 'y')}, ['logreg', 'knn'], max_time=0.2)",
    "lib_budget_parse_int": "pb.Budget.parse(5)",
}.items():
    _finding = {"lib_rs_neg": "T1", "lib_rs_str": "T1", "lib_cap_rs_neg": "T1",
                "rt_onnx_threads_huge": "C2", "rt_onnx_threads_neg": "P10",
                "rt_tl_threads0": "P10", "lib_sw_baddata": "P10",
                "lib_budget_parse_int": "P4"}.get(_name, "T9")  # fmt: skip

    def _lib(w: Workspace, code: str = _code, name: str = _name) -> tuple[bool, str]:
        ok, result = _lib_raises_pb(w, code)
        if name == "lib_budget_parse_int":
            ok = ok and "empty budget" not in result
        return ok, result

    case(_name, _finding)(_lib)


@case("lib_to_json_dir", "T9")
def _(w: Workspace) -> tuple[bool, str]:
    folder = w.path("d")
    folder.mkdir()
    return _lib_raises_pb(
        w, f"pb.Comparison.from_json({str(w.base1())!r}).to_json({str(folder)!r})"
    )


_T4_FILES: dict[str, Callable[[Workspace], str]] = {
    "show_bigint": lambda w: '{"schema_version": ' + "9" * 5000 + "}",
    "show_samples_huge": lambda w: w.tampered(
        "huge", lambda d: _first(d)["latency"].update(samples_ns=[10**30] * 10)
    ).read_text(),
    "show_names_mismatch": lambda w: w.tampered(
        "ghost", lambda d: d.update(names=["logreg", "ghost"])
    ).read_text(),
    "show_score_str": lambda w: w.tampered(
        "scorestr", lambda d: _first(d)["score"].update(value="high")
    ).read_text(),
}
for _name, _text in _T4_FILES.items():

    def _t4(
        w: Workspace, name: str = _name, text: Callable[[Workspace], str] = _text
    ) -> tuple[bool, str]:
        path = w.path(f"{name}.json")
        path.write_text(text(w))
        return refused(w.cli("show", path))

    case(_name, "T4")(_t4)


@case("diff_nan_json", "T5")
def _(w: Workspace) -> tuple[bool, str]:
    nan = w.tampered("score_nan", _W9_EDITS["show_score_nan"])
    r = w.cli("diff", w.base1(), nan, "--format", "json")
    if r.code == 2:
        return r.clean, said(r)
    try:
        json.loads(r.out, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
        return r.clean, said(r)
    except ValueError as exc:
        return False, f"not JSON: {exc}; {said(r)}"


@case("sig_int_dask", "T7")
def _(w: Workspace) -> tuple[bool, str]:
    out = w.path("swd.json")
    r = w.cli("sweep", "logreg", "knn", "--data", "iris", "--data", "wine", "--data",
              "breast_cancer", "--max-time", "1", "--scheduler", "local:1", "--output", out,
              interrupt_when=str(out), timeout=240)  # fmt: skip
    noise = re.search(
        r"Exception in callback|RuntimeError|distributed\.\w+ - (WARNING|ERROR)", r.err
    )
    return r.clean and r.code == 130 and not noise, f"noise: {bool(noise)}; {said(r)}"


@case("m_KbInt", "T8")
def _(w: Workspace) -> tuple[bool, str]:
    r = w.cli("compare", "--candidates", ZOO / "cands.py", "--data", "iris", *FAST,
              env={"BAD": "KbInt"})  # fmt: skip
    remote = "Remote traceback" in r.text
    return r.clean and r.code == 3 and not remote, f"remote traceback: {remote}; {said(r)}"


# =============================================================================== HANG
@case("pt_hang", "H1")
def _(w: Workspace) -> tuple[bool, str]:
    r = w.pytest("""
    import bad, numpy as np, pytest
    X = np.random.default_rng(0).normal(size=(60, 4)); y = (X[:, 0] > 0).astype(int)
    @pytest.mark.latency_budget(p99="50ms", max_time=0.5)
    def test_x(latency):
        latency.check(bad.SleepForever().fit(X, y), X)
    """, timeout=150)  # fmt: skip
    return not r.hung and r.code == 1 and "time" in r.text.lower(), said(r)


def _fifo_input(w: Workspace, argv: Callable[[Path], list[str]], suffix: str) -> tuple[bool, str]:
    fifo = w.path(f"f{suffix}")
    os.mkfifo(fifo)
    r = w.cli(*argv(fifo), timeout=60)
    return refused(r)


@case("csv_fifo", "H4")
def _(w: Workspace) -> tuple[bool, str]:
    return _fifo_input(w, lambda f: ["compare", "logreg", "knn", "--data", str(f), "--target",
                                     "y", *FAST], ".csv")  # fmt: skip


@case("show_fifo", "H4")
def _(w: Workspace) -> tuple[bool, str]:
    return _fifo_input(w, lambda f: ["show", str(f)], ".json")


@case("sw_resume_fifo", "H4")
def _(w: Workspace) -> tuple[bool, str]:
    return _fifo_input(w, lambda f: ["sweep", "logreg", "knn", "--data", "iris", "--resume",
                                     str(f), "--max-time", "0.2"], ".json")  # fmt: skip


@case("m_SpawnThreads_noiso", "H5")
def _(w: Workspace) -> tuple[bool, str]:
    r = _noiso(w, "SpawnThreads", timeout=90)
    return r.clean and r.code == 0, said(r)


@case("m_AlarmIgnore_noiso", "H5")
def _(w: Workspace) -> tuple[bool, str]:
    r = _noiso(w, "AlarmIgnore", "--call-timeout", "2", timeout=120)
    return r.clean and r.code in (0, 3), said(r)


# =============================================================================== CRASH
@case("m_ExitInDel", "C1")
def _(w: Workspace) -> tuple[bool, str]:
    r = w.cli("compare", "--candidates", ZOO / "cands.py", "--data", "iris", *FAST,
              env={"BAD": "ExitInDel"})  # fmt: skip
    return not r.hung and r.code in (0, 1, 2, 3, 130), said(r)


# =============================================================================== POOR-MESSAGE
def _not_library(r: Run) -> bool:
    return not re.search(r"\.from_json|=None|fit=False|None\b", r.err)


@case("show_on_lt", "P1")
def _(w: Workspace) -> tuple[bool, str]:
    r = w.cli("show", w.loadtest1())
    return r.clean and r.code == 0, said(r)


@case("show_on_cap", "P1")
def _(w: Workspace) -> tuple[bool, str]:
    r = w.cli("show", w.capacity1())
    return r.clean and r.code == 0, said(r)


for _name, _argv in {
    "diff_on_lt": ["diff", "{lt}", "{lt}"],
    "diff_sweep": ["diff", "{sw}", "{sw}"],
    "cap_on_lt": ["capacity", "{lt}", "--budget", "p99=20ms"],
    "cap_on_cap": ["capacity", "{cap}", "--budget", "p99=20ms"],
    "cap_on_sweep": ["capacity", "{sw}", "--budget", "p99=20ms"],
}.items():

    def _p1(w: Workspace, argv: list[str] = _argv) -> tuple[bool, str]:
        files = {"{lt}": w.loadtest1, "{sw}": w.sweep1, "{cap}": w.capacity1}
        r = w.cli(*[str(files[a]()) if a in files else a for a in argv])
        return r.clean and r.code in (0, 2) and _not_library(r), said(r)

    case(_name, "P1")(_p1)


def _p1_file(w: Workspace, name: str, text: str) -> tuple[bool, str]:
    path = w.path(f"{name}.json")
    path.write_text(text)
    r = w.cli("show", path)
    return r.clean and r.code in (0, 2) and _not_library(r), said(r)


@case("show_kind_missing", "P1")
def _(w: Workspace) -> tuple[bool, str]:
    data = json.loads(w.base1().read_text())
    data.pop("kind", None)
    return _p1_file(w, "nokind", json.dumps(data))


@case("show_sv_nested_missing", "P1")
def _(w: Workspace) -> tuple[bool, str]:
    text = re.sub(r'"schema_version": \d+, ', "", w.sweep1().read_text(), count=2)
    text = (
        re.sub(r"^\{", '{"schema_version": 3, ', text)
        if '"schema_version"' not in text[:80]
        else text
    )
    return _p1_file(w, "svnested", text)


@case("show_sw_nested_kind", "P1")
def _(w: Workspace) -> tuple[bool, str]:
    text = w.sweep1().read_text().replace('"kind": "Comparison"', '"kind": "Sweep"', 1)
    return _p1_file(w, "swnk", text)


@case("show_sw_nested_sweep", "P1")
def _(w: Workspace) -> tuple[bool, str]:
    data = json.loads(w.sweep1().read_text())
    text = json.dumps(data).replace('"kind": "Comparison"', '"kind": "LoadTestResult"', 1)
    return _p1_file(w, "swns", text)


@case("show_options_weird", "P1")
def _(w: Workspace) -> tuple[bool, str]:
    path = w.tampered("qpsneg", lambda d: d.setdefault("options", {}).update(qps=-5))
    r = w.cli("show", path)
    return r.clean and r.code in (0, 2) and "--budget" not in r.err, said(r)


@case("file_unfitted", "P1")
def _(w: Workspace) -> tuple[bool, str]:
    import joblib
    from sklearn.linear_model import LogisticRegression

    path = w.path("unfitted.joblib")
    joblib.dump(LogisticRegression(), path)
    r = w.cli("compare", path, "logreg", "--data", "iris", *FAST)
    return r.clean and r.code in (2, 3) and "fit=False" not in r.text, said(r)


@case("pt_unfitted", "P1")
def _(w: Workspace) -> tuple[bool, str]:
    r = w.pytest("""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from prodbench.testing import assert_latency
    def test_x():
        assert_latency(LogisticRegression(), np.zeros((10, 3)), p99="5ms")
    """)  # fmt: skip
    return not r.hung and r.code == 1 and "fit=False was given" not in r.text, said(r)


@case("cap_samples_neg", "P1")
def _(w: Workspace) -> tuple[bool, str]:
    path = w.tampered("neg", _W9_EDITS["show_samples_neg"])
    r = w.cli("capacity", path, "--budget", "p99=20ms", "--workers", "1")
    return r.clean and r.code == 2 and "divide nanoseconds" not in r.err, said(r)


def _test_csv(w: Workspace, name: str, edit: Callable[[object], object]) -> Path:
    import pandas as pd

    path = w.path(f"{name}.csv")
    edit(pd.read_csv(w.iris_csv())).to_csv(path, index=False)  # type: ignore[attr-defined]
    return path


for _name, _edit in {
    "csv_test_fewer": lambda d: d.drop(columns=[d.columns[0]]),
    "csv_test_extra": lambda d: d.assign(extra=1.0),
    "csv_test_strlabels": lambda d: d.assign(label=d["label"].map({0: "a", 1: "b", 2: "c"})),
}.items():

    def _p3(
        w: Workspace, name: str = _name, edit: Callable[[object], object] = _edit
    ) -> tuple[bool, str]:
        test = _test_csv(w, name, edit)
        r = w.cli("compare", "logreg", "knn", "--data", w.iris_csv(), "--target", "label",
                  "--test-data", test, *FAST)  # fmt: skip
        ok, text = refused(r)
        return ok and r.seconds < 20 and "chained below" not in r.err, text

    case(_name, "P3")(_p3)


@case("show_samples_empty", "P4")
def _(w: Workspace) -> tuple[bool, str]:
    r = w.cli("show", w.tampered("empty", lambda d: _first(d)["latency"].update(samples_ns=[])))
    return r.clean and r.code in (0, 2) and "sorted_a" not in r.err, said(r)


@case("spec_positional", "P4")
def _(w: Workspace) -> tuple[bool, str]:
    r = w.cli("compare", "logreg", "sklearn.ensemble:RandomForestClassifier(200)", "--data",
              "iris", *FAST)  # fmt: skip
    ok, text = refused(r)
    return ok and "LogisticRegression(n_estimators" not in r.err, text


for _name, _spec in {"cand_emptyname": "=logreg", "cand_space_name": "a b=logreg"}.items():

    def _p4(w: Workspace, spec: str = _spec) -> tuple[bool, str]:
        r = w.cli("compare", "knn", spec, "--data", "iris", *FAST)
        ok, text = refused(r)
        return ok and "Did you mean 'logreg'" not in r.err, text

    case(_name, "P4")(_p4)


for _name, _bad in {"m_ReturnsNone": "ReturnsNone", "m_ReturnsScalar": "ReturnsScalar"}.items():

    def _p4m(w: Workspace, bad: str = _bad) -> tuple[bool, str]:
        r = w.cli("compare", "--candidates", ZOO / "cands.py", "--data", "iris", *FAST,
                  env={"BAD": bad})  # fmt: skip
        return r.clean and r.code == 3 and "Multi-output" not in r.text, said(r)

    case(_name, "P4")(_p4m)


@case("cap_samples_zero", "P4")
def _(w: Workspace) -> tuple[bool, str]:
    def edit(d: dict) -> None:
        for result in d["results"].values():
            result["latency"]["samples_ns"] = [0] * len(result["latency"]["samples_ns"])

    r = w.cli("capacity", w.tampered("zero", edit), "--budget", "p99=20ms", "--workers", "1")
    return r.clean and r.code == 2 and "logreg" in r.err, said(r)


@case("csv_semicolon", "P4")
def _(w: Workspace) -> tuple[bool, str]:
    import pandas as pd

    path = w.path("semi.csv")
    pd.read_csv(w.iris_csv()).to_csv(path, index=False, sep=";")
    r = w.cli("compare", "logreg", "knn", "--data", path, "--target", "label", *FAST)
    ok, text = refused(r)
    return ok and bool(re.search(r"delimit|semicolon|separat|sep\b|';'", r.err)), text


@case("cand_interleaved", "P5")
def _(w: Workspace) -> tuple[bool, str]:
    r = w.cli("compare", "logreg", "--data", "iris", "forest", *FAST)
    return r.clean and r.code in (0, 1), said(r)


@case("out_dash", "P5")
def _(w: Workspace) -> tuple[bool, str]:
    folder = w.path("dash")
    folder.mkdir()
    r = w.cli("compare", "logreg", "knn", "--data", "iris", *FAST, "--output", "-", cwd=folder)
    made = (folder / "-").exists()
    return r.clean and not made, f"file '-' made: {made}; {said(r)}"


@case("lt_basic", "P6")
def _(w: Workspace) -> tuple[bool, str]:
    r = w.cli("load-test", "--help")
    rule = re.search(r"exit[^\n]*\n?[^\n]*(arriv|offered)", r.out)
    return r.clean and r.code == 0 and bool(rule), said(r)


@case("lt_out_noparent", "P6")
def _(w: Workspace) -> tuple[bool, str]:
    missing = w.path("missing")
    r = w.cli("load-test", "logreg", "--data", "iris", "--qps", "10", "--duration", "1",
              "--output", missing / "x.json")  # fmt: skip
    ok, text = refused(r)
    return ok and not missing.exists(), text


@case("sig_int_lt", "P6")
def _(w: Workspace) -> tuple[bool, str]:
    r = w.cli("load-test", "logreg", "--data", "iris", "--qps", "10", "--duration", "30",
              interrupt_after=8)  # fmt: skip
    return r.clean and r.code == 130 and "finished candidates" not in r.err, said(r)


@case("sw_basic", "P7")
def _(w: Workspace) -> tuple[bool, str]:
    r = w.cli("show", w.sweep1(), "--format", "json")
    try:
        data = json.loads(r.out)
    except ValueError:
        return False, said(r)
    bad = []
    for name, cmp in data.get("comparisons", {}).items():
        summary = cmp.get("summary", {})
        pick, reason = summary.get("research_pick"), summary.get("research_reason", "")
        scores = {n: res["score"]["value"] for n, res in cmp.get("results", {}).items()}
        if pick and scores and scores.get(pick, 0) < max(scores.values()) and "tie" not in reason:
            bad.append(name)
    return r.clean and not bad, f"picks below the best score without a tie said: {bad}; {said(r)}"


@case("sig_int_sweep", "P7")
def _(w: Workspace) -> tuple[bool, str]:
    out = w.path("sw.json")
    r = w.cli("sweep", "logreg", "knn", "--data", "iris", "--data", "wine", "--data",
              "breast_cancer", "--max-time", "1", "--quiet", "--output", out,
              interrupt_when=str(out), timeout=240)  # fmt: skip
    return r.clean and r.code == 130 and "()" not in r.err, said(r)


@case("sw_local_segv_noiso", "P7")
def _(w: Workspace) -> tuple[bool, str]:
    r = w.cli("sweep", "--candidates", ZOO / "cands.py", "--data", "iris", "--max-time", "0.2",
              "--no-isolate", "--scheduler", "local:1", "--quiet", env={"BAD": "Segv"},
              timeout=240)  # fmt: skip
    noise = re.search(r"distributed\.\w+ - (WARNING|ERROR)|different workers", r.err)
    return r.clean and r.code in (2, 3) and not noise, f"noise: {bool(noise)}; {said(r)}"


@case("cap_ffail", "P8")
def _(w: Workspace) -> tuple[bool, str]:
    out = w.path("ff.json")
    w.cli("compare", "--candidates", ZOO / "cands.py", "--data", "iris", *FAST, "--output", out,
          env={"BAD": "ReturnsNone"})  # fmt: skip
    r = w.cli("capacity", out, "--budget", "p99=20ms", "--workers", "1")
    return r.clean and "ReturnsNone" in r.text, said(r)


@case("show_results_empty", "P8")
def _(w: Workspace) -> tuple[bool, str]:
    path = w.tampered("empty", lambda d: d.update(results={}, names=[], baseline="ghost"))
    return refused(w.cli("show", path))


@case("show_baseline_ghost", "P8")
def _(w: Workspace) -> tuple[bool, str]:
    return refused(w.cli("show", w.tampered("ghost", lambda d: d.update(baseline="ghost"))))


@case("show_fit_times_empty", "P8")
def _(w: Workspace) -> tuple[bool, str]:
    r = w.cli("show", w.tampered("nofit", lambda d: _first(d)["training"].update(fit_times_ns=[])))
    return r.clean and "Mean of empty slice" not in r.err, said(r)


for _name, _marker in {
    "pt_marker_conf": 'p99="5ms", confidence=2.0',
    "pt_marker_conf_str": 'p99="5ms", confidence="high"',
    "pt_marker_method": 'p99="5ms", method="transform"',
}.items():

    def _p9(w: Workspace, marker: str = _marker) -> tuple[bool, str]:
        r = w.pytest(_PT_MODEL + f"""
    import pytest
    @pytest.mark.latency_budget({marker})
    def test_x(latency):
        latency.check(model, X)
    """)  # fmt: skip
        return not r.hung and r.code not in (0, None) and no_pb_frames(r), said(r)

    case(_name, "P9")(_p9)


@case("pto_scale_huge", "P9")
def _(w: Workspace) -> tuple[bool, str]:
    r = w.pytest(_PT_MODEL + """
    from prodbench.testing import assert_latency
    def test_x():
        assert_latency(model, X, p99="5ms")
    """, "--latency-scale", "1e308")  # fmt: skip
    return not r.hung and r.code not in (0, None), said(r)


@case("m_PrintsMB", "P10")
def _(w: Workspace) -> tuple[bool, str]:
    r = w.cli("compare", "--candidates", ZOO / "cands.py", "--data", "iris", *FAST,
              env={"BAD": "PrintsMB"})  # fmt: skip
    return r.clean and len(r.err) < 100_000, f"stderr {len(r.err):,} chars; {said(r)}"


@case("rt_basic", "P10")
def _(w: Workspace) -> tuple[bool, str]:
    r = w.cli("compare", "forest", "logreg", "--data", "iris", *FAST, "--runtime", "treelite")
    advice = re.search(r"treelite[^\n]*threadpool_limits\(1\)", r.text)
    return r.clean and not advice, f"wrong advice: {bool(advice)}; {said(r)}"


@case("lib_inplace_fit", "P10")
def _(w: Workspace) -> tuple[bool, str]:
    result = w.lib(_LIB_IRIS + """
m = LogisticRegression(max_iter=500)
pb.measure(m, X, y, max_time=0.2, isolate=False)
assert not hasattr(m, "coef_"), "the caller's estimator was fitted in place"
""")  # fmt: skip
    return result == "OK", result


@case("names_table", "P10")
def _(w: Workspace) -> tuple[bool, str]:
    r = w.cli("compare", "a\nb=logreg", "x" * 300 + "=knn", "--data", "iris", *FAST)
    return r.clean and (r.code == 2 or "\na\n" not in r.out), said(r)


# =============================================================================== driver
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-k", default="", help="run the cases whose name contains this")
    parser.add_argument("--jobs", type=int, default=2, help="cases run at once (default: 2)")
    args = parser.parse_args()
    chosen = [c for c in CASES if args.k in c[0]]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        w = Workspace(Path(tmp))
        w.base1()

        def one(item: tuple[str, str, Check]) -> tuple[str, str, bool, str]:
            name, finding, check = item
            try:
                ok, detail = check(w)
            except Exception as exc:  # the harness's own failure: shown, counted as not GOOD
                ok, detail = False, f"harness error: {type(exc).__name__}: {exc}"
            mark = "GOOD" if ok else ("NOT RUN" if detail.startswith("NOT RUN") else "   -")
            print(f"{mark:8} {finding:4} {name:24} {detail[:150]}", flush=True)
            return name, finding, ok, detail

        with ThreadPoolExecutor(args.jobs) as pool:
            outcomes = list(pool.map(one, chosen))
    after = Counter()
    not_run = 0
    for _name, finding, ok, detail in outcomes:
        if detail.startswith("NOT RUN"):
            not_run += 1
        elif ok:
            after["GOOD"] += 1
        else:
            after[FINDING_CLASS[finding[0]]] += 1
    print(f"\n{len(outcomes)} cases in {time.perf_counter() - started:.0f} s\n")
    print(f"{'class':16} {'review':>7} {'re-run':>7}")
    for cls in CLASSES:
        print(f"{cls:16} {REVIEW_COUNTS[cls]:7} {after[cls]:7}")
    print(f"{'GOOD (of these)':16} {'0':>7} {after['GOOD']:7}")
    if not_run:
        print(f"{'NOT RUN':16} {'':7} {not_run:7}")


if __name__ == "__main__":
    main()
