"""Oracle attacks: late, silent or lying reporters, and a default the feed reports late."""

from __future__ import annotations

from typing import Any

from bridgelab.nemesis import targets
from bridgelab.nemesis.judged import JudgedRounds


class _OracleAttack(JudgedRounds):
    """A round tested something only if it changed a report (withheld, delayed, biased; for a
    default, forced the default) and a consumer (the lending market) read the feed after it
    began: a feed nobody reads misleads nobody."""

    idle_reason = "nothing_read"

    def _evidence_at_start(self) -> None:
        self._started = self.world.now
        self._affected_before = self._affected()

    def _affected(self) -> int:
        return sum(reporter.affected for reporter in self._reporters)

    def _changed_something(self) -> bool:
        """A report of an attacked reporter was withheld, delayed or biased."""
        return self._affected() > self._affected_before

    def _struck(self) -> bool:
        # A consumer read the feed after the round began (not in its first instant, before
        # anything could change), and the round changed a report.
        oracle = self.bridge.oracle
        return (oracle is not None and oracle.feed.last_read_at > self._started
                and self._changed_something())

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

    def _changed_something(self) -> bool:
        """The default the round forced happened (not one that came before it)."""
        oracle = self.bridge.oracle
        return oracle is not None and getattr(oracle.nav, "default_cause", "") == self.actor

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
