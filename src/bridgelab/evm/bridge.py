"""`EvmBridge`: the settlement bridge contract's transitions, executed as EVM bytecode.

Each `process_*` mirrors the function of the same name in settlement/bridge_contract.py: it
takes the same transaction, returns the same kind of value and raises the same
`Revert(reason)`, but the checks run in the Vyper contract (contracts/bridge.vy) inside
py-evm's Prague VM, at a block timestamp equal to the simulated time. `last_gas` is the gas
the EVM metered for the last transaction. Reorgs restore a `snapshot` (the state root).

Model actors become accounts by `machine.actor_address(name)`; a mint credits the account of
its recipient's name the same way. Only real signatures can be verified on chain: a
verifier configured for symbolic ones is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from fractions import Fraction

from bridgelab.evm.abi import (
    ContractAbi,
    Unrepresentable,
    certificate_args,
    ecdsa_or_empty,
    message_args,
    root_args,
)
from bridgelab.evm.build import artefact
from bridgelab.evm.machine import Outcome, actor_address, choose_engine, new_machine
from bridgelab.evm.variants import contract_flaws
from bridgelab.protocol.messages import Certificate, TrustRoot
from bridgelab.protocol.revert import Revert
from bridgelab.protocol.verifier import VerifierConfig
from bridgelab.settlement.bridge_contract import (
    BRIDGE_CONTRACT,
    SET_TRUST_ROOT_CALL,
    BurnEvent,
    BurnTx,
    ChallengeTx,
    DelayedMint,
    Limits,
    MintEvent,
    MintQueued,
    MintTx,
    PauseTx,
    PendingRoot,
    ProveAndMintTx,
    RotateTx,
    UpgradeTx,
    VetoTx,
    parse_set_trust_root,
)

ACCOUNTANT_ORACLE = "accountant-oracle"
# contracts/bridge.vy MAX_LEAF: the longest event leaf a caller may pass.
MAX_LEAF = 2432
DEPLOYER = "bridge-deployer"


@dataclass(slots=True)
class _Mirror:
    """What the harness remembers beside the chain to build the model's return values: the
    certificates of queued mints and the trust roots it may install. Saved with snapshots."""

    trust_root: TrustRoot
    verifier: VerifierConfig
    delayed: dict[int, DelayedMint] = field(default_factory=dict)
    pending: PendingRoot | None = None

    def copy(self) -> _Mirror:
        return _Mirror(self.trust_root, self.verifier, dict(self.delayed), self.pending)


def needs_bls_precompiles(root: TrustRoot) -> bool:
    """Whether the contract, under this trust root, calls the EIP-2537 precompiles."""
    return root.scheme != "multisig"


def _whole_seconds(value: float, what: str) -> int:
    if value < 0 or int(value) != value:
        raise Unrepresentable(f"{what}: the EVM counts whole seconds, found {value!r}")
    return int(value)


class EvmBridge:
    """The bridge contract deployed in an in-process EVM."""

    def __init__(
        self,
        trust_root: TrustRoot,
        verifier: VerifierConfig,
        escrow_contract: str,
        limits: Limits = Limits(),  # noqa: B008 - frozen
        bucket: tuple[int, float] | None = None,
        guardian: str = "guardian",
        admin: str = "admin",
        watcher: str = "watcher",
        rotation_timelock: float = 0.0,
        accountant: Callable[[str], int] | None = None,
        now: float = 0.0,
        fast_precompiles: bool = True,
        engine: str = "auto",
    ) -> None:
        """`bucket` is (capacity, rate per second) of a token bucket full at `now`;
        `engine` the EVM engine setting (evm/machine.py `choose_engine`)."""
        if verifier.signatures != "real":
            raise Unrepresentable("the EVM verifies real signatures only, not symbolic ones")
        self.machine = new_machine(
            choose_engine(engine, needs_bls_precompiles(trust_root)), fast_precompiles
        )
        self.accountant = accountant
        self.rotation_timelock = rotation_timelock
        self._mirror = _Mirror(trust_root, verifier)
        self._artefact = artefact(verifier.flaws)
        self.abi = ContractAbi(self._artefact.abi)
        capacity, rate = bucket if bucket is not None else (0, 0.0)
        # The contract keeps the bucket in 18-decimal fixed point: the rate to the nearest
        # 10**-18 token per second (exact for the dyadic rates the differential tests draw;
        # the model's floats round too, so at a boundary the two may differ by that much).
        rate_e18 = round(Fraction(rate) * 10**18)
        limits_args = (
            limits.per_transfer_cap is not None, limits.per_transfer_cap or 0,
            limits.delay_threshold is not None, limits.delay_threshold or 0,
            _whole_seconds(limits.delay, "delay"),
            bucket is not None, capacity, rate_e18,
            accountant is not None, _whole_seconds(rotation_timelock, "rotation_timelock"),
        )
        constructor = self.abi.calldata(
            "constructor", root_args(trust_root), escrow_contract, actor_address(admin),
            actor_address(guardian), actor_address(watcher), actor_address(ACCOUNTANT_ORACLE),
            limits_args,
        )
        self.address = self.machine.deploy(
            actor_address(DEPLOYER), self._artefact.initcode + constructor,
            _whole_seconds(now, "now"),
        )
        self.last_gas = 0
        self.last_outcome: Outcome | None = None
        if verifier.threshold_override is not None:
            # Deployed with the override: the admin sets it in the deployment's block.
            self._call(admin, "upgrade", now, True, verifier.threshold_override)

    # -- state the model exposes ---------------------------------------------------------

    @property
    def trust_root(self) -> TrustRoot:
        return self._mirror.trust_root

    @property
    def verifier(self) -> VerifierConfig:
        return self._mirror.verifier

    @property
    def delayed(self) -> dict[int, DelayedMint]:
        return self._mirror.delayed

    @property
    def pending_root(self) -> PendingRoot | None:
        return self._mirror.pending

    @property
    def paused(self) -> bool:
        return bool(self.view("paused")[0])

    @property
    def next_burn_nonce(self) -> int:
        return int(self.view("next_burn_nonce")[0])

    def balance(self, holder: str, asset: str) -> int:
        from eth_utils import keccak

        return int(self.view("balances", actor_address(holder), keccak(asset.encode()))[0])

    # -- calls ----------------------------------------------------------------------------

    def _call(self, sender: str, function: str, now: float, *args: object) -> tuple:
        data = self.abi.calldata(function, *args)
        outcome = self.machine.transact(
            actor_address(sender), self.address, data, _whole_seconds(now, "now")
        )
        self.last_outcome = outcome
        self.last_gas = outcome.gas_used
        if not outcome.success:
            raise Revert(outcome.reason or "reverted")
        return outcome.decode(self.abi.outputs(function))

    def view(self, function: str, *args: object) -> tuple:
        """A read at the latest state (no gas accounted, no block advanced)."""
        data = self.abi.calldata(function, *args)
        outcome = self.machine.call(actor_address(DEPLOYER), self.address, data)
        return outcome.decode(self.abi.outputs(function))

    def _report_backing(self, asset: str, now: float) -> None:
        if self.accountant is not None:
            self._call(ACCOUNTANT_ORACLE, "report_backing", now, asset, self.accountant(asset))

    # -- transitions -----------------------------------------------------------------------

    def process_mint(self, tx: MintTx, now: float = 0.0) -> MintEvent | MintQueued:
        cert = tx.certificate
        root = self._mirror.trust_root
        args = certificate_args(cert, root.scheme, len(root.required))
        self._report_backing(cert.message.asset, now)
        before = self._mirror.trust_root, self._mirror.pending
        signers_bitmap, queued, due = self._call(tx.sender, "mint", now, args)
        signers = self._signers(cert, signers_bitmap)
        return self._mint_outcome(cert, signers, queued, due, tx.tx_id, before, now)

    def process_prove_and_mint(
        self, tx: ProveAndMintTx, now: float = 0.0
    ) -> MintEvent | MintQueued:
        """A deposit proven against an accepted root, no signature (the Nomad path)."""
        message = tx.message
        proof = tx.proof
        header = (0, 0, bytes(32), 0, 0, bytes(32), 0)
        index, size, siblings = 0, 0, []
        if proof is not None:
            h = proof.header
            header = (h.height, h.view, h.parent_hash, round(h.time * 1_000_000), h.proposer,
                      h.events_root, h.event_count)
            index, size, siblings = proof.path.index, proof.path.leaf_count, list(
                proof.path.siblings
            )
        leaf = tx.leaf if tx.leaf is not None else b""
        if len(leaf) > MAX_LEAF:
            raise Unrepresentable(f"a leaf of {len(leaf)} bytes, above the ABI's {MAX_LEAF}")
        self._report_backing(message.asset, now)
        before = self._mirror.trust_root, self._mirror.pending
        queued, due = self._call(
            tx.sender, "prove_and_mint", now, message_args(message), tx.root, proof is not None,
            header, index, size, siblings, tx.leaf is not None, leaf,
        )
        root = self._mirror.trust_root
        cert = Certificate(message, root.version, root.scheme, ())
        return self._mint_outcome(cert, (), queued, due, tx.tx_id, before, now)

    def _mint_outcome(
        self, cert: Certificate, signers: tuple[int, ...], queued: bool, due: int, tx_id: str,
        before: tuple[TrustRoot, PendingRoot | None], now: float,
    ) -> MintEvent | MintQueued:
        """What an accepted mint call did: queued behind the large-transfer delay, or minted
        (its message's payload then run against the mirror)."""
        message = cert.message
        if queued:
            self._mirror.delayed[message.nonce] = DelayedMint(cert, signers, float(due), tx_id)
            return MintQueued(
                message.nonce, message.asset, message.amount, message.recipient, float(due), tx_id,
            )
        self._after_message_call(message.payload, before, now)
        return MintEvent(
            BRIDGE_CONTRACT, message.nonce, message.asset, message.amount, message.recipient,
            signers, tx_id, cert,
        )

    def _signers(self, cert: Certificate, bitmap: int) -> tuple[int, ...]:
        """The verdict's signers: the members whose signatures the contract recovered, or
        under threshold BLS the certificate's hint (recorded only, as in the model)."""
        if self._mirror.trust_root.scheme == "threshold-bls" and cert.signatures:
            return tuple(sorted(set(cert.signer_hint)))
        return tuple(member for member in range(256) if bitmap >> member & 1)

    def _after_message_call(
        self, payload: str, before: tuple[TrustRoot, PendingRoot | None], now: float
    ) -> None:
        """Mirror the root a flawed contract's message call installed or scheduled."""
        if "arbitrary_message_calls" not in self._mirror.verifier.flaws:
            return
        if not payload.startswith(SET_TRUST_ROOT_CALL):
            return
        root = parse_set_trust_root(payload, before[0])
        if root is None:
            return
        self._scheduled(root, now, "message-call")

    def _scheduled(self, root: TrustRoot, now: float, via: str) -> TrustRoot | None:
        version = int(self.view("version")[0])
        if version == root.version:
            self._mirror.trust_root = root
            return root
        self._mirror.pending = PendingRoot(root, now + self.rotation_timelock, via)
        return None

    def process_due_mints(self, now: float) -> list[tuple[MintEvent, DelayedMint]]:
        (executed,) = self._call(DEPLOYER, "execute_due", now)
        out = []
        for nonce in executed:
            item = self._mirror.delayed.pop(nonce)
            message = item.certificate.message
            before = self._mirror.trust_root, self._mirror.pending
            event = MintEvent(
                BRIDGE_CONTRACT, nonce, message.asset, message.amount, message.recipient,
                item.signers, item.tx_id, item.certificate,
            )
            self._after_message_call(message.payload, before, now)
            out.append((event, item))
        return out

    def process_burn(self, tx: BurnTx, now: float = 0.0) -> BurnEvent:
        # A non-positive amount is refused as the model refuses it (the ABI has no negatives).
        (nonce,) = self._call(tx.sender, "burn", now, tx.asset, max(tx.amount, 0), tx.recipient)
        return BurnEvent(
            BRIDGE_CONTRACT, nonce, tx.asset, tx.amount, tx.sender, tx.recipient, tx.tx_id
        )

    def process_pause(self, tx: PauseTx, now: float = 0.0) -> bool:
        self._call(tx.sender, "pause", now, tx.paused)
        return tx.paused

    def process_upgrade(self, tx: UpgradeTx, now: float = 0.0) -> VerifierConfig:
        """The admin's upgrade: the verifier's parameters in storage and, when its flaws
        change, the variant's code behind the same storage."""
        override = tx.verifier.threshold_override
        self._call(tx.sender, "upgrade", now, override is not None, override or 0)
        if contract_flaws(tx.verifier.flaws) != contract_flaws(self._mirror.verifier.flaws):
            self._artefact = artefact(tx.verifier.flaws)
            self.machine.set_code(self.address, self._artefact.runtime)
        self._mirror.verifier = tx.verifier
        return tx.verifier

    def process_rotate(self, tx: RotateTx, now: float = 0.0) -> TrustRoot | None:
        if needs_bls_precompiles(tx.rotation.new_root) and self.machine.engine == "revm":
            raise RuntimeError("a rotation to threshold BLS under the revm engine, which has"
                               " no EIP-2537 precompile: run with evm_engine = 'py-evm'")
        self._call(tx.sender, "rotate", now, root_args(tx.rotation.new_root),
                   [ecdsa_or_empty(signature) for signature in tx.rotation.signatures])
        root = self._scheduled(tx.rotation.new_root, now, "rotation")
        if root is None and self._mirror.pending is not None:
            self._mirror.pending = replace(self._mirror.pending, signatures=tx.rotation.signatures)
        return root

    def process_due_root(self, now: float) -> PendingRoot | None:
        (version,) = self._call(DEPLOYER, "apply_due_root", now)
        pending = self._mirror.pending
        if version == 0 or pending is None:
            return None
        assert pending.root.version == version, "the mirror lost the pending root"
        self._mirror.pending = None
        self._mirror.trust_root = pending.root
        return pending

    def process_challenge(self, tx: ChallengeTx, now: float = 0.0) -> int:
        self._call(tx.sender, "challenge", now, tx.nonce)
        self._mirror.delayed.pop(tx.nonce, None)
        return tx.nonce

    def process_veto(self, tx: VetoTx, now: float = 0.0) -> int:
        self._call(tx.sender, "veto", now, tx.version)
        self._mirror.pending = None
        return tx.version

    # -- reorgs ---------------------------------------------------------------------------

    def snapshot(self) -> tuple[bytes, _Mirror, bytes]:
        """Everything needed to come back here: the state root, the mirror, the code."""
        return self.machine.snapshot(), self._mirror.copy(), self._artefact.runtime

    def restore(self, snapshot: tuple[bytes, _Mirror, bytes]) -> None:
        root, mirror, _runtime = snapshot
        self.machine.restore(root)
        self._mirror = mirror.copy()
        self._artefact = artefact(mirror.verifier.flaws)
        self.abi = ContractAbi(self._artefact.abi)
