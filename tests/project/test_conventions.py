"""House rules of the kernels and devices packages: numpydoc docstrings on every public
function and class, leading underscores on compiled internals, and at most 12 parameters per
function. The docstring rules also cover every module of the raven package.

Private modules (file names starting with an underscore) are skipped, but what a package
re-exports from them through its ``__all__`` is public and is checked where it is defined.
In raven, a private package (``raven/_util``) is skipped as a whole, and so are the
``__init__.py`` files (re-exports of what is checked where it is defined)."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIRS = ("kernels", "kernels/update", "devices", "devices/pcm")
MODULES = sorted(
    path
    for directory in PACKAGE_DIRS
    for path in (ROOT / directory).glob("*.py")
    if not path.name.startswith("_")
)
# Every public module of raven, at any depth: neither the file nor a folder on its path
# starts with an underscore.
RAVEN_MODULES = sorted(
    path
    for path in (ROOT / "raven").rglob("*.py")
    if not any(part.startswith("_") for part in path.relative_to(ROOT).parts)
)
# Packages whose __all__ names public API, wherever it is defined.
EXPORTING_PACKAGES = ("kernels", "kernels.update", "devices.pcm")
JIT_DECORATORS = {"scalar_jit", "inlined_scalar_jit", "array_jit", "parallel_jit", "njit", "jit"}
# The counter-based generator's compiled API, drawn from by every kernel module.
RNG_API = {
    "key4",
    "next_uniform",
    "next_normal",
    "counter_word",
    "fill_normals",
    "keyed_normal",
    "pulse_normal",
    "pulse_normal_pair",
}
# Modules that are compiled APIs as a whole: the device physics and the vectorisable math
# that the device core and the kernels call from their own compiled loops.
COMPILED_API_MODULES = {"devices/pcm/physics.py", "devices/vecmath.py"}


def _relative(path: Path) -> str:
    return path.resolve().relative_to(ROOT).as_posix()


def _exported() -> list:
    """(package, name, object) of every name in the __all__ of EXPORTING_PACKAGES."""
    names = []
    for package_name in EXPORTING_PACKAGES:
        package = importlib.import_module(package_name)
        for name in getattr(package, "__all__", ()):
            names.append((package_name, name, getattr(package, name)))
    return names


def _exported_definitions():
    """(module path, name, object) of the function or class behind each exported name;
    numba dispatchers are resolved to their Python function, constants are skipped."""
    for package_name, name, obj in _exported():
        obj = getattr(obj, "py_func", obj)
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        source = inspect.getsourcefile(obj)
        assert source is not None, f"{package_name}.{name}: no source file"
        yield Path(source), obj.__name__, obj


def _top_level(path: Path) -> dict:
    tree = ast.parse(path.read_text())
    return {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)}


def _parameters(node: ast.FunctionDef) -> list[str]:
    a = node.args
    names = [p.arg for p in a.posonlyargs + a.args + a.kwonlyargs]
    names += [p.arg for p in (a.vararg, a.kwarg) if p is not None]
    return [n for n in names if n not in ("self", "cls")]


def _returns_value(node: ast.FunctionDef) -> bool:
    if node.returns is not None:
        return not (isinstance(node.returns, ast.Constant) and node.returns.value is None)
    return any(isinstance(n, ast.Return) and n.value is not None for n in ast.walk(node))


def _decorators(node) -> set[str]:
    names = set()
    for d in node.decorator_list:
        target = d.func if isinstance(d, ast.Call) else d
        names.add(target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", ""))
    return names


def _with_methods(path: Path, node):
    """The definition and its public methods; a property's setter and deleter are left to
    the getter, which documents the property."""
    yield _relative(path), node, None
    if isinstance(node, ast.ClassDef):
        for item in node.body:
            if (
                isinstance(item, ast.FunctionDef)
                and not item.name.startswith("_")
                and not _decorators(item) & {"setter", "deleter"}
            ):
                yield _relative(path), item, node


def _field_docstrings(node: ast.ClassDef) -> bool:
    """Every field of the record (class variables aside) is followed by a string: an
    attribute docstring, as the configuration tables document their fields."""
    body = node.body
    fields = [
        k
        for k, item in enumerate(body)
        if isinstance(item, ast.AnnAssign) and "ClassVar" not in ast.unparse(item.annotation)
    ]
    return all(
        k + 1 < len(body)
        and isinstance(body[k + 1], ast.Expr)
        and isinstance(body[k + 1].value, ast.Constant)
        and isinstance(body[k + 1].value.value, str)
        and body[k + 1].value.value.strip()
        for k in fields
    )


def _public_definitions():
    seen = set()
    for path in MODULES + RAVEN_MODULES:
        for name, node in _top_level(path).items():
            if not name.startswith("_"):
                seen.add((_relative(path), name))
                yield from _with_methods(path, node)
    for path, name, obj in _exported_definitions():
        definitions = _top_level(path)
        if (_relative(path), name) in seen or (inspect.isclass(obj) and name not in definitions):
            continue  # checked already, or a class made by a call (see ASSIGNED_CLASSES)
        seen.add((_relative(path), name))
        assert name in definitions, f"{_relative(path)}: no top-level definition of {name}"
        yield from _with_methods(path, definitions[name])


# Exported classes made by a call (``NamedTuple("Name", fields)``): no class statement to
# read, so their docstring is checked on the object.
ASSIGNED_CLASSES = sorted(
    {
        (_relative(path), name): obj
        for path, name, obj in _exported_definitions()
        if inspect.isclass(obj) and name not in _top_level(path)
    }.items()
)


CASES = list(_public_definitions())


@pytest.mark.parametrize(
    ("module", "node", "owner"),
    CASES,
    ids=[f"{m}:{(o.name + '.') if o else ''}{n.name}" for m, n, o in CASES],
)
def test_public_definitions_have_numpydoc_docstrings(module, node, owner):
    doc = ast.get_docstring(node) or ""
    assert doc, "no docstring"
    if isinstance(node, ast.ClassDef):
        init = next(
            (i for i in node.body if isinstance(i, ast.FunctionDef) and i.name == "__init__"),
            None,
        )
        if init is not None and _parameters(init) and "Parameters\n----------" not in doc:
            pytest.fail("a class with constructor arguments documents them under Parameters")
        fields = [i for i in node.body if isinstance(i, ast.AnnAssign)]
        documented = "Attributes\n----------" in doc or "Parameters\n----------" in doc
        if init is None and fields and not documented and not _field_docstrings(node):
            pytest.fail(
                "a record documents its fields under Attributes (or Parameters), or each"
                " field by an attribute docstring"
            )
        return
    if "property" in _decorators(node):
        return
    if _parameters(node):
        assert "Parameters\n----------" in doc
    if _returns_value(node):
        assert "Returns\n-------" in doc or "Yields\n------" in doc


@pytest.mark.parametrize(
    "obj", [obj for _, obj in ASSIGNED_CLASSES], ids=[f"{m}:{n}" for (m, n), _ in ASSIGNED_CLASSES]
)
def test_classes_made_by_a_call_document_their_fields(obj):
    doc = obj.__doc__ or ""
    assert "Attributes\n----------" in doc or "Parameters\n----------" in doc


def test_every_exported_callable_is_checked():
    """An exported callable that is neither a function, a class nor a compiled function
    (with ``py_func``) would be skipped by the docstring checks: none may exist."""
    for package_name, name, obj in _exported():
        if callable(obj):
            target = getattr(obj, "py_func", obj)
            assert inspect.isclass(target) or inspect.isfunction(target), f"{package_name}.{name}"


def test_reexports_from_private_modules_are_checked():
    checked = {(module, node.name) for module, node, owner in CASES if owner is None}
    checked |= {key for key, _ in ASSIGNED_CLASSES}
    assert ("kernels/update/_pulse.py", "PulsePhysics") in checked
    assert ("devices/pcm/state.py", "DeviceArrays") in checked
    exported = {(_relative(path), name) for path, name, _ in _exported_definitions()}
    assert exported <= checked


def test_compiled_internals_are_private():
    public = {name for _, name, _ in _exported()} | RNG_API
    for path in MODULES:
        if _relative(path) in COMPILED_API_MODULES:
            continue
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and _decorators(node) & JIT_DECORATORS:
                where = f"{_relative(path)}: {node.name}"
                assert node.name.startswith("_") or node.name in public, where


@pytest.mark.parametrize("package", ["devices", "kernels", "raven", "experiments", "bench"])
def test_no_function_takes_more_than_twelve_parameters(package):
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert len(_parameters(node)) <= 12, f"{path.relative_to(ROOT)}: {node.name}"


@pytest.mark.parametrize("package", ["devices", "kernels", "raven", "experiments", "bench"])
def test_no_module_is_longer_than_600_lines(package):
    """Every line counts, docstrings too: a module that outgrows 600 lines is split by
    concept."""
    for path in sorted((ROOT / package).rglob("*.py")):
        lines = path.read_text().count("\n")
        assert lines <= 600, f"{path.relative_to(ROOT)}: {lines} lines"
