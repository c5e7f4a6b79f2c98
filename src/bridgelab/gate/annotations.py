"""GitHub Actions workflow commands for the gate: a failure shown on its scenario file.

GitHub reads `::error file=F,title=T::message` from a step's output and pins it to the file in
the pull request; `%`, CR and LF (and `:` and `,` in properties) must be percent-escaped.
"""

from __future__ import annotations

from bridgelab.gate.check import RunRecord
from bridgelab.textsafe import printable


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(record: RunRecord) -> str | None:
    """The workflow command for one run: an error for a failed property or a crash, a warning
    for an inconclusive run, nothing for a pass or a run not made."""
    if record.status == "fail":
        level, title = "error", f"bridgelab: {', '.join(record.failing) or 'property failed'}"
    elif record.status == "error":
        level, title = "error", "bridgelab: run crashed"
    elif record.status == "inconclusive":
        level, title = "warning", "bridgelab: inconclusive"
    else:
        return None
    message = f"seed {record.seed}: {record.detail}"
    if record.out_dir:
        message += f" (evidence: {record.out_dir})"
    return (f"::{level} file={_property(printable(record.scenario))},"
            f"title={_property(printable(title, 200))}::{_data(printable(message, 2000))}")
