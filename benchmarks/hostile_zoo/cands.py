"""Candidates for ``benchmarks/hostile_rerun.py``: 'ok' plus each class of ``bad`` in $BAD."""

import os

import bad
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

CANDIDATES = {"ok": make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))}
for _name in filter(None, os.environ.get("BAD", "").split(",")):
    CANDIDATES[_name] = getattr(bad, _name)()
