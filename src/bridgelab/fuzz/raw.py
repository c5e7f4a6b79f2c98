"""Hypothesis strategies of raw bytes for the loader: random, TOML-like, and shipped files
with bytes inserted, deleted or repeated."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

from bridgelab.fuzz.corpus import Seed

# Pieces of TOML syntax (and of near-TOML), so that random sequences reach the parser's
# deeper states: tables, arrays of tables, inline tables, every kind of string, numbers.
FRAGMENTS = (
    "[", "]", "[[", "]]", "{", "}", "=", " = ", ",", ".", "\n", "\r\n", " ", "\t", "#", '"',
    "'", '"""', "'''", "\\", "\\u202e", "\\u0000", "\\U0010ffff", "\\x", "key", "scenario",
    "name", "duration", "committee", "members", "threshold", "attacks", "[scenario]",
    "[[attacks]]", 'kind = "oracle.stale"', 'name = "x"', "a.b.c", "1", "-0", "+1", "0x1f",
    "0o17", "0b101", "1_000", "3.14", "1e308", "1e-300", "nan", "inf", "-inf", "true",
    "false", "1979-05-27T07:32:00Z", "07:32:00", "\x00", "\x7f", "\u202e", "\ufeff", "é",
    "😀", "\ud800",
)


def tomlish() -> st.SearchStrategy[bytes]:
    """Random sequences of TOML fragments and short text, encoded as UTF-8 (a lone
    surrogate, which UTF-8 cannot hold, passes through as its three bytes)."""
    pieces = st.sampled_from(FRAGMENTS) | st.text(max_size=6)
    return st.lists(pieces, max_size=300).map(
        lambda parts: "".join(parts).encode("utf-8", "surrogatepass")
    )


@st.composite
def spliced(draw: st.DrawFn, seeds: Sequence[Seed]) -> bytes:
    """A shipped file with 1..8 edits: random bytes inserted, a slice deleted or repeated."""
    data = bytearray(draw(st.sampled_from(seeds)).text.encode())
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data)))
        operation = draw(st.sampled_from(("insert", "delete", "repeat")))
        if operation == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        else:
            end = min(len(data), at + draw(st.integers(1, 64)))
            chunk = data[at:end]
            data[at:end] = chunk * draw(st.integers(2, 50)) if operation == "repeat" else b""
    return bytes(data)


def raw_inputs(seeds: Sequence[Seed]) -> st.SearchStrategy[tuple[str, bytes]]:
    """(kind, bytes): random bytes, TOML-like text, or spliced shipped scenarios."""
    return st.tuples(
        st.just("scenario"), st.binary(max_size=2_048) | tomlish() | spliced(seeds)
    )
