"""The value types of the table model: columns, rows, sections and the whole report.

Apart from :mod:`prodbench.report.model` (which builds them) so that every
module that builds or lays out a section can import them without importing
the builders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..verdict import FailedCandidate

__all__ = ["Column", "ComparisonReport", "Row", "Section"]


@dataclass(frozen=True)
class Column:
    """One column of the main table: its key in :attr:`Row.cells`, group and header lines."""

    key: str
    group: str  # "research" or "production"
    header: tuple[str, ...]


@dataclass
class Row:
    """One candidate's numbers, and the strings every format shows for them."""

    name: str
    is_baseline: bool
    failed: str = ""  # "FAILED in fit: ValueError" for a failed candidate
    cells: dict[str, str] = field(default_factory=dict)
    budget_status: str | None = None
    budget_failing: tuple[str, ...] = ()
    undersampled: tuple[str, ...] = ()  # percentile keys flagged on this row
    budget_tip: str = ""  # every budget check described, for a tooltip


@dataclass(frozen=True)
class Section:
    """A titled block below the main table: sentences and/or a small table of strings.

    Every format renders a section it has no special layout for the same
    way: the title, the ``bullets`` as a list, then ``rows`` under
    ``headers`` as a table, then ``notes`` as plain lines.
    """

    key: str
    title: str
    bullets: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ComparisonReport:
    """Everything a renderer shows for a comparison, as strings, in display order."""

    n_candidates: int
    baseline: str
    budget: str | None
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    notes: tuple[str, ...]  # footnotes under the table: significance, under-sampled
    failures: tuple[FailedCandidate, ...]
    sections: tuple[Section, ...]  # verdict, stakeholders, then added sections
    budget_details: tuple[str, ...]
    score_name: str
    pareto: tuple[str, ...] | None  # None when nothing was measured
    measured: str | None
    environment: str | None

    @property
    def candidates(self) -> str:
        """``"1 candidate"``, ``"3 candidates"``: the header's count."""
        return f"{self.n_candidates} candidate" + ("" if self.n_candidates == 1 else "s")
