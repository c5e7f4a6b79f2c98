"""What a campaign worker imports to run: not the campaign file's schema, not networkx.

Counted in a fresh interpreter (as a spawned worker is) by the modules loaded, never timed:
the time itself is measured by hand and recorded in docs/performance.md.
"""

from __future__ import annotations

import json
import subprocess
import sys

# Everything a pool worker needs for a run: the task module, the runner, the scenario parser.
WORKER_IMPORTS = (
    "import sys, json\n"
    "import bridgelab.campaign.worker\n"
    "from bridgelab import runner\n"
    "from bridgelab.scenario import parse_scenario\n"
    "print(json.dumps(sorted(sys.modules)))\n"
)


def test_a_worker_imports_neither_the_campaign_schema_nor_networkx():
    completed = subprocess.run([sys.executable, "-c", WORKER_IMPORTS], capture_output=True,
                               text=True, check=True, timeout=120)
    loaded = set(json.loads(completed.stdout))
    assert "bridgelab.runner" in loaded and "bridgelab.campaign.runspec" in loaded
    assert not any(name == "networkx" or name.startswith("networkx.") for name in loaded)
    assert "bridgelab.campaign.spec" not in loaded
    assert "bridgelab.campaign.schema" not in loaded


def test_a_run_spec_unpickles_from_the_light_module():
    from bridgelab.campaign.runspec import RunSpec
    from bridgelab.campaign.spec import RunSpec as FromSpec

    assert FromSpec is RunSpec and RunSpec.__module__ == "bridgelab.campaign.runspec"
