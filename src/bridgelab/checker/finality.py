"""Settlement finality as the scenario configures it, worked out by the checker itself.

A block is final once `finality_slots` slots have begun after its own, and slot k begins at
the k-th tick of `slot_time` from the start. The checker reads each block's slot from its
`settlement.block` record and the time from each event, never the chain's own
`settlement.final` claim: a chain that finalised too early (or never) would otherwise decide
which releases are backed and which withdrawals liveness waits for.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Any

# Most slot ticks one event may move the clock by: a run makes one block per slot, so a
# history that jumps further is hostile, and is refused rather than looped over.
MAX_TICKS_PER_EVENT = 10_000_000


@dataclass(slots=True)
class SettlementFinality:
    """How far the settlement chain is final at a time, by the configured rule."""

    slot_time: float
    finality_slots: int
    _slot: int = 0  # the latest slot begun before the time last asked about
    _next_tick: float = field(init=False)  # when slot `_slot + 1` begins
    _last_time: float = 0.0  # the time last asked about: time only goes forward
    # The recorded blocks' numbers and slots, both increasing.
    _numbers: array = field(default_factory=lambda: array("q"))
    _slots: array = field(default_factory=lambda: array("q"))

    def __post_init__(self) -> None:
        assert self.slot_time > 0 and self.finality_slots >= 0
        self._next_tick = self.slot_time

    @classmethod
    def of_scenario(cls, scenario: Any) -> SettlementFinality:
        """The rule `[settlement]` configures."""
        return cls(scenario.settlement.slot_time, scenario.settlement.finality_slots)

    def block(self, number: int, slot: int) -> None:
        """Note the recorded block `number`, made in `slot`. Empty blocks are not recorded,
        and nothing refers to them; a reorg records again the blocks it makes anew, from
        the first orphaned number on."""
        numbers, slots = self._numbers, self._slots
        if not (type(number) is int and type(slot) is int and number >= 0):
            raise ValueError(f"settlement block {number!r} (slot {slot!r}) is no block")
        cut = bisect_left(numbers, number)
        del numbers[cut:], slots[cut:]
        # One block per slot, numbered in slot order: anything else is no chain's record.
        if slots and slot <= slots[-1]:
            raise ValueError(f"settlement block {number} made in slot {slot}, not after"
                             f" block {numbers[-1]}'s slot {slots[-1]}")
        numbers.append(number)
        slots.append(slot)

    def final_number(self, time: float) -> int:
        """The highest block number final by `time` (-1: none). A slot counts as begun only
        for events strictly after its tick: the chain finalises at the tick itself, and
        nothing it finalised then can have been acted on at the same instant."""
        if not time >= self._last_time:
            # One event dated ahead would have finalised every block recorded after it.
            raise ValueError(f"event time {time} is before the previous one's,"
                             f" {self._last_time}")
        self._last_time = time
        ticks = 0
        # Repeated addition, as the simulation's clock moves from tick to tick.
        while self._next_tick < time:
            self._slot += 1
            self._next_tick += self.slot_time
            ticks += 1
            if ticks > MAX_TICKS_PER_EVENT:
                raise ValueError(f"event time {time} is more than {MAX_TICKS_PER_EVENT:,}"
                                 " slots past the previous one")
        index = bisect_right(self._slots, self._slot - self.finality_slots) - 1
        return self._numbers[index] if index >= 0 else -1
