"""JSON: a comparison as JSON text, raw samples included (the ``--output`` layout)."""

from __future__ import annotations

import json

from ..verdict import Comparison

__all__ = ["render_json"]


def render_json(cmp: Comparison) -> str:
    """The comparison as JSON text: :meth:`Comparison.to_dict`, raw samples included.

    Examples
    --------
    >>> import prodbench as pb
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> cmp = pb.compare({"lone": LogisticRegression(max_iter=500),
    ...                   "tree": DecisionTreeClassifier()}, X, y, max_time=0.2)
    >>> import json
    >>> json.loads(render_json(cmp))["names"]
    ['lone', 'tree']
    """
    data = cmp.to_dict()
    if cmp.target_capacity is not None:  # derived, like the verdict: not part of the saved layout
        data["capacity"] = cmp.target_capacity.to_dict()
    return json.dumps(data)
