"""Samples and seconds needed for a p99 interval of +-5% on RandomForestClassifier(100).

Single-row predict on breast_cancer rows, sampled by prodbench's adaptive
sampler with precision=0.05 (relative half-width of the 95% p99 interval).

Run:  python benchmarks/bench_rf_samples.py [--max-time 120]
"""

from __future__ import annotations

import argparse

from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier

import prodbench as pb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-time", type=float, default=120.0)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    X, y = load_breast_cancer(return_X_y=True)
    model = RandomForestClassifier(n_estimators=100, random_state=0)
    r = pb.measure(
        model, X, y, max_time=args.max_time, precision=0.05, min_fits=1, threads=args.threads
    )
    lat = r.latency
    low, high = lat.interval(99)
    print("RandomForestClassifier(n_estimators=100), one-row predict, breast_cancer")
    print(f"  stop reason        {lat.stop_reason}")
    print(f"  samples            {lat.n:,}")
    print(f"  sampling time      {lat.elapsed_s:.1f} s (warm-up {lat.warmup} calls included)")
    print(f"  p50                {lat.p50 * 1e3:.3f} ms")
    print(f"  p99                {lat.p99 * 1e3:.3f} ms (95% CI {low * 1e3:.3f}-{high * 1e3:.3f})")
    print(f"  p99 half-width     {lat.relative_halfwidth(99) * 100:.1f}%")
    for q in (50, 90, 99):
        print(f"  p{q} half-width     {lat.relative_halfwidth(q) * 100:.2f}%")


if __name__ == "__main__":
    main()
