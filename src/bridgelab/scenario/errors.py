"""`ScenarioError`: bad input, said in one line (file, key path, expected, found); exit 3.

Every part may quote the file (a key, a value, the file's own name), so the message escapes
control and bidirectional-override characters and cuts long parts: whatever the input, the
line is one line, a few hundred characters at most.
"""

from __future__ import annotations

from bridgelab.exitcodes import EXIT_BAD_INPUT
from bridgelab.scenario.display import clip

FILE_LIMIT = 200
KEY_LIMIT = 120
EXPECTED_LIMIT = 240
FOUND_LIMIT = 160


class ScenarioError(Exception):
    """An input that cannot be used: which file, which key, what was expected and found."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, file: str, key: str, expected: str, found: str) -> None:
        self.file = file
        self.key = key
        self.expected = expected
        self.found = found
        super().__init__(self.message)

    @property
    def message(self) -> str:
        file = clip(self.file, FILE_LIMIT)
        where = f"{file}: {clip(self.key, KEY_LIMIT)}" if self.key else file
        return (
            f"{where}: expected {clip(self.expected, EXPECTED_LIMIT)},"
            f" found {clip(self.found, FOUND_LIMIT)}"
        )
