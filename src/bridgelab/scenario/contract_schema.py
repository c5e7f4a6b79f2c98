"""The `[settlement.contract_source]` section: the user's own bridge contract (bring your
own), deployed in the in-process EVM, and the adapter that says how a certificate is
submitted to it and what a revert means (evm/byo.py runs them; docs/evm.md walks through).

The adapter is data (`[settlement.contract_source.adapter]`: a function name, argument names
from a fixed vocabulary, a table of revert reasons) or a Python class named as `module:Class`
(imported from the scenario's directory: it runs as code, so name only one you trust).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, model_validator

# Imports the shared building blocks only: `scenario/model.py` will import this module.
from bridgelab.scenario.base import Name, Strict, Text, invalid

MAX_PATH = 1_000
MAX_ARGS = 16
# What a certificate offers a submit function (evm/byo.py SUBMIT_ARGS gives each its value).
SubmitArg = Literal[
    "digest", "message_digest", "signatures", "claimed_signers", "version", "nonce", "amount",
    "asset", "sender", "recipient", "source_contract", "direction",
]
# What the deployment offers the constructor, from the trust root (evm/byo.py).
ConstructorArg = Literal["signers", "threshold", "version", "required", "escrow_contract"]
_CLASS_REFERENCE = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")


class ConstructorMapping(Strict):
    args: list[ConstructorArg] = Field(
        default_factory=list, max_length=MAX_ARGS,
        description="the constructor's arguments in order (signers, threshold, version,"
        " required, escrow_contract)",
    )


class SubmitMapping(Strict):
    function: Name("the contract function a relayer calls with a certificate")
    args: list[SubmitArg] = Field(
        max_length=MAX_ARGS,
        description="its arguments in order: digest (what the signatures sign, the batch's"
        " digest once the message's path to it checks), message_digest, signatures,"
        " claimed_signers, version, nonce, amount, asset, sender, recipient, source_contract,"
        " direction",
    )


class AdapterMapping(Strict):
    """How to deploy, how to submit a certificate, what each revert reason means."""

    constructor: ConstructorMapping = Field(
        default_factory=ConstructorMapping, description="how the contract is deployed")
    submit: SubmitMapping = Field(description="how a relayer submits a certificate")
    reverts: dict[Text("a revert reason", low=1, high=200), Name("the check it means")] = Field(
        default_factory=dict, max_length=1_000,
        description="each revert reason of the contract and the check it means",
    )
    unmapped: Name("the check a revert with an unlisted reason means") = "certificate_rejected"


class ContractSource(Strict):
    """The user's contract: Vyper source or init code + ABI, and its adapter. Paths are
    relative to the scenario file and must stay inside its directory."""

    vyper: Text("the contract's Vyper source file", low=1, high=MAX_PATH) | None = None
    bytecode: Text(
        "a JSON file with the contract's `bytecode` (init code, hex) and `abi`", low=1,
        high=MAX_PATH,
    ) | None = None
    adapter: AdapterMapping | None = None
    adapter_class: Text(
        "module:Class of a Python adapter, imported from the scenario's directory (it runs"
        " as your code, with your rights)", low=3, high=200,
    ) | None = None

    @model_validator(mode="after")
    def _one_of_each(self) -> ContractSource:
        if (self.vyper is None) == (self.bytecode is None):
            raise invalid("vyper", "exactly one of vyper (a source) or bytecode (a JSON file)",
                          "both" if self.vyper else "neither")
        if (self.adapter is None) == (self.adapter_class is None):
            raise invalid("adapter", "exactly one of adapter (a table) or adapter_class",
                          "both" if self.adapter else "neither")
        if self.adapter_class is not None and not _CLASS_REFERENCE.fullmatch(
            self.adapter_class
        ):
            raise invalid("adapter_class", "module:Class (a dotted module, a class name)",
                          self.adapter_class)
        return self
