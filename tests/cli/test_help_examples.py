"""Every file a command's --help names as an example (a scenario under attacks/, a campaign
under campaigns/) is one the project ships: an example that fails on its first line teaches
nothing."""

from __future__ import annotations

import re

from tests.cli.test_exit_codes import command_parsers
from tests.conftest import ATTACKS

ROOT = ATTACKS.parent
NAMED = re.compile(r"\b(?:attacks|campaigns)/[\w./-]+\.toml\b")


def test_every_file_a_help_text_names_is_shipped():
    named = {(" ".join(path), name) for path, parser in command_parsers()
             for name in NAMED.findall(parser.format_help())}
    assert named, "no help text names an example file: the pattern no longer matches"
    missing = sorted((path, name) for path, name in named if not (ROOT / name).is_file())
    assert not missing, missing
