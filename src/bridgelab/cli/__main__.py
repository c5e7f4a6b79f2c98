"""Allow `python -m bridgelab.cli`."""

from bridgelab.console import main

raise SystemExit(main())
