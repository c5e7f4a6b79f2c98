"""Allow `python -m bridgelab`."""

from bridgelab.cli import main

raise SystemExit(main())
