"""Research figures on a busy machine: the default thread policy against ``threads=None``.

Fits and bulk throughput of logreg, a forest and a small HistGradientBoosting on
digits, measured by ``prodbench.measure`` with the default policy
(``threads="serving"``: the research thread probe may move fits to 1 thread)
and with ``threads=None`` (the machine's pools, no probe), on the machine as it
is and with a CPU hog (a busy loop in a child process, started and ended here)
on one core. Prints the median fit, the bulk rows/s at batch 1000 and the
research-thread note, if any.

Run: ``python benchmarks/bench_research_threads.py`` (a minute or two; longer on a
busy machine).
"""

import multiprocessing as mp
import time
from typing import Any


def _hog(stop: Any) -> None:
    while not stop.is_set():
        for _ in range(100_000):
            pass


def _figures(label: str, threads: object) -> None:
    from sklearn.datasets import load_digits
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression

    import prodbench as pb

    X, y = load_digits(return_X_y=True)
    models = {
        "logreg": LogisticRegression(max_iter=2000),
        "forest": RandomForestClassifier(n_estimators=50, random_state=0),
        "hgb": HistGradientBoostingClassifier(max_iter=30, random_state=0),
    }
    for name, model in models.items():
        t = time.perf_counter()
        try:
            r = pb.measure(
                model,
                X,
                y,
                threads=threads,
                max_time=0.3,
                batch_sizes=(1000,),
                progress=False,
                calibrate=False,
                call_timeout=90,
            )
        except pb.ProdbenchError as exc:  # a fit past call_timeout on a busy machine
            print(f"  {label:<10} {name:<7} threads={threads!s:<8} failed: {str(exc)[:90]}")
            continue
        bulk = r.throughput.batches[-1]
        note = next((n for n in r.notes if n.startswith("thread trap (research)")), "")
        fit_ms = r.training.fit_time * 1e3 if r.training is not None else float("nan")
        print(
            f"  {label:<10} {name:<7} threads={threads!s:<8} fit {fit_ms:8.1f} ms  "
            f"bulk {bulk.rows_per_second:>10,.0f} rows/s  ({time.perf_counter() - t:.1f} s)"
            + (f"\n      {note[:160]}" if note else "")
        )


def main() -> None:
    """Print the figures, as the machine is and with a hog on one core."""
    for hog in (False, True):
        stop = mp.Event()
        proc = mp.Process(target=_hog, args=(stop,)) if hog else None
        if proc is not None:
            proc.start()
        try:
            for threads in ("serving", None):
                _figures("with hog" if hog else "as is", threads)
        finally:
            if proc is not None:
                stop.set()
                proc.join(5)
                if proc.is_alive():
                    proc.kill()


if __name__ == "__main__":
    main()
