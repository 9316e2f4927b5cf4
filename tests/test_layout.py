"""The layout of the package: what it may cite, and (below) how its parts may import each other."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.conftest import ROOT

# Documents that are not in the repository, and the tracker's numbering, mean nothing to a reader
# of the code or of the installed package's docs.
_ELSEWHERE = re.compile(r"CONTRACT\.md|DESIGN\.md|STYLE\.md|\b[Ii]ssue \d+\b")


def test_code_and_docs_cite_only_what_is_in_the_repository() -> None:
    found = []
    for path in sorted(
        [*(ROOT / "linkcheck").rglob("*.py"), *(ROOT / "docs").rglob("*.md"), ROOT / "README.md"]
    ):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if _ELSEWHERE.search(line):
                found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert found == []


def _modules() -> dict[str, Path]:
    found = {}
    for path in (ROOT / "linkcheck").rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _imports(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Each module's imports of the package's modules: at the top, in functions, under TYPE_CHECKING."""
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                wanted = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, *([node.module] if node.module else [])])
                # ``from pkg import module`` needs the module; ``from module import name``, the module.
                wanted = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            else:
                continue
            for target in wanted:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    targets.add(target)
        graph[name] = targets
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
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
    return found


def test_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_itself_round_a_cycle() -> None:
    assert _cycles(_imports(_modules())) == []


def test_packages_import_one_way() -> None:
    """cli -> pipeline -> stages (check, report, schedule, fix, seed, extract) -> store -> models."""
    graph: dict[str, set[str]] = {}
    for module, targets in _imports(_modules()).items():
        top = ".".join(module.split(".")[:2])
        graph.setdefault(top, set()).update(
            t for t in (".".join(t.split(".")[:2]) for t in targets) if t != top and t != "linkcheck"
        )
    assert _cycles(graph) == []
    assert graph["linkcheck.models"] == set()
    assert graph["linkcheck.store"] <= {"linkcheck.models", "linkcheck.errors", "linkcheck.extract"}
    # The pipeline runs the stages; only the command line and a schedule's job run the pipeline.
    assert {top for top, targets in graph.items() if "linkcheck.pipeline" in targets} == {
        "linkcheck.cli",
        "linkcheck.schedule",
    }
    assert not graph["linkcheck.pipeline"] & {"linkcheck.cli", "linkcheck.schedule"}
