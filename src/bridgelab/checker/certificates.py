"""The monitor's certificate side: trust roots and their rotations, the group key, and
`safety.certificate-quorum`, every accepted certificate judged against the committee policy
in force (`checker/policy.py`), never against the deployed verifier's opinion."""

from __future__ import annotations

from typing import Any

from bridgelab.checker.group_key import dkg_record, refreshed
from bridgelab.checker.ledger_view import LedgerView
from bridgelab.checker.policy import (
    DEFAULT_BLS_LIBRARY,
    CommitteePolicy,
    GroupKeyRecord,
    RootBinding,
    Shortfall,
    certificate_shortfall,
    root_shortfall,
    rotation_failure,
    signers_shortfall,
)
from bridgelab.core.history import Event
from bridgelab.protocol.messages import (
    Certificate,
    certificate_from_fields,
    trust_root_from_fields,
)

# Where a trust root recorded with no block is taken to be (`_on_trust_root`).
FIRST_BLOCK = -1


class CertificateChecks:
    """Mixed into the monitor: the handlers and checks that read trust roots and
    certificates. The monitor provides the state named below and `_fail`."""

    view: LedgerView
    signatures: str
    policy: CommitteePolicy | None
    root_policies: dict[int, RootBinding]
    group_key: GroupKeyRecord | None
    unjudged_certificates: int
    exercised: dict[str, int]

    def _fail(
        self, prop: str, event: Event, detail: str, evidence: dict[str, Any] | None = None
    ) -> None:
        raise NotImplementedError

    def _on_trust_root(self, event: Event) -> None:
        root = trust_root_from_fields(event.fields)
        view = self.view
        if not view.trust_roots:
            view.current_root = {"settlement": root.version, "consortium": root.version}
            self.root_policies[root.version] = RootBinding(
                self.policy or CommitteePolicy.of_root(root), False, root
            )
        else:
            self.exercised["safety.trust-root-governed"] += 1
            previous = view.trust_roots[view.current_root["settlement"]]
            signatures = tuple(
                bytes.fromhex(sig) for sig in event.fields.get("rotation_signatures", [])
            )
            check = rotation_failure(previous, root, signatures, self.signatures)
            if check is not None:
                self._fail(
                    "safety.trust-root-governed", event,
                    f"trust root v{previous.version} replaced by v{root.version} via"
                    f" {event.fields.get('via', 'unknown')!r}, which fails the rotation check"
                    f" '{check}' (needs > 2/3 of the {len(previous.signers)} current members)",
                )
                # Not the committee's word: the policy in force before, and the signers the
                # committee last vouched for, still bind.
                before = self.root_policies[previous.version]
                self.root_policies[root.version] = RootBinding(
                    before.policy, False, before.vouched
                )
            else:
                # A governed root's policy is its own; the checker's BLS library stays the
                # one the scenario's backend chose (never the model's).
                library = self.policy.bls_library if self.policy else DEFAULT_BLS_LIBRARY
                self.root_policies[root.version] = RootBinding(
                    CommitteePolicy.of_root(root, library), True, root
                )
            view.current_root["settlement"] = root.version
        view.trust_roots[root.version] = root
        # A root recorded with no block is taken as in the chain's first block: no reorg can
        # take it back, so a record cannot bring a committee rotated out back that way.
        view.settlement_roots.append((root.version, event.fields.get("number", FIRST_BLOCK)))

    def _on_dkg(self, event: Event) -> None:
        self.group_key = dkg_record(event.fields)

    def _on_refresh(self, event: Event) -> None:
        self.group_key = refreshed(self.group_key, event.fields)

    def _check_certificate(self, event: Event) -> None:
        self.exercised["safety.certificate-quorum"] += 1
        if event.fields.get("certificate") is None:
            self._fail(
                "safety.certificate-quorum", event,
                f"{event.kind} #{event.fields['nonce']} records no certificate at all",
            )
            return
        cert = certificate_from_fields(event.fields["certificate"])
        root = self.view.trust_roots.get(cert.trust_root_version)
        chain = "consortium" if event.kind == "release" else "settlement"
        current = self.view.current_root.get(chain)
        if root is None or cert.trust_root_version != current:
            self._fail(
                "safety.certificate-quorum",
                event,
                f"certificate under trust root v{cert.trust_root_version}, current is v{current}",
            )
            return
        policy, governed, vouched = self.root_policies[root.version]
        shortfall = (
            _certifies_another_transfer(event, cert)
            or signers_shortfall(root, vouched)
            or root_shortfall(root, policy, None if governed else self.group_key)
            or certificate_shortfall(root, policy, cert, self.signatures)
        )
        if shortfall is not None:
            self._fail(
                "safety.certificate-quorum",
                event,
                f"{event.kind} #{event.fields['nonce']} accepted a certificate that fails the"
                f" '{shortfall.check}' check: {shortfall.detail} ({len(cert.signatures)}"
                f" signatures; the policy: {policy.describe()})",
            )
        elif self.policy is None:
            self.unjudged_certificates += 1


def _certifies_another_transfer(event: Event, cert: Certificate) -> Shortfall | None:
    """The certificate must certify the transfer the event pays out: a contract that paid
    one message on another's certificate paid it on no certificate at all."""
    fields = event.fields
    message = cert.message
    direction = "withdrawal" if event.kind == "release" else "deposit"
    certified = (message.direction, message.nonce, message.asset, message.amount,
                 message.recipient)
    paid = (direction, fields["nonce"], fields["asset"], fields["amount"], fields["recipient"])
    if certified == paid:
        return None
    return Shortfall(
        "certified_message",
        f"it certifies {message.direction} #{message.nonce} of {message.amount}"
        f" {message.asset} to {message.recipient}",
    )
