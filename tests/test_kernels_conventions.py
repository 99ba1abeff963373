"""House rules of the kernels package (its ``update`` subpackage has its own owner): numpydoc
docstrings on every public function and class, leading underscores on compiled internals,
and at most 12 parameters per function."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import kernels

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted((ROOT / "kernels").glob("*.py"))
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


def _public_definitions():
    for path in MODULES:
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_"):
                yield path.name, node, None
                if isinstance(node, ast.ClassDef):
                    for item in node.body:
                        if isinstance(item, ast.FunctionDef) and not item.name.startswith("_"):
                            yield path.name, item, node


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
        if init is None and fields and not documented:
            pytest.fail("a record documents its fields under Attributes (or Parameters)")
        return
    if "property" in _decorators(node):
        return
    if _parameters(node):
        assert "Parameters\n----------" in doc
    if _returns_value(node):
        assert "Returns\n-------" in doc


def test_compiled_internals_are_private():
    public = set(kernels.__all__) | RNG_API
    for path in MODULES:
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and _decorators(node) & JIT_DECORATORS:
                assert node.name.startswith("_") or node.name in public, f"{path.name}: {node.name}"


@pytest.mark.parametrize("package", ["devices", "kernels", "raven", "experiments", "bench"])
def test_no_function_takes_more_than_twelve_parameters(package):
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert len(_parameters(node)) <= 12, f"{path.relative_to(ROOT)}: {node.name}"


@pytest.mark.parametrize("package", ["devices", "kernels", "raven", "experiments", "bench"])
def test_no_module_is_longer_than_600_lines(package):
    for path in sorted((ROOT / package).rglob("*.py")):
        lines = path.read_text().count("\n")
        assert lines <= 600, f"{path.relative_to(ROOT)}: {lines} lines"
