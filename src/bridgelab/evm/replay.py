"""Replay a saved differential case: `python -m bridgelab.evm.replay CASE.json`.

Rebuilds the deployment from the case, applies its steps to the model and to the contract,
prints both outcomes per step, and exits 1 if they still disagree (0 once fixed).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bridgelab.evm.differential import Config, Pair
from bridgelab.protocol.messages import certificate_from_fields, trust_root_from_fields
from bridgelab.settlement.bridge_contract import BurnTx, Limits, MintTx, PauseTx
from bridgelab.settlement.transactions import Fee


def config_from_fields(fields: dict) -> Config:
    cap, delay_threshold, delay = fields["limits"]
    bucket = fields["bucket"]
    return Config(
        trust_root_from_fields(fields["root"]), tuple(fields["flaws"]),
        fields["threshold_override"], Limits(cap, delay_threshold, delay),
        (int(bucket[0]), float(bucket[1])) if bucket else None, fields["rotation_timelock"],
        fields.get("backing"),
    )


def replay(path: Path) -> int:
    case = json.loads(path.read_text("utf-8"))
    pair = Pair(config_from_fields(case["config"]))
    disagreements = 0
    for step in case["steps"]:
        kind, now, fields = step["kind"], step["now"], step.get("tx", {})
        if kind == "due_mints":
            model, evm = pair.due(now)
        elif kind == "due_root":
            model, evm = pair.due_root(now)
        elif kind == "mint":
            cert = certificate_from_fields(fields["certificate"])
            tx = MintTx("replay", fields["relayer"], 0.0, Fee(0, 0), cert)
            model, evm = pair.step("mint", tx, now)
        elif kind in ("pause", "burn"):
            tx_type = PauseTx if kind == "pause" else BurnTx
            model, evm = pair.step(kind, tx_type(**fields, fee=Fee(0, 0)), now)
        else:
            print(f"t={now}: {kind}: not replayable ({fields.get('repr', '')[:60]})")
            continue
        disagreements += model != evm
        print(f"t={now}: {kind}: model {model} evm {evm}{'' if model == evm else '  <-- differ'}")
    return 1 if disagreements else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python -m bridgelab.evm.replay CASE.json", file=sys.stderr)
        sys.exit(3)
    sys.exit(replay(Path(sys.argv[1])))
