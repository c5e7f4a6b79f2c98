"""Attacks judged by what each round struck: a round that found nothing to strike (no
traffic across its links, nothing for a sequencer to hold up, no deposit for an offline
oracle member to miss) tested nothing, and says so with `attack.failed` (`tested: false`).

A round is judged when it heals, when the next round starts without a heal, or as the run
ends; the checker then counts the attack untested unless another round struck.
"""

from __future__ import annotations

from typing import ClassVar

from bridgelab.nemesis.base import Attack


class JudgedRounds(Attack):
    """`_evidence_at_start` notes where the round starts from; `_struck` says whether it
    struck since. `idle_reason` names a round that did not."""

    idle_reason: ClassVar[str] = "nothing_struck"
    # Whether a round is on and not yet judged.
    _open = False

    def _evidence_at_start(self) -> None:
        raise NotImplementedError

    def _struck(self) -> bool:
        raise NotImplementedError

    def _open_round(self, striking: bool = True) -> None:
        """Start judging a round (`striking` False: it has no target, judged elsewhere)."""
        self._close_round()
        self._evidence_at_start()
        self._open = striking

    def _close_round(self) -> None:
        if self._open and not self._struck():
            self.world.record(self.actor, "attack.failed", reason=self.idle_reason,
                              attack=self.kind, tested=False)
        self._open = False

    def at_end(self) -> None:
        super().at_end()
        self._close_round()
