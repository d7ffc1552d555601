"""``python -m prodbench``: the command line."""

from prodbench.cli import main

raise SystemExit(main())
