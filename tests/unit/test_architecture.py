"""The shape of the house: imports point inward only, with no cycles.

domain <- service <- adapters <- bootstrap <- cli. The domain is pure (no
gRPC, database driver or Prometheus, nothing outside the domain); the
service layer (use cases and ports) imports no adapter; adapters never
reach up into the wiring or the CLI.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "screening"

# Higher layers may import lower ones, never the other way.
LAYERS = ("domain", "service", "adapters", "config", "bootstrap", "cli")
# Generated protobuf code: only the gRPC adapter and the CLI (its --json) use it.
GENERATED = "v1"
DRIVERS = {"grpc", "grpc_health", "grpc_reflection", "grpc_status", "google", "sqlite3", "psycopg", "psycopg_pool",
           "prometheus_client"}
NOT_IN_SERVICE = DRIVERS


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(source: str, module: str) -> set[str]:
    """Every module `module` imports, wherever in the file (a lazy import counts too)."""
    found = set()
    package = module.split(".")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level] + ([base] if base else []))
            found.add(base)
            # `from screening.service import imports` imports a module.
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "screening" and len(parts) > 1 else None


def violations(modules: dict[str, set[str]]) -> list[str]:
    """What breaks the rules, given each module's imports."""
    found = []
    known = set(modules)
    for module, imported in sorted(modules.items()):
        layer = layer_of(module)
        for target in sorted(imported):
            top = target.split(".")[0]
            target_layer = layer_of(target)
            if target_layer is None and top != "screening":
                if layer in ("domain", "service") and top in DRIVERS:
                    found.append(f"{module} imports {target}: the {layer} layer uses no driver or protocol")
                continue
            if target not in known and target != "screening":
                continue  # a name imported from a module, not a module
            if target_layer == GENERATED:
                if layer not in ("adapters", "cli", GENERATED) and module != "screening.protogen":
                    found.append(f"{module} imports generated code {target}")
                continue
            if layer in LAYERS and target_layer in LAYERS and LAYERS.index(target_layer) > LAYERS.index(layer):
                found.append(f"{module} imports {target}: {layer} must not depend on {target_layer}")
    return found + cycles(modules)


def cycles(modules: dict[str, set[str]]) -> list[str]:
    """Import cycles among the package's modules (depth-first search)."""
    graph = {m: {t for t in imported if t in modules and t != m} for m, imported in modules.items()}
    state: dict[str, int] = {}
    found = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph[node]):
            if state.get(target) == 1 and not _is_package_of(target, node):
                found.append(" -> ".join(path[path.index(target):] + [target]) if target in path else target)
            elif target not in state:
                visit(target, path + [target])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    return [f"import cycle: {cycle}" for cycle in found]


def _is_package_of(package: str, module: str) -> bool:
    """A package's __init__ re-exporting its own module is not a cycle of ideas."""
    return module.startswith(package + ".")


def project_modules() -> dict[str, set[str]]:
    return {module_name(path): imports_of(path.read_text("utf-8"), module_name(path))
            for path in PACKAGE.rglob("*.py") if "__pycache__" not in path.parts}


def test_the_package_keeps_the_layers():
    modules = project_modules()
    assert {layer_of(m) for m in modules} >= {"domain", "service", "adapters", "cli", "bootstrap"}
    assert violations(modules) == []


def test_the_checker_finds_each_kind_of_violation():
    base = {"screening.domain.a": set(), "screening.service.b": set(), "screening.adapters.c": set(),
            "screening.cli.d": set()}
    cases = {
        "screening.domain.a": {"screening.service.b"},
        "screening.service.b": {"screening.adapters.c"},
    }
    for module, imported in cases.items():
        assert violations({**base, module: imported}), (module, imported)
    for driver in ("grpc", "sqlite3", "psycopg", "prometheus_client"):
        assert violations({**base, "screening.domain.a": {driver}})
        assert violations({**base, "screening.service.b": {driver}})
    assert violations({**base, "screening.adapters.c": {"sqlite3", "screening.service.b"}}) == []
    cycle = {"screening.service.b": {"screening.service.e"}, "screening.service.e": {"screening.service.b"}}
    assert any("cycle" in v for v in violations({**base, **cycle}))


def test_only_the_postgresql_adapter_imports_its_driver():
    """The rest reaches PostgreSQL through it, and a SQLite command never loads psycopg."""
    found = [f"{module} imports {target}" for module, imported in sorted(project_modules().items())
             for target in sorted(imported) if target.split(".")[0] in ("psycopg", "psycopg_pool")
             and not module.startswith("screening.adapters.postgres.")]
    assert found == []


def test_imports_are_read_from_every_form():
    source = "import sqlite3\nfrom screening.service import imports\nfrom . import lists\ndef f():\n    import grpc\n"
    assert imports_of(source, "screening.domain.engine") >= {
        "sqlite3", "screening.service", "screening.service.imports", "screening.domain.lists", "grpc"}
