"""Imports point one way: raven -> kernels -> devices; torch only in raven.baseline."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("modules", "forbidden"),
    [
        ("devices.pcm", ("kernels", "raven", "torch")),
        ("devices.pcm.elementwise", ("kernels", "raven", "torch")),
        ("devices.pcm_torch", ("kernels", "raven")),
        ("kernels.tile, kernels.neurons", ("raven", "torch")),
        (
            "raven, raven.runs.cli, raven.runs.sweep, raven.compare.analysis, raven.report.report",
            ("torch",),
        ),
    ],
)
def test_import_direction(modules, forbidden):
    code = (
        f"import sys, {modules}; "
        f"bad = [m for m in sys.modules if m.split('.')[0] in {forbidden!r}]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


# The layers of raven, lowest first. A module may import from its own subpackage and from
# the subpackages of lower layers; subpackages that share a layer (a tuple) may import each
# other. The package's ``__init__`` (the user API) may import from any of them.
LAYERS = [
    "_util",
    "config",
    ("data", "features"),
    "accounting",
    "baseline",
    "chip",
    "learning",
    "fit",
    "runs",
    "compare",
    "report",
]


def _layer_of() -> dict[str, int]:
    return {
        name: rank
        for rank, layer in enumerate(LAYERS)
        for name in ((layer,) if isinstance(layer, str) else layer)
    }


def _raven_modules() -> dict[str, ast.Module]:
    """Every module of raven by dotted name, parsed (nothing is imported)."""
    modules = {}
    for path in sorted((ROOT / "raven").rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = ast.parse(path.read_text(), str(path))
    return modules


def _is_package(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return (path / "__init__.py").is_file()


def _imports(name: str, tree: ast.Module) -> list[tuple[str, str | None]]:
    """(imported raven module, imported name or None) for every import of a module,
    relative imports resolved, at any depth (lazy imports in functions count)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, None) for a in node.names if a.name.split(".")[0] == "raven"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if _is_package(name) else name.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] == "raven":
                found += [(target, a.name) for a in node.names]
    return found


def _resolve(target: str, imported: str | None, modules: dict) -> str:
    """The module an import names: ``from raven.fit import loop`` names raven.fit.loop."""
    if imported is not None and f"{target}.{imported}" in modules:
        return f"{target}.{imported}"
    return target


def test_every_module_sits_in_a_layer_and_imports_only_downwards():
    layer_of = _layer_of()
    modules = _raven_modules()
    bad = []
    for name, tree in modules.items():
        if name == "raven":
            continue  # the user API re-exports from any layer
        parts = name.split(".")
        in_subpackage = len(parts) > 2 or _is_package(name)
        if not in_subpackage or parts[1] not in layer_of:
            bad.append(f"{name}: not in a subpackage of LAYERS")
            continue
        own = parts[1]
        for dotted in sorted({_resolve(t, i, modules) for t, i in _imports(name, tree)}):
            dep = dotted.split(".")
            if len(dep) < 2 or dep[1] not in layer_of:
                bad.append(f"{name} imports {'.'.join(dep)}: not in a subpackage of LAYERS")
            elif dep[1] != own and layer_of[dep[1]] > layer_of[own]:
                bad.append(f"{name} imports {'.'.join(dep)}: a higher layer")
    assert not bad, "\n".join(bad)


def test_no_module_imports_a_private_name_of_another():
    modules = _raven_modules()
    bad = [
        f"{name} imports {imported} from {target}"
        for name, tree in modules.items()
        for target, imported in _imports(name, tree)
        if imported is not None
        and imported.startswith("_")
        and not imported.startswith("__")
        and _resolve(target, imported, modules) != name
    ]
    bad += [
        f"{name} imports the private module {target}"
        for name, tree in modules.items()
        for target, imported in _imports(name, tree)
        if any(p.startswith("_") and not p.startswith("__") for p in target.split(".")[1:])
        and target.split(".")[1] != "_util"
        and target.split(".")[:2] != name.split(".")[:2]
    ]
    assert not bad, "\n".join(bad)


def test_no_import_cycles_among_raven_modules():
    modules = _raven_modules()
    graph = {
        name: {
            _resolve(t, i, modules)
            for t, i in _imports(name, tree)
            if _resolve(t, i, modules) in modules and _resolve(t, i, modules) != name
        }
        for name, tree in modules.items()
    }
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(graph, white)
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        colour[node] = grey
        for dep in sorted(graph[node]):
            if colour[dep] == grey:
                cycles.append(" -> ".join([*path[path.index(dep) :], dep]))
            elif colour[dep] == white:
                visit(dep, [*path, dep])
        colour[node] = black

    for node in sorted(graph):
        if colour[node] == white:
            visit(node, [node])
    assert not cycles, "\n".join(cycles)


# The test folders mirror the packages; tests/project holds the rules about the whole tree.
TEST_FOLDERS = {
    "devices",
    "kernels",
    "experiments",
    "project",
    *(p.name for p in (ROOT / "raven").iterdir() if p.is_dir() and not p.name.startswith("_")),
}


def test_test_modules_sit_in_the_folder_of_their_package():
    """Every test module lives in a folder named after a package, and every test folder is
    a package (pytest then tells apart two test files of the same name in two folders)."""
    tests = ROOT / "tests"
    misplaced = [
        str(p.relative_to(ROOT))
        for p in tests.rglob("test_*.py")
        if p.parent == tests or p.relative_to(tests).parts[0] not in TEST_FOLDERS
    ]
    assert not misplaced, f"test modules outside a package's folder: {misplaced}"
    folders = {p.parent for p in tests.rglob("test_*.py")}
    assert all((folder / "__init__.py").is_file() for folder in folders)
