"""The package's layers: no import circle spans two packages, nothing below the runner
imports it, and the scenario schema imports nothing above it.

The graph is read from the source with `ast`, every import included (those under
`TYPE_CHECKING` and those inside functions too): a circle that only type hints close is
still a circle a reader must untangle.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import bridgelab

SOURCE = Path(bridgelab.__file__).parent
ROOT = "bridgelab"
# Modules that drive runs: they may import the runner (everything else is below it).
ABOVE_RUNNER = ("cli", "campaign", "hunt", "gate", "bench", "pytest_plugin", "report",
                "fuzz", "testing", "__main__")
# Drivers that sit in a lower package but run whole scenarios (`python -m ...`): they belong
# above the runner, and are named here until they move there.
RUN_DRIVERS = ("bridgelab.nemesis.byzantine_sweep",)


def module_names() -> dict[str, Path]:
    names = {}
    for path in sorted(SOURCE.rglob("*.py")):
        parts = list(path.relative_to(SOURCE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join([ROOT, *parts])] = path
    return names


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The module `name` refers to: itself, or its nearest enclosing package."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _targets(node: ast.AST, module: str, is_package: bool, modules: dict[str, Path]
             ) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module or ""
    if node.level:
        anchor = module.split(".")
        anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
        base = ".".join([*anchor, base] if base else anchor)
    # `from package import module` names a module; `from module import name` does not.
    return [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
            for alias in node.names]


@cache
def import_graph() -> dict[str, set[str]]:
    modules = module_names()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        is_package = path.name == "__init__.py"
        for node in ast.walk(tree):
            for target in _targets(node, name, is_package, modules):
                if target.split(".")[0] != ROOT:
                    continue
                resolved = _resolve(target, modules)
                if resolved is not None and resolved != name:
                    graph[name].add(resolved)
    return graph


def package_of(module: str) -> str:
    """`bridgelab.nemesis.keys` -> `nemesis`; a top-level module is its own package."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ROOT


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components (iterative), the circles among them."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    circles: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    circles.append(sorted(component))
    return circles


def cross_package_circles(graph: dict[str, set[str]]) -> list[list[str]]:
    return [circle for circle in strongly_connected(graph)
            if len({package_of(module) for module in circle}) > 1]


def test_the_graph_sees_known_imports() -> None:
    """The graph is not empty by mistake: imports every reader can see are in it."""
    graph = import_graph()
    assert "bridgelab.core.world" in graph["bridgelab.runner"]
    assert "bridgelab.scenario.base" in graph["bridgelab.scenario.model"]
    assert "bridgelab.nemesis.bernoulli" in graph["bridgelab.nemesis.registry"]


def test_circles_are_found() -> None:
    graph = {"a.x.m": {"a.y.n"}, "a.y.n": {"a.x.m"}, "a.x.k": {"a.x.l"}, "a.x.l": {"a.x.k"},
             "a.z": set()}
    assert cross_package_circles(graph) == [["a.x.m", "a.y.n"]]
    assert sorted(strongly_connected(graph)) == [["a.x.k", "a.x.l"], ["a.x.m", "a.y.n"]]


def test_no_import_circle_spans_two_packages() -> None:
    circles = cross_package_circles(import_graph())
    assert circles == [], "\n".join(" -> ".join(circle) for circle in circles)


def test_nothing_below_the_runner_imports_it() -> None:
    graph = import_graph()
    importers = sorted(
        module for module, targets in graph.items()
        if "bridgelab.runner" in targets and package_of(module) not in ABOVE_RUNNER
        and module not in RUN_DRIVERS
    )
    assert importers == []


def test_the_scenario_schema_imports_only_what_is_below_it() -> None:
    allowed = {"scenario", "exitcodes", "textsafe", "safepaths", "signals"}
    graph = import_graph()
    upward = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items() if package_of(module) == "scenario"
        for target in targets if package_of(target) not in allowed
    )
    assert upward == []


def test_the_schema_registry_holds_every_attack_kind_and_probe() -> None:
    from bridgelab.checker.properties import PROBES
    from bridgelab.nemesis.specs import CATALOG
    from bridgelab.scenario.registry import attack_kind, attack_kinds, probe_ids

    assert attack_kinds() == list(CATALOG)
    assert all(attack_kind(kind) is CATALOG[kind] for kind in CATALOG)
    assert probe_ids() == [probe.id for probe in PROBES]


def _direct_imports(prefixes: tuple[str, ...]) -> dict[str, set[str]]:
    """The imports of every module named by one of `prefixes` (a module or a package)."""
    graph = import_graph()
    return {module: targets for module, targets in graph.items()
            if any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)}


def test_the_model_parts_know_nothing_of_what_arms_them() -> None:
    """`parts` builds custody, contracts, chains, actors and links; the runner alone arms the
    bridge (watcher, L2 gateway, adversary, attacks) and attaches the checker."""
    arming = {"nemesis", "defences", "l2", "oracle", "checker", *ABOVE_RUNNER}
    found = sorted(f"{module} -> {target}"
                   for module, targets in _direct_imports(("bridgelab.parts",)).items()
                   for target in targets
                   if package_of(target) in arming or target == "bridgelab.runner")
    assert found == []


def test_the_attack_catalogue_is_data() -> None:
    """The catalogue (specs, params, catalog/) is what the scenario schema validates against:
    it imports the schema's types and the pacing record, never an attack's runtime."""
    catalogue = ("bridgelab.nemesis.specs", "bridgelab.nemesis.params",
                 "bridgelab.nemesis.catalog")
    allowed = ("bridgelab.scenario", "bridgelab.nemesis.plan", *catalogue)
    found = sorted(f"{module} -> {target}"
                   for module, targets in _direct_imports(catalogue).items()
                   for target in targets
                   if not any(target == name or target.startswith(name + ".")
                              for name in allowed))
    assert found == []


def test_reading_evidence_imports_no_model_package() -> None:
    """A run directory is read back as untrusted input and re-judged by the checker: the
    readers (evidence, rundir/) never import the model that wrote it."""
    model = {"actors", "consortium", "settlement", "custody", "core", "l2", "oracle",
             "nemesis", "defences", "protocol", "crypto", "workload", "evm"}
    found = sorted(f"{module} -> {target}"
                   for module, targets in _direct_imports(("bridgelab.evidence",
                                                           "bridgelab.rundir")).items()
                   for target in targets if package_of(target) in model)
    assert found == []
