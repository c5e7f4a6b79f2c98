"""A relayer gathering endorsements: asking the committee, collecting what comes back, and
assembling a certificate for one message or a batch of them (`Gathering`, a part of
`Relayer`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import simpy

from bridgelab.actors.wire import BatchRequest, Endorsement, MessageProof
from bridgelab.crypto import merkle
from bridgelab.protocol.messages import BatchPath, BridgeMessage, Certificate, batch_digest

if TYPE_CHECKING:
    from bridgelab.actors.relayer import RelayerStats
    from bridgelab.core.world import World
    from bridgelab.custody.base import Custody


@dataclass(slots=True)
class Collector:
    """Endorsements of one digest as they arrive; `met` succeeds once the policy is."""

    digest: bytes
    epoch: int
    endorsements: dict[int, bytes]
    met: simpy.Event


@dataclass(slots=True)
class OpenBatch:
    """Messages of one direction waiting to be endorsed under one root."""

    number: int
    items: list[tuple[BridgeMessage, MessageProof]]
    full: simpy.Event
    # Succeeds with the certificates issued, by message key (empty if none were).
    done: simpy.Event


class Gathering:
    """The endorsement rounds of a `Relayer`: one message's, or a batch's under one root."""

    world: World
    config: Any
    custody: Custody
    members: list[str]
    trust_root_version: int
    stats: RelayerStats
    _collectors: dict[tuple[str, int], Collector]
    _open_batches: dict[str, OpenBatch]
    _batch_counter: int

    def delivered(self, message: BridgeMessage) -> bool:
        raise NotImplementedError

    def _gather(self, message: BridgeMessage, proof: MessageProof) -> simpy.events.ProcessGenerator:
        """Endorsements for one message, assembled into its certificate (None if none)."""
        digest = message.digest(self.trust_root_version)
        about = {"direction": message.direction, "nonce": message.nonce}
        self.stats.relayed += 1
        self.world.record(self.node, "relay", **about, members=len(self.members))
        endorsements = yield from self._rounds(
            message.key, digest, proof, about, lambda: self.delivered(message)
        )
        if endorsements is None:
            return None
        certificate = self.custody.assemble(message, self.trust_root_version, endorsements)
        self.stats.certificates += 1
        self.world.record(
            self.node, "certificate", **about, signers=list(certificate.signer_hint)
        )
        return certificate

    def _batched(
        self, message: BridgeMessage, proof: MessageProof
    ) -> simpy.events.ProcessGenerator:
        """Join this direction's open batch and wait for its certificate. If the batch could
        not be certified, the message is gathered on its own."""
        env = self.world.env
        direction = message.direction
        batch = self._open_batches.get(direction)
        if batch is None:
            self._batch_counter += 1
            batch = OpenBatch(self._batch_counter, [], env.event(), env.event())
            self._open_batches[direction] = batch
            env.process(self._run_batch(direction, batch))
        batch.items.append((message, proof))
        if len(batch.items) >= self.config.batch_max:
            del self._open_batches[direction]
            batch.full.succeed()
        certificates = yield batch.done
        certificate = certificates.get(message.key)
        if certificate is not None or self.delivered(message):
            return certificate
        return (yield from self._gather(message, proof))

    def _run_batch(self, direction: str, batch: OpenBatch) -> simpy.events.ProcessGenerator:
        """Hold the batch open for `batch_window` (or until full), then certify it."""
        env = self.world.env
        if self.config.batch_window > 0 and not batch.full.triggered:
            yield batch.full | env.timeout(self.config.batch_window)
        if self._open_batches.get(direction) is batch:
            del self._open_batches[direction]
        items = [(message, proof) for message, proof in batch.items if not self.delivered(message)]
        certificates: dict[tuple[str, int], Certificate] = {}
        if len(items) > 1:
            certificates = (yield from self._gather_batch(direction, batch.number, items)) or {}
        # A lone message is left to its own process: a batch of one is a plain certificate.
        batch.done.succeed(certificates)

    def _gather_batch(
        self,
        direction: str,
        number: int,
        items: list[tuple[BridgeMessage, MessageProof]],
    ) -> simpy.events.ProcessGenerator:
        """Endorsements for a Merkle root over the messages' digests; a certificate each."""
        version = self.trust_root_version
        messages = [message for message, _proof in items]
        leaves = [message.digest(version) for message in messages]
        root = merkle.root(leaves)
        digest = batch_digest(root, len(leaves), version)
        request = BatchRequest(self.node, (f"{direction}-batch", number),
                               tuple(proof for _message, proof in items))
        about = {"direction": direction, "nonces": [message.nonce for message in messages]}
        self.stats.relayed += len(messages)
        self.world.record(
            self.node, "relay.batch", **about, root=root.hex()[:16], members=len(self.members)
        )
        endorsements = yield from self._rounds(
            request.key, digest, request, about,
            lambda: all(self.delivered(message) for message in messages),
        )
        if endorsements is None:
            return None
        first = self.custody.assemble(messages[0], version, endorsements)
        self.stats.certificates += 1
        self.world.record(
            self.node, "certificate.batch", **about, signers=list(first.signer_hint)
        )
        return {
            message.key: first.for_batch_member(message, BatchPath(root, path))
            for message, path in zip(messages, merkle.prove_all(leaves), strict=True)
        }

    def _rounds(
        self,
        key: tuple[str, int],
        digest: bytes,
        request: MessageProof | BatchRequest,
        about: dict[str, Any],
        finished: Callable[[], bool],
    ) -> simpy.events.ProcessGenerator:
        """Ask every member that has not endorsed `digest`, wait for the policy or a time-out,
        back off and ask again; the endorsements, or None once `finished` or out of rounds."""
        env = self.world.env
        network = self.world.network
        collector = Collector(digest, self.custody.epoch, {}, env.event())
        self._collectors[key] = collector
        backoff = self.config.endorse_timeout
        try:
            for attempt in range(self.config.max_retries + 1):
                if attempt:
                    self.stats.retries += 1
                network.multicast(self.node, [
                    member for member_index, member in enumerate(self.members)
                    if member_index not in collector.endorsements
                ], request)
                yield collector.met | env.timeout(backoff)
                if collector.met.triggered:
                    if not self._drop_bad_partials(about, collector):
                        return collector.endorsements
                    continue
                if finished():
                    return None
                backoff *= self.config.retry_backoff
            self.stats.gave_up += 1
            self.world.record(
                self.node, "relay.gave_up", **about, endorsements=len(collector.endorsements)
            )
            return None
        finally:
            # Only its own: in a consortium fork one relayer may carry two conflicting messages
            # for one nonce at once, and the later collector took the key over.
            if self._collectors.get(key) is collector:
                del self._collectors[key]

    def _drop_bad_partials(self, about: dict[str, Any], collector: Collector) -> bool:
        """Optimistic combination: True if some partials were bad and were dropped."""
        if not getattr(self.custody, "optimistic", False):
            return False
        bad = self.custody.bad_endorsements(collector.digest, collector.endorsements)
        if not bad:
            return False
        for member in bad:
            collector.endorsements.pop(member, None)
        self.stats.invalid_endorsements += len(bad)
        self.world.record(self.node, "relay.bad_endorsements", **about, members=bad)
        collector.met = self.world.env.event()
        if self.custody.policy_met(list(collector.endorsements)):
            collector.met.succeed()
        return True

    def _collect(self, endorsement: Endorsement) -> None:
        collector = self._collectors.get(endorsement.key)
        if collector is None or endorsement.digest != collector.digest:
            return
        # Threshold BLS is checked optimistically: partials are combined first and checked
        # one by one only if the combination fails (see `_drop_bad_partials`).
        if not getattr(self.custody, "optimistic", False) and not self.custody.verify_endorsement(
            endorsement.member, endorsement.digest, endorsement.signature, endorsement.epoch
        ):
            self.stats.invalid_endorsements += 1
            return
        if endorsement.epoch != collector.epoch:
            # The shares were refreshed: partials from different epochs never combine.
            collector.epoch = endorsement.epoch
            collector.endorsements.clear()
        endorsements = collector.endorsements
        endorsements[endorsement.member] = endorsement.signature
        # No policy is met by fewer distinct members than the threshold (`policy_met` in
        # custody/base.py), so the policy is asked only from then on: once per endorsement
        # before, about 14 of a batch's 21.
        if (
            len(endorsements) >= self.custody.threshold
            and not collector.met.triggered
            and self.custody.policy_met(list(endorsements))
        ):
            collector.met.succeed()
