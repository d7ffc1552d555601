"""Tables for analysis: a comparison as a pandas DataFrame and as CSV text.

One row per candidate (failed ones too), tidy columns with units in their
names. pandas is imported when a frame is asked for, not before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .model import delta

if TYPE_CHECKING:
    import pandas as pd

    from ..verdict import Comparison

__all__ = ["FRAME_COLUMNS", "render_csv", "to_frame"]

FRAME_COLUMNS: dict[str, str] = {
    # column -> dtype
    "candidate": "object",
    "is_baseline": "bool",
    "status": "object",
    "error": "object",
    "score_name": "object",
    "score": "float64",
    "score_diff": "float64",
    "score_diff_low": "float64",
    "score_diff_high": "float64",
    "p_value": "float64",
    "significant": "boolean",
    "detectable_diff": "float64",
    "fit_time_s": "float64",
    "train_rows_per_s": "float64",
    "bulk_rows_per_s": "float64",
    "p50_s": "float64",
    "p50_low_s": "float64",
    "p50_high_s": "float64",
    "p90_s": "float64",
    "p99_s": "float64",
    "p99_low_s": "float64",
    "p99_high_s": "float64",
    "p999_s": "float64",
    "p99_undersampled": "boolean",
    "n_samples": "Int64",
    "cold_start_s": "float64",
    "size_bytes": "Int64",
    "p99_ratio": "float64",
    "p99_ratio_low": "float64",
    "p99_ratio_high": "float64",
    "pareto": "bool",
    "budget": "object",
}


def _frame_record(cmp: Comparison, name: str) -> dict[str, Any]:
    rec: dict[str, Any] = dict.fromkeys(FRAME_COLUMNS)
    rec.update(candidate=name, is_baseline=name == cmp.baseline, pareto=False)
    if name in cmp.failures:
        f = cmp.failures[name]
        rec.update(status="failed", error=f"{f.error_type} in {f.phase}: {f.message}")
        return rec
    r = cmp.results[name]
    lat = r.latency
    rec.update(
        status="ok",
        score_name=r.score.name,
        score=r.score.value,
        fit_time_s=None if r.training is None else r.training.fit_time,
        train_rows_per_s=None if r.training is None else r.training.samples_per_second,
        bulk_rows_per_s=r.throughput.largest.rows_per_second if r.throughput.batches else None,
        n_samples=lat.n,
        cold_start_s=lat.cold_start,
        size_bytes=None if r.footprint is None else r.footprint.size_bytes,
        pareto=name in cmp.pareto,
        budget=cmp.budget_overall(name),
    )
    if lat.n:
        p50_low, p50_high = lat.interval(50)
        p99_low, p99_high = lat.interval(99)
        rec.update(
            p50_s=lat.p50,
            p50_low_s=p50_low,
            p50_high_s=p50_high,
            p90_s=lat.p90,
            p99_s=lat.p99,
            p99_low_s=p99_low,
            p99_high_s=p99_high,
            p999_s=lat.p999,
            p99_undersampled=lat.undersampled(99),
        )
    d = delta(cmp, name)
    if d is not None:
        rec.update(
            score_diff=d.score_diff,
            score_diff_low=d.score_diff_interval[0],
            score_diff_high=d.score_diff_interval[1],
            p_value=d.p_value,
            significant=d.significant,
            detectable_diff=d.detectable_diff,
            p99_ratio=d.p99_ratio,
            p99_ratio_low=d.p99_ratio_interval[0],
            p99_ratio_high=d.p99_ratio_interval[1],
        )
    elif name == cmp.baseline:
        rec.update(score_diff=0.0, p99_ratio=1.0)
    for key, check in cmp.budget_status(name).items():
        rec[f"budget_{key}"] = check.status
    if r.runtime is not None:  # a compiled variant (compare(runtimes=...))
        rec.update(
            runtime=r.runtime.runtime,
            runtime_base=r.runtime.base,
            compile_time_s=r.runtime.conversion_time,
            compiled_size_bytes=r.runtime.size_bytes,
            parity_agreement=r.runtime.parity.agreement,
            parity_max_abs_diff=r.runtime.parity.max_abs_diff,
            parity_ok=r.runtime.parity.ok,
        )
    return rec


def to_frame(cmp: Comparison) -> pd.DataFrame:
    """One row per candidate (failed ones too) with tidy columns, units in their names.

    Times are in seconds (``*_s``), sizes in bytes, rates in rows per second.
    ``status`` is ``"ok"`` or ``"failed"`` (then ``error`` says why and the
    measurements are missing). ``budget`` is the overall status or None, and
    each budget limit adds a column ``budget_<key>`` with ``"pass"``,
    ``"fail"`` or ``"inconclusive"``. The baseline's ``score_diff`` is 0 and
    its ``p99_ratio`` 1. With compiled runtime variants (``runtimes=``),
    ``runtime``, ``runtime_base``, ``compile_time_s``, ``compiled_size_bytes``,
    ``parity_agreement``, ``parity_max_abs_diff`` and ``parity_ok`` are added
    (empty for the scikit-learn rows). The index holds the candidate names.

    Parameters
    ----------
    cmp : Comparison

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import prodbench as pb
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> cmp = pb.compare({"lone": LogisticRegression(max_iter=500),
    ...                   "tree": DecisionTreeClassifier()}, X, y, max_time=0.2)
    >>> df = to_frame(cmp)
    >>> df.loc["tree", "status"], bool(df.loc["lone", "is_baseline"])
    ('ok', True)
    """
    import pandas as pd

    budget_cols = [f"budget_{k}" for k in cmp.budget.limits] if cmp.budget else []
    records = [_frame_record(cmp, n) for n in cmp.names if n in cmp.results or n in cmp.failures]
    runtime_cols = (
        [
            "runtime",
            "runtime_base",
            "compile_time_s",
            "compiled_size_bytes",
            "parity_agreement",
            "parity_max_abs_diff",
            "parity_ok",
        ]
        if any(r.runtime is not None for r in cmp.results.values())
        else []
    )
    columns = [*FRAME_COLUMNS, *budget_cols, *runtime_cols]
    frame = pd.DataFrame.from_records(records, columns=columns)
    for column, dtype in FRAME_COLUMNS.items():
        if dtype != "object":
            frame[column] = frame[column].astype(dtype)
    frame.index = pd.Index(frame["candidate"].tolist())
    return frame


def render_csv(cmp: Comparison) -> str:
    """The :func:`to_frame` table as CSV text (candidate names in the ``candidate`` column).

    Examples
    --------
    >>> import prodbench as pb
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> cmp = pb.compare({"lone": LogisticRegression(max_iter=500),
    ...                   "tree": DecisionTreeClassifier()}, X, y, max_time=0.2)
    >>> import io
    >>> import pandas as pd
    >>> pd.read_csv(io.StringIO(render_csv(cmp)))["candidate"].tolist()
    ['lone', 'tree']
    """
    return str(to_frame(cmp).to_csv(index=False))
