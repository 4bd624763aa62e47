"""`python -m gateway`: the same command line as the `fixvenue` console script."""

from gateway.cli import main

raise SystemExit(main())
