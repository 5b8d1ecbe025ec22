"""The layout keeps one direction of dependency: no import circles in bot/, handlers/ or storage/,
and the use cases never touch a platform SDK, an HTTP server or an SMTP client.

The graph is built from the source with `ast`, so imports inside functions and under
`TYPE_CHECKING` count exactly like module-level ones: a circle hidden in a function is still a
circle to a reader.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "storage")
# What only bot/ may import: platform SDKs, the HTTP server and client, SMTP, the token library.
PLATFORM_MODULES = ("slack_bolt", "slack_sdk", "microsoft_agents", "aiohttp", "msal", "smtplib", "aiosmtplib")


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue  # Alembic loads revisions by file, never by import
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _imports(path: Path, name: str, is_package: bool) -> list[str]:
    """Every module named by an import anywhere in the file, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = name.split(".") if is_package else name.split(".")[:-1]
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            names.append(module)
            # "from handlers.meetings import schedule" names the module schedule, not only the package
            names.extend(f"{module}.{alias.name}" for alias in node.names)
    return names


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for target in _imports(path, name, path.name == "__init__.py"):
            if target in modules and target != name:
                graph[name].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_imports_inside_functions_and_type_checking(tmp_path: Path) -> None:
    source = tmp_path / "probe.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from handlers.core import context\n"
        "def later():\n    from handlers.meetings import schedule\n    import storage.models\n",
        encoding="utf-8",
    )
    seen = _imports(source, "bot.probe", is_package=False)
    assert {"handlers.core.context", "handlers.meetings.schedule", "storage.models"} <= set(seen)


def test_a_circle_is_found() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_circles() -> None:
    circles = _cycles(_graph())
    assert circles == [], "import circles: " + "; ".join(" ↔ ".join(c) for c in circles)


def test_dependencies_point_one_way() -> None:
    graph = _graph()
    upward = [
        f"{source} → {target}"
        for source, targets in graph.items()
        for target in targets
        if (source.startswith("handlers") and target.startswith("bot"))
        or (source.startswith("storage") and target.split(".")[0] in ("bot", "handlers"))
    ]
    assert upward == []


def test_every_first_party_import_names_a_module_that_exists() -> None:
    """An import under `TYPE_CHECKING` is never run, so a stale path there fails no other test."""
    modules = _modules()
    stale = []
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            named = [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else []
            if isinstance(node, ast.Import):
                named = [alias.name for alias in node.names]
            for target in named:
                if target.split(".")[0] in PACKAGES and target not in modules:
                    stale.append(f"{name}: {target}")
    assert stale == []


@pytest.mark.parametrize("package", ["handlers", "storage"])
def test_use_cases_import_no_platform_sdk(package: str) -> None:
    offenders = []
    for name, path in _modules().items():
        if not name.startswith(package):
            continue
        for target in _imports(path, name, path.name == "__init__.py"):
            if target.split(".")[0] in PLATFORM_MODULES:
                offenders.append(f"{name} imports {target}")
    assert offenders == []


def test_read_only_commands_are_declared_on_the_command() -> None:
    """Both adapters ask the router which commands only read (to refresh or page a list); the
    answer comes from the command's own declaration, not from a list kept in an adapter."""
    from handlers import router
    from handlers.core import registry

    declared = sorted({c.name for c in registry.COMMANDS.values() if c.read_only})
    assert declared == ["dekning", "liste", "mine", "møter", "neste møte", "vis"]
    assert router.read_only_source("/oppfølging liste AU side 2") == "liste AU side 2"
    assert router.read_only_source("<@U0BOT0001> vis 12") == "vis 12"
    assert router.read_only_source("ferdig 12") is None
    assert router.read_only_source("ny AU: noe") is None
    for path in (ROOT / "bot").rglob("*.py"):
        assert "REFRESHABLE" not in path.read_text(encoding="utf-8"), path
