"""``python -m latechunk``: the command line."""

from latechunk.cli import main

raise SystemExit(main())
