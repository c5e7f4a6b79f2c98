"""Oracle attacks: late, silent or lying reporters, and a default the feed reports late."""

from __future__ import annotations

from typing import Any

from bridgelab.nemesis import targets
from bridgelab.nemesis.judged import JudgedRounds


class _OracleAttack(JudgedRounds):
    """A round tested something only if a consumer (redemptions, the lending market) read
    the feed while it was on: a feed nobody reads misleads nobody."""

    idle_reason = "nothing_read"

    def _evidence_at_start(self) -> None:
        oracle = self.bridge.oracle
        assert oracle is not None
        self._reads_before = oracle.feed.reads

    def _struck(self) -> bool:
        oracle = self.bridge.oracle
        return oracle is not None and oracle.feed.reads > self._reads_before

    def strikes_nothing(self) -> str | None:
        return None if self._reporters else "reporters"

    def describe(self) -> dict[str, Any]:
        oracle = self.bridge.oracle
        if oracle is None:
            raise RuntimeError(f"{self.spec.kind} needs [oracle] enabled = true")
        reporters = list(range(len(oracle.reporters)))
        quorum = self.world.scenario.oracle.quorum
        chosen = (
            sorted(set(self.spec.targets.members))
            if self.spec.targets.members is not None
            else targets.pick(reporters, self.spec.targets.select or "all", quorum, self.rng)
        )
        self._reporters = [oracle.reporters[i] for i in chosen if i < len(reporters)]
        return {"reporters": chosen}


class OracleDelay(_OracleAttack):
    kind = "oracle.delay"

    def begin(self, round_: int) -> None:
        self._open_round(bool(self._reporters))
        for reporter in self._reporters:
            reporter.delay = self.params.delay

    def heal(self, round_: int) -> None:
        for reporter in self._reporters:
            reporter.delay = 0.0
        self._close_round()


class OracleStale(_OracleAttack):
    kind = "oracle.stale"

    def begin(self, round_: int) -> None:
        self._open_round(bool(self._reporters))
        for reporter in self._reporters:
            reporter.silenced = True

    def heal(self, round_: int) -> None:
        for reporter in self._reporters:
            reporter.silenced = False
        self._close_round()


class OracleManipulate(_OracleAttack):
    kind = "oracle.manipulate"

    def begin(self, round_: int) -> None:
        self._open_round(bool(self._reporters))
        for reporter in self._reporters:
            reporter.bias = self.params.bias

    def heal(self, round_: int) -> None:
        for reporter in self._reporters:
            reporter.bias = 0.0
        self._close_round()


class OracleDefault(_OracleAttack):
    kind = "oracle.default"

    def describe(self) -> dict[str, Any]:
        self.spec = self.spec.model_copy(update={"targets": self.spec.targets.model_copy(
            update={"select": "all", "members": None})})
        return super().describe()

    def begin(self, round_: int) -> None:
        self._open_round(bool(self._reporters))
        oracle = self.bridge.oracle
        assert oracle is not None
        for reporter in self._reporters:
            reporter.delay = self.params.report_delay
        oracle.nav.force_default(self.world.now, self.params.write_down, cause=self.actor)

    def heal(self, round_: int) -> None:
        for reporter in self._reporters:
            reporter.delay = 0.0
        self._close_round()
