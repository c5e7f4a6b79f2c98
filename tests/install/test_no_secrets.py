"""No secret leaves the model: no private key or share, in hex or decimal, in any output file."""

from __future__ import annotations

import re

import pytest

from bridgelab.runner import run
from tests.conftest import small_scenario


def _encodings(secret: int) -> list[str]:
    padded = f"{secret:064x}"
    return [padded, padded.upper(), f"{secret:x}", str(secret)]


@pytest.mark.parametrize("custody", ["multisig", "threshold-bls"])
def test_no_private_key_or_share_in_any_output(custody, tmp_path):
    secrets: list[int] = []

    def capture(bridge):
        for validator in bridge.consortium.validators:
            raw = validator.signer._secret[:32]  # libsodium's secret: seed, then public key
            secrets.append(int.from_bytes(raw, "big"))
        custody_obj = bridge.custody
        signers = getattr(custody_obj, "_signers", None) or custody_obj._governance
        secrets.extend(signer._key.to_int() for signer in signers)
        if custody == "threshold-bls":
            secrets.extend(share.value for share in custody_obj._shares.values())
            original = custody_obj.refresh

            def refresh_and_capture():
                key = original()
                secrets.extend(share.value for share in custody_obj._shares.values())
                return key

            custody_obj.refresh = refresh_and_capture

    scenario = small_scenario(
        {"committee": {"custody": custody, "refresh_interval": 30.0}}
    )
    result = run(scenario, 3, tmp_path, setup=capture)
    assert result.exit_code == 0
    assert len(secrets) >= 7 + 9
    outputs = sorted(path for path in tmp_path.rglob("*") if path.is_file())
    assert {path.name for path in outputs} >= {"history.jsonl", "results.json", "scenario.toml"}
    texts = {path.name: path.read_text() for path in outputs}
    # The scan itself works: a public key is found, so a secret would be too.
    assert any(re.search(r"[0-9a-f]{64}", text) for text in texts.values())
    for secret in secrets:
        for encoding in _encodings(secret):
            if len(encoding) < 16:
                continue  # too short to be a meaningful match
            for name, text in texts.items():
                assert encoding not in text, f"secret leaked into {name}"
