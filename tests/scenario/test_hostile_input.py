"""Hostile and broken input: refused at validation, exit 3, in ONE short line of safe text.

Each case of the fuzzing pass that found tracebacks, hangs and bad messages is here, through
the command line as a user meets it: `bridgelab validate` (and `run`, which must refuse the
same input before anything runs).
"""

from __future__ import annotations

import math
import re
import types
import typing
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from bridgelab.campaign.spec import load_campaign
from bridgelab.cli import main
from bridgelab.core.history import TIME_DECIMALS
from bridgelab.nemesis.specs import CATALOG
from bridgelab.scenario import ScenarioError, load_scenario, parse_scenario
from bridgelab.scenario.base import CLOCK_RESOLUTION, MIN_PERIOD
from bridgelab.scenario.display import escape, show, unsafe
from bridgelab.scenario.model import Scenario
from bridgelab.scenario.reader import MAX_BYTES
from tests.conftest import ATTACKS, BASELINE, ROOT, baseline_data

RLO, NUL = "\u202e", "\x00"


def _baseline_with(old: str, new: str) -> str:
    text = BASELINE.read_text()
    assert old in text, f"fixture drift: {old!r} not in baseline.toml"
    return text.replace(old, new, 1)


def _refused(tmp_path: Path, capsys, content: str | bytes, *command: str) -> str:
    """Write `content`, run `bridgelab COMMAND FILE`: exit 3, one safe line; the line."""
    path = tmp_path / "hostile.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    code = main([*(command or ("validate",)), str(path)])
    err = capsys.readouterr().err
    assert code == 3, err
    lines = err.splitlines()
    assert len(lines) == 1 and err.endswith("\n"), err[:2_000]
    line = lines[0]
    assert line.startswith(f"error: {path}"), line
    assert "Traceback" not in line
    assert len(line) < 600, len(line)
    assert not any(unsafe(char) for char in line), line
    return line


@pytest.mark.parametrize("nesting", [
    "a = " + "[" * 2_000 + "]" * 2_000,
    "a = " + "{b = " * 2_000 + "1" + "}" * 2_000,
    ".".join(["x"] * 20_000) + " = 1",
    "[" + ".".join(["t"] * 5_000) + "]",
], ids=["arrays", "inline-tables", "dotted-key", "table-header"])
def test_deeply_nested_toml_is_refused_not_a_recursion_error(nesting, tmp_path, capsys):
    line = _refused(tmp_path, capsys, BASELINE.read_text() + "\n[x]\n" + nesting + "\n")
    assert "at most 32" in line


def test_nesting_within_the_limit_reaches_the_schema(tmp_path, capsys):
    # 20 levels are fine for the reader; the schema then refuses the unknown key by name.
    line = _refused(tmp_path, capsys, BASELINE.read_text() + "\n[x]\na = " + "[" * 20 + "]" * 20)
    assert ": x: expected no such key" in line


@pytest.mark.parametrize(("old", "new", "key", "floor", "why"), [
    ("view_timeout = 3.0", "view_timeout = 1e-9", "consortium.view_timeout", "0.001",
     "the history records time to 1 µs"),
    ("block_time = 1.0", "block_time = 0.0005", "consortium.block_time", "0.001",
     "keeps simulated time from advancing"),
    ("slot_time = 12.0", "slot_time = 1e-300", "settlement.slot_time", "0.1",
     "faster than a network round trip"),
])
def test_a_timer_too_short_to_let_time_advance_is_refused_and_says_why(old, new, key, floor,
                                                                       why, tmp_path, capsys):
    line = _refused(tmp_path, capsys, _baseline_with(old, new))
    assert f": {key}: expected a finite number, at least {floor} and at most" in line
    assert why in line  # the reason, not just the bound
    assert line.endswith(f"found {float(new.split(' = ')[1])!r}")


def test_a_timer_at_the_bound_is_accepted():
    data = baseline_data()
    data["relayers"]["endorse_timeout"] = MIN_PERIOD
    assert parse_scenario(data).relayers.endorse_timeout == MIN_PERIOD
    data["network"] = {"latency": {"dist": "fixed", "value": 0.0}}
    data["consortium"].update(view_timeout=MIN_PERIOD, block_time=MIN_PERIOD)
    assert parse_scenario(data).consortium.view_timeout == MIN_PERIOD


@pytest.mark.parametrize(("key", "value"), [
    ("view_timeout", 0.09),  # the baseline's validators are 0.05 s apart
    ("block_time", 0.04),
])
def test_consensus_faster_than_its_messages_is_refused(key, value):
    data = baseline_data()
    data["consortium"][key] = value
    with pytest.raises(ScenarioError) as refused:
        parse_scenario(data, "f.toml")
    assert refused.value.key == f"consortium.{key}"
    assert "typical latency between validators (0.05 s)" in refused.value.expected
    data["network"]["latency"] = {"dist": "fixed", "value": 0.01}
    assert parse_scenario(data, "f.toml")


def test_threshold_bls_committees_are_bounded_by_key_generation():
    data = baseline_data()
    data["committee"].update(custody="threshold-bls", members=257, threshold=172, required=[])
    with pytest.raises(ScenarioError) as refused:
        parse_scenario(data, "f.toml")
    assert refused.value.key == "committee.members" and "key generation" in refused.value.expected
    data["committee"]["custody"] = "multisig"
    assert parse_scenario(data, "f.toml").committee.members == 257


def test_the_bound_is_the_historys_clock():
    assert 10.0**-TIME_DECIMALS == CLOCK_RESOLUTION
    assert MIN_PERIOD >= 100 * CLOCK_RESOLUTION


@pytest.mark.parametrize("value", ["inf", "nan", "-inf", "1e300"])
def test_an_endless_duration_is_refused(value, tmp_path, capsys):
    text = re.sub(r"^duration = [0-9.]+", f"duration = {value}", BASELINE.read_text(), count=1,
                  flags=re.M)
    line = _refused(tmp_path, capsys, text)
    assert ": scenario.duration: expected a finite number" in line
    assert "a run must end" in line


def test_nan_drift_is_refused(tmp_path, capsys):
    text = BASELINE.read_text() + "\n[oracle]\nenabled = true\ndrift = nan\n"
    line = _refused(tmp_path, capsys, text)
    assert ": oracle.drift: expected a finite number" in line and line.endswith("found nan")


def test_an_oracle_attack_without_an_oracle_is_refused_before_the_run(tmp_path, capsys):
    text = BASELINE.read_text() + '\n[[attacks]]\nkind = "oracle.manipulate"\n'
    line = _refused(tmp_path, capsys, text)
    assert ": attacks.0.kind: expected an [oracle] section with enabled = true" in line
    out = tmp_path / "out"
    line = _refused(tmp_path, capsys, text, "run", "--quiet", "--out", str(out))
    assert "attacks.0.kind" in line
    assert not out.exists()


def test_an_attack_naming_a_reporter_that_does_not_exist_is_refused():
    data = baseline_data()
    data["oracle"] = {"enabled": True, "reporters": 5}
    data["attacks"] = [{"kind": "oracle.stale", "targets": {"members": [4, 5]}}]
    with pytest.raises(ScenarioError) as refused:
        parse_scenario(data, "f.toml")
    assert refused.value.key == "attacks.0.targets.members"
    assert "reporter ids in 0..4" in refused.value.expected


@pytest.mark.parametrize(("where", "name"), [
    ("targets", {"nodes": ["validator-7"]}),  # seven validators: 0..6
    ("params", {"side_a": ["relayer"], "side_b": ["no-such-node"]}),
])
def test_a_node_that_does_not_exist_is_refused(where, name):
    data = baseline_data()
    kind = "node.crash" if where == "targets" else "network.partition"
    data["attacks"] = [{"kind": kind, where: name}]
    with pytest.raises(ScenarioError) as refused:
        parse_scenario(data, "f.toml")
    assert refused.value.key.startswith(f"attacks.0.{where}.")


@pytest.mark.parametrize(("module", "found"), [
    ('raise ZeroDivisionError("boom")\n', "ZeroDivisionError: boom"),
    ("import sys\nsys.exit(7)\n", "SystemExit: 7"),
    ("def broken(:\n", "SyntaxError"),
    ("import no_such_dependency_of_mine\n", "ModuleNotFoundError"),
    ("x = 1\n", "nothing of that name"),
])
@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_property_module_that_fails_at_import_is_bad_input(module, found, command, tmp_path,
                                                            capsys):
    # A module name of its own: this process keeps every module it imported.
    name = "hostile_" + re.sub(r"\W", "_", tmp_path.name)
    (tmp_path / f"{name}.py").write_text(module)
    text = BASELINE.read_text() + f'\n[checks]\nproperties = ["{name}:prop"]\n'
    args = ("run", "--quiet", "--out", str(tmp_path / "out")) if command == "run" else ()
    line = _refused(tmp_path, capsys, text, *(args or (command,)))
    assert f": checks.properties.0: expected an importable property '{name}:prop'" in line
    assert name in line.split("found", 1)[1] and found in line
    assert not (tmp_path / "out" / "results.json").exists()


@pytest.mark.parametrize("key", ['"a\\nb"', '"tab\\tand\\u202e"', '"nul\\u0000"'])
def test_a_key_with_control_characters_gives_one_escaped_line(key, tmp_path, capsys):
    line = _refused(tmp_path, capsys, _baseline_with("[relayers]\n", f"[relayers]\n{key} = 1\n"))
    assert "relayers." in line and "expected a key without control" in line
    assert "\\n" in line or "\\t" in line or "\\x00" in line


@pytest.mark.parametrize(("old", "new"), [
    ("members = 9", "members = [" + ", ".join(["1"] * 10_000) + "]"),
    ("required = [0]", "required = [" + ", ".join(["0"] * 10_000) + "]"),
    ('name = "baseline"', 'name = "' + "n" * 10_000 + '"'),
    ("members = 9", "members = " + "9" * 5_000),
])
def test_a_huge_value_gives_a_short_line(old, new, tmp_path, capsys):
    line = _refused(tmp_path, capsys, _baseline_with(old, new))
    assert len(line) < 400
    assert re.search(r"10,000 items|10,000 characters|4,300 digits", line), line


@pytest.mark.parametrize("text", [f"base{NUL}line", f"evil{RLO}txt.exe", "a\u2066b\u2069"])
def test_nul_and_bidi_overrides_in_strings_are_refused_and_escaped(text, tmp_path, capsys):
    escaped = "".join(char if char.isprintable() else f"\\u{ord(char):04x}" for char in text)
    line = _refused(tmp_path, capsys, _baseline_with('name = "baseline"', f'name = "{escaped}"'))
    assert ": scenario.name: expected text without control or bidirectional" in line
    assert escape(text) in line


def test_bytes_that_are_not_utf8_name_the_offset(tmp_path, capsys):
    raw = BASELINE.read_bytes() + b"\n# \xff\xfe\n"
    line = _refused(tmp_path, capsys, raw)
    assert f"0xff at byte {len(BASELINE.read_bytes()) + 3:,}" in line


def test_an_endless_file_is_read_only_up_to_the_limit(tmp_path, capsys):
    line = _refused(tmp_path, capsys, "# " + "x" * MAX_BYTES + "\n")
    assert f"at most {MAX_BYTES:,} bytes" in line


def test_campaigns_get_the_same_reader(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[campaign]\nname = "c"\n[base]\nx = ' + "[" * 100 + "]" * 100 + "\n")
    with pytest.raises(ScenarioError, match="at most 32 levels"):
        load_campaign(path)


def test_a_sweep_too_large_to_validate_is_refused_before_it_is_expanded(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(
        f'[campaign]\nname = "c"\nbase = "{BASELINE}"\n[sweep.grid]\n'
        f'"workload.amount_min" = {list(range(1, 101))}\n'
        f'"workload.amount_max" = {list(range(10**6, 10**6 + 200))}\n'
    )
    with pytest.raises(ScenarioError) as refused:
        load_campaign(path)
    assert "at most 10,000 configurations" in refused.value.expected
    assert refused.value.found == "20,000"


def test_a_campaigns_property_module_is_imported_at_validation(tmp_path):
    # Looked up next to the base scenario, as a campaign's runs do.
    (tmp_path / "base.toml").write_text(BASELINE.read_text())
    (tmp_path / "boom_props.py").write_text("raise RuntimeError('at import')\n")
    path = tmp_path / "c.toml"
    path.write_text(
        '[campaign]\nname = "c"\nbase = "base.toml"\n'
        '[base]\nchecks = { properties = ["boom_props:p"] }\n'
    )
    with pytest.raises(ScenarioError) as refused:
        load_campaign(path)
    assert refused.value.key == "checks.properties.0"
    assert "RuntimeError: at import" in refused.value.found


# -- the schema as a whole -------------------------------------------------------------------


def _numeric_fields(model: type[BaseModel], prefix: str = ""):
    """(path, FieldInfo, annotation) of every int/float field reachable through tables."""
    for name, info in model.model_fields.items():
        annotation = info.annotation
        base = annotation
        if typing.get_origin(annotation) in (typing.Union, types.UnionType):  # X | None
            args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
            base = args[0] if len(args) == 1 else annotation
        if isinstance(base, type) and issubclass(base, BaseModel):
            yield from _numeric_fields(base, f"{prefix}{name}.")
        elif base in (int, float):
            yield f"{prefix}{name}", info, base


def _upper_bound(info) -> float | None:
    for item in info.metadata:
        for attribute in ("le", "lt"):
            if getattr(item, attribute, None) is not None:
                return getattr(item, attribute)
    return None


PARAM_FIELDS = [
    (kind, path, info, base)
    for kind, attack in CATALOG.items()
    for path, info, base in _numeric_fields(attack.params)
]
SCENARIO_FIELDS = list(_numeric_fields(Scenario))


def test_every_number_of_the_schema_has_an_upper_bound_and_a_description():
    fields = [(path, info) for path, info, _ in SCENARIO_FIELDS]
    fields += [(f"{kind}:{path}", info) for kind, path, info, _ in PARAM_FIELDS]
    assert len(fields) > 120
    unbounded = [path for path, info in fields if _upper_bound(info) is None]
    assert unbounded == []
    undescribed = [path for path, info in fields if not info.description]
    assert undescribed == []


def _set(data: dict, path: str, value: object) -> None:
    *parents, last = path.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[last] = value


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_every_float_of_the_schema_refuses_nan_and_infinity(value):
    floats = [path for path, _, base in SCENARIO_FIELDS if base is float]
    assert "scenario.duration" in floats and "oracle.drift" in floats
    for path in floats:
        data = baseline_data()
        _set(data, path, value)
        with pytest.raises(ScenarioError) as refused:
            parse_scenario(data, "f.toml")
        assert refused.value.key == path, path
    for kind, path, _, base in PARAM_FIELDS:
        if base is not float:
            continue
        data = baseline_data()
        data.update(oracle={"enabled": True}, l2={"enabled": True})
        data["attacks"] = [{"kind": kind, "params": {path: value}}]
        with pytest.raises(ScenarioError) as refused:
            parse_scenario(data, "f.toml")
        assert refused.value.key == f"attacks.0.params.{path}", (kind, path)


def test_an_attack_parameter_of_another_type_is_refused_in_the_scenario_s_words():
    """Not pydantic's "input should be a valid number": the same words as any scenario key,
    and the found value as the file wrote it."""
    import datetime

    for kind, path, _, base in PARAM_FIELDS:
        data = baseline_data()
        data.update(oracle={"enabled": True}, l2={"enabled": True})
        data["attacks"] = [{"kind": kind, "params": {path: datetime.date(1979, 5, 27)}}]
        with pytest.raises(ScenarioError) as refused:
            parse_scenario(data, "f.toml")
        assert refused.value.key == f"attacks.0.params.{path}", (kind, path)
        assert refused.value.expected == ("an integer" if base is int else "a number"), (
            kind, path, refused.value.expected)
        assert refused.value.found == "the date 1979-05-27", (kind, path)


def test_every_shipped_scenario_and_campaign_still_validates():
    scenarios = sorted(ATTACKS.rglob("*.toml"))
    assert len(scenarios) > 40
    for path in scenarios:
        load_scenario(path)
    for path in sorted((ROOT / "campaigns").glob("*.toml")):
        load_campaign(path)


# -- the one line ----------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.text(max_size=300), st.text(max_size=20_000))
def test_any_error_is_one_short_line_of_safe_characters(file, key, found):
    message = ScenarioError(file, key, "a value", show(found)).message
    assert "\n" not in message and "\r" not in message
    assert not any(unsafe(char) for char in message)
    assert len(message) < 1_000


@given(st.text())
def test_escaping_is_idempotent_and_keeps_printable_text(text):
    assert escape(escape(text)) == escape(text)
    if text.isprintable():
        assert escape(text) == text


def test_a_toml_date_or_time_is_shown_as_the_file_wrote_it():
    import datetime

    assert show(datetime.datetime(1979, 5, 27, 7, 32)) == "the date-time 1979-05-27T07:32:00"
    assert show(datetime.date(1979, 5, 27)) == "the date 1979-05-27"
    assert show(datetime.time(7, 32, 0, 999_000)) == "the time 07:32:00.999000"


def test_a_long_value_keeps_its_length():
    assert show("x" * 10_000).endswith("(10,000 characters)")
    assert show(list(range(10_000))).startswith("a list of 10,000 items [0, 1, 2, …]")
    assert "digits" in show(10**500)


@pytest.mark.parametrize("value", ["true", '"9"', "9.0"])
def test_a_number_of_another_type_is_refused_not_coerced(value, tmp_path, capsys):
    line = _refused(tmp_path, capsys, _baseline_with("members = 9", f"members = {value}"))
    assert ": committee.members: expected an integer" in line
