"""Small modules, small functions: no module under `src/bridgelab/` over 400 lines and no
function over 80, except those named below with the reason they may be longer.

An exception is a debt with a ceiling: an allow-listed module may not grow past the size
recorded here, and one that has come back under the limit must leave the list, so the list
only ever shrinks.
"""

from __future__ import annotations

import ast
from pathlib import Path

import bridgelab

SOURCE = Path(bridgelab.__file__).parent
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80

# Module (relative to src/bridgelab) -> (its size when allowed, why it may be larger).
# Each entry goes when its split lands.
LARGE_MODULES: dict[str, tuple[int, str]] = {
}
# "module.py:qualified.name" -> (its size when allowed, why it may be longer).
LONG_FUNCTIONS: dict[str, tuple[int, str]] = {}


def line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def function_sizes(source: str) -> dict[str, int]:
    """Lines of every function and method (nested ones too), by qualified name; a function's
    lines run from its `def` to its last statement."""
    sizes: dict[str, int] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    assert child.end_lineno is not None
                    sizes[name] = child.end_lineno - child.lineno + 1
                visit(child, f"{name}.")
            else:
                visit(child, prefix)

    visit(ast.parse(source), "")
    return sizes


def modules() -> list[tuple[str, Path]]:
    return [(path.relative_to(SOURCE).as_posix(), path) for path in sorted(SOURCE.rglob("*.py"))]


def test_function_sizes_are_measured() -> None:
    """The measure sees methods and nested functions, by qualified name."""
    body = "\n".join(f"        x{i} = {i}" for i in range(90))
    source = f"class A:\n    def long(self):\n{body}\n\n    def short(self):\n        pass\n"
    source += "def outer():\n    def inner():\n        return 1\n    return inner\n"
    assert function_sizes(source) == {"A.long": 91, "A.short": 2, "outer": 4, "outer.inner": 2}


def test_modules_stay_under_the_limit() -> None:
    found = {name: line_count(path) for name, path in modules()}
    too_long = sorted(
        f"{name}: {lines} lines (at most {LARGE_MODULES.get(name, (MAX_MODULE_LINES,))[0]})"
        for name, lines in found.items()
        if lines > max(MAX_MODULE_LINES, LARGE_MODULES.get(name, (0,))[0])
    )
    assert too_long == [], "split these along their seams:\n" + "\n".join(too_long)


def test_the_module_allow_list_is_current() -> None:
    """An exception that no longer exists, or that is small again, leaves the list."""
    found = {name: line_count(path) for name, path in modules()}
    stale = sorted(name for name in LARGE_MODULES
                   if found.get(name, 0) <= MAX_MODULE_LINES)
    assert stale == [], "remove from LARGE_MODULES: " + ", ".join(stale)


def test_functions_stay_under_the_limit() -> None:
    too_long = []
    for name, path in modules():
        for function, lines in function_sizes(path.read_text(encoding="utf-8")).items():
            key = f"{name}:{function}"
            allowed = max(MAX_FUNCTION_LINES, LONG_FUNCTIONS.get(key, (0,))[0])
            if lines > allowed:
                too_long.append(f"{key}: {lines} lines (at most {allowed})")
    assert too_long == [], "split these into named steps:\n" + "\n".join(sorted(too_long))


def test_the_function_allow_list_is_current() -> None:
    sizes = {f"{name}:{function}": lines for name, path in modules()
             for function, lines in function_sizes(path.read_text(encoding="utf-8")).items()}
    stale = sorted(key for key in LONG_FUNCTIONS if sizes.get(key, 0) <= MAX_FUNCTION_LINES)
    assert stale == [], "remove from LONG_FUNCTIONS: " + ", ".join(stale)
