"""Allow `python -m bridgelab`."""

from bridgelab.console import main

raise SystemExit(main())
