"""How the package's modules import each other: cycles, private names imported across modules, deferred imports.

    .venv/bin/python tools/import_report.py            # the counts
    .venv/bin/python tools/import_report.py --list     # and every cycle and private import

Issue 15 ("the house") measures the layout by these numbers. The script reads the source with ``ast`` (nothing is
imported or run): every ``import x`` / ``from x import y`` of a project module, at module level or inside a function
(a *deferred* import). A cycle is a strongly connected set of modules in the graph of all imports, deferred ones
included (Tarjan's algorithm); a private import is ``from a.b import _name`` with ``a.b`` another project module.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("twin", "meteo", "dispersion", "viz", "scenarios")


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    return {module_name(p): p for package in PACKAGES for p in sorted((REPO / package).rglob("*.py"))}


def resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The project module an import names (``a.b.c`` → the longest prefix that is a module)."""
    parts = name.split(".")
    for k in range(len(parts), 0, -1):
        candidate = ".".join(parts[:k])
        if candidate in modules:
            return candidate
    return None


def imports(path: Path, modules: dict[str, Path]):
    """(target module, imported names, deferred?) for every project import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_level = {id(node) for node in tree.body}
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = resolve(alias.name, modules)
                if target:
                    yield target, [], id(node) not in top_level
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            target = resolve(base, modules)
            if target is None:
                continue
            names = [alias.name for alias in node.names]
            # `from package import module` names a module, not a private attribute
            submodules = [n for n in names if f"{base}.{n}" in modules]
            for sub in submodules:
                yield f"{base}.{sub}", [], id(node) not in top_level
            rest = [n for n in names if n not in submodules]
            if rest:
                yield target, rest, id(node) not in top_level


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one module (the import cycles)."""
    index, low, stack, on_stack, result, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="list every cycle and private import")
    args = parser.parse_args(argv)
    modules = project_modules()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    private, deferred, total = [], 0, 0
    for name, path in modules.items():
        for target, names, is_deferred in imports(path, modules):
            total += 1
            deferred += is_deferred
            if target != name:
                graph[name].add(target)
            for imported in names:
                if imported.startswith("_") and not imported.startswith("__") and target != name:
                    private.append((name, target, imported))
    cycles = strongly_connected(graph)
    print(f"project imports: {total}, deferred (inside functions): {deferred}")
    mutual = sorted({tuple(sorted((a, b))) for a in graph for b in graph[a] if a in graph.get(b, ())})
    print(f"import cycles (strongly connected sets of modules): {len(cycles)}, "
          f"modules in them: {sum(len(c) for c in cycles)}; pairs importing each other: {len(mutual)}")
    print(f"private names imported from another module: {len(private)}")
    if args.list:
        for cycle in cycles:
            print("  cycle:", " <-> ".join(cycle))
        for a, b in mutual:
            print(f"  mutual: {a} <-> {b}")
        for name, target, imported in sorted(private):
            print(f"  private: {name} imports {target}.{imported}")


if __name__ == "__main__":
    main()
