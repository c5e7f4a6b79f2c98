"""The rule behind each risk cell, in words (the same text in every report), and each cell's
label. `cells` applies the rules; a report prints them under "How sentiments are decided"."""

from __future__ import annotations

from bridgelab.report.groups import DELAY_FACTOR, DELAY_MARGIN_S

RULES = {
    "validated-by": (
        "bad if a collusion or verifier-flaw run broke safety, a verifier flaw is switched on,"
        " or the threshold is at most half the committee; warning if the threshold is not more"
        " than two thirds of the committee; good otherwise"
    ),
    "custody": (
        "bad if one entity controls at least the threshold of seats (delegations included), or"
        " a key-compromise run broke safety with fewer entities compromised than the"
        " threshold; warning if one entity controls threshold − 1 seats or at least a"
        " threshold of seats sit on online servers; good otherwise (compromising a threshold"
        " of independent key holders breaks any threshold scheme, so that alone is not bad)"
    ),
    "concentration": (
        "bad if the seats held in one jurisdiction or on one hosting provider reach the"
        " threshold (coercing that jurisdiction or taking that provider's account breaks"
        " the bridge), or a run that targeted an attribute broke safety; warning if one of"
        " them holds threshold − 1 seats, or some seats' jurisdiction or provider is not"
        " declared (unknown is not independent); good otherwise"
    ),
    "upgradeability": (
        "bad if a run replaced the committee without > 2/3 of it (safety.trust-root-governed"
        " failed) or cross-chain messages may call admin functions; warning if committee"
        " changes take effect without a timelock, or with one but no enabled watcher to veto"
        " a change (users can only exit); good otherwise"
    ),
    "destination-token": (
        "bad if a run ended with wrapped tokens the escrow does not back; warning if tokens"
        " were unbacked at any moment of a run, or no global accountant caps minting at what"
        " is escrowed; good otherwise"
    ),
    "liveness-failure": (
        "bad if a run failed a liveness property after every fault healed with honest users'"
        " transfers stuck that no theft explains; warning if the only stuck transfers were"
        " frozen as a consequence of a theft (held by the pause that followed it, or unpaid"
        " from the escrow it drained; the adversary's own transfers are not judged), a run's"
        " liveness stayed unknown, transfers were delayed (slowest more than"
        f" {DELAY_FACTOR:g}× the honest slowest and {DELAY_MARGIN_S:g} s longer), an attacked"
        " run's delay could not be measured (no honest run in its environment to compare"
        " with), or there is a single relayer; good otherwise"
    ),
    "exit-window": (
        "exit window = the timelock on committee changes minus the slowest withdrawal; bad if"
        " it is zero or negative (no time to exit before a change); warning if it is shorter"
        " than 7 days, or a run completed no withdrawal or left one stuck (the exit time is"
        " unknown); good otherwise"
    ),
    "rate-limits": (
        "bad if there is no per-transfer cap, rate limit, or delay or challenge window with an"
        " enabled watcher to act in it (a wait nobody watches stops nothing); warning if there"
        " is no pausing watcher behind them, a run lost more than the rate limit admits"
        " before the pause, or a run lost funds and was never paused (its loss stopped only"
        " because the run ended); good otherwise"
    ),
}

LABELS = {
    "validated-by": "Validated by",
    "custody": "Custody and key holders",
    "concentration": "Jurisdiction and provider concentration",
    "upgradeability": "Upgradeability",
    "destination-token": "Destination token",
    "liveness-failure": "Liveness failure",
    "exit-window": "Exit window",
    "rate-limits": "Rate limits",
}
