"""Risk reports: run records (a campaign store or a directory of runs) -> a report dict ->
`report.json` (validated against `report.schema.json`), `report.md` and a self-contained
`report.html`.

`model.build_report` is a pure function of the run records (and, optionally, the cost-to-break
results computed beforehand); the renderers only format what it decided.
"""

from bridgelab.report.loading import load_records
from bridgelab.report.model import build_report
from bridgelab.report.records import RunRecord

__all__ = ["RunRecord", "build_report", "load_records"]
