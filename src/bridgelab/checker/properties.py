"""The properties bridgelab checks, each with a stable id, a kind and a one-line statement."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bridgelab.scenario.registry import register_probes

Kind = Literal["always", "eventually", "sometimes", "at_end"]
Verdict = Literal["pass", "fail", "unknown", "not_exercised"]


@dataclass(frozen=True, slots=True)
class Property:
    id: str
    kind: Kind
    statement: str


PROPERTIES: tuple[Property, ...] = (
    Property(
        "safety.supply-conservation",
        "always",
        "Per asset, minted - burned <= locked - released; and per asset and lane (L1, L2),"
        " no more burnt or moved out than minted or moved in.",
    ),
    Property("safety.no-double-mint", "always", "Each lock is minted at most once."),
    Property("safety.no-double-release", "always", "Each burn is released at most once."),
    Property(
        "safety.certificate-quorum",
        "always",
        "Every accepted certificate certifies the transfer it pays and meets the committee"
        " policy the scenario configures, under the current trust root: the threshold of"
        " distinct, authorised signers, required members included (under threshold BLS, a"
        " group signature under the DKG's key and each required member's own signature).",
    ),
    Property(
        "safety.mint-backed-by-final-lock",
        "always",
        "Every mint matches a final lock of the canonical escrow on the consortium chain:"
        " same nonce, asset, amount and recipient.",
    ),
    Property(
        "safety.release-backed-by-final-burn",
        "always",
        "Every release matches a final burn of the canonical contract on the settlement"
        " chain (or the L2): same nonce, asset, amount and recipient.",
    ),
    Property(
        "safety.escrow-covers-supply",
        "always",
        "Per asset, the escrow holds at least the circulating wrapped supply:"
        " escrowed >= minted - burned (escrowed as the escrow reports it, never more than"
        " the recorded locks and releases can have left there).",
    ),
    Property(
        "safety.trust-root-governed",
        "always",
        "Every trust-root change is signed by more than two thirds of the previous committee.",
    ),
    Property(
        "safety.consortium-agreement",
        "always",
        "No two conflicting blocks are committed at one consortium height; when two are, the"
        " validators that signed both (at least 2q - n, more than n/3) are named and their"
        " signatures verified.",
    ),
    Property(
        "liveness.deposits-minted",
        "eventually",
        "Every lock is minted by the end of the run.",
    ),
    Property(
        "liveness.withdrawals-released",
        "eventually",
        "Every final burn is released by the end of the run.",
    ),
)

PROBES: tuple[Property, ...] = (
    Property(
        "coverage.mint-during-fault", "sometimes", "A mint happened while a fault was active."
    ),
    Property(
        "coverage.mint-during-partition", "sometimes",
        "A mint happened while the network was partitioned.",
    ),
    Property("coverage.rate-limit-triggered", "sometimes", "A rate limit refused a transfer."),
    Property("coverage.share-refresh", "sometimes", "Threshold shares were refreshed."),
    Property("coverage.reorg", "sometimes", "The settlement chain reorganised."),
    Property("coverage.view-change", "sometimes", "The consortium replaced a silent leader."),
    Property("coverage.bridge-paused", "sometimes", "The bridge was paused or frozen."),
    Property("coverage.forgery-attempted", "sometimes", "The adversary submitted a forgery."),
)

BY_ID = {prop.id: prop for prop in (*PROPERTIES, *PROBES)}

register_probes(probe.id for probe in PROBES)
