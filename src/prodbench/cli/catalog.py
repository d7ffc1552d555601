"""``prodbench datasets`` and ``prodbench presets``: what the command line knows by name."""

from __future__ import annotations

import argparse
from typing import Any

from ._common import EXIT_CODES_POINTER, EXIT_OK, _print, _State


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``datasets`` and ``presets`` to the ``prodbench`` subparsers."""
    p = sub.add_parser(
        "datasets",
        help="list the bundled datasets",
        description="The bundled datasets and the synthetic one, with shapes and task.",
        epilog="examples:\n  prodbench datasets\n  prodbench compare logreg knn --data wine\n\n"
        + EXIT_CODES_POINTER,
        parents=[common],
    )
    p.set_defaults(func=run)

    p = sub.add_parser(
        "presets",
        help="list the preset candidates and what each is",
        description="The preset names compare accepts, each with the model it builds "
        "(classifier, and the regressor used when the target is continuous).",
        epilog="examples:\n  prodbench presets\n  prodbench compare logreg knn forest\n\n"
        + EXIT_CODES_POINTER,
        parents=[common],
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace, state: _State) -> int:
    """``prodbench datasets`` or ``prodbench presets``: print the list; 0.

    Examples
    --------
    >>> from prodbench.cli import main
    >>> main(["presets"])  # doctest: +SKIP
    0
    """
    _print(_datasets() if args.command == "datasets" else _presets())
    return EXIT_OK


def _datasets() -> str:
    """The bundled datasets with shapes and task, one per line."""
    from ..data import list_datasets

    header = ("name", "rows", "features", "task", "description")
    body = [
        (d.name, f"{d.n_rows:,}", str(d.n_features), d.task, d.description) for d in list_datasets()
    ]
    import textwrap

    widths = [max(len(row[i]) for row in [header, *body]) for i in range(4)]
    lines = []
    for row in [header, *body]:
        cells = [
            row[0].ljust(widths[0]),
            row[1].rjust(widths[1]),
            row[2].rjust(widths[2]),
            row[3].ljust(widths[3]),
        ]
        lines.append("  ".join(cells).rstrip())
        # The description goes under the row, indented, wrapped at 80 columns.
        lines += textwrap.wrap(row[4], 78, initial_indent="    ", subsequent_indent="    ")
    return "\n".join(lines)


def _presets() -> str:
    """Each preset name and the model it builds."""
    import textwrap

    from ..models import PRESETS

    width = max(len(name) for name in PRESETS)
    lines = ["preset".ljust(width) + "  what it is"]
    for name, (description, _) in PRESETS.items():
        lines += textwrap.wrap(
            description,
            78,
            initial_indent=name.ljust(width) + "  ",
            subsequent_indent=" " * (width + 2),
            break_on_hyphens=False,
        )
    lines += [
        "",
        "All are seeded with random_state=0; the regressor is used when the target",
        "is continuous. Name one on the command line with NAME=PRESET, e.g. lone=logreg.",
    ]
    return "\n".join(lines)
