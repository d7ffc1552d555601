"""Show the docstrings' Sphinx markup as Markdown on the documentation site.

The numpydoc docstrings use Sphinx roles (``:func:`measure```, ``:class:`~x.Y```) and
``.. code-block::`` directives, which Markdown would print as they are. This griffe
extension (``mkdocs.yml`` loads it for mkdocstrings) turns a role into a code span
(``~`` keeps the last name only) and drops the directive line, leaving its indented
block as a code block. The docstrings themselves are unchanged.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:py:)?(?:func|class|meth|mod|attr|data|exc|obj|const|term):`(~?)([^`]+)`")
DIRECTIVE = re.compile(r"^(\s*)\.\. code-block::.*\n(?:\s*\n)?", re.M)


def _role(match: re.Match[str]) -> str:
    target = match.group(2)
    return f"`{target.rsplit('.', 1)[-1] if match.group(1) else target}`"


def to_markdown(text: str) -> str:
    """The docstring ``text`` with Sphinx roles and code-block directives in Markdown.

    >>> to_markdown("As in :func:`measure`; see :class:`~prodbench.Comparison`.")
    'As in `measure`; see `Comparison`.'
    """
    return DIRECTIVE.sub("\n", ROLE.sub(_role, text))


class SphinxRolesToMarkdown(griffe.Extension):
    """Rewrite each object's docstring as it is loaded."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = to_markdown(obj.docstring.value)
