"""The API pages of the documentation site: every name of ``import raven`` is linked to its
definition, every page is in the navigation, and every module a page renders exists (a
missing one would fail ``mkdocs build --strict`` only where the docs are built)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
API = ROOT / "docs" / "api"
RAVEN_PAGE = ROOT / "docs" / "api/raven.md"


def test_every_raven_name_is_linked_to_its_definition():
    raven = pytest.importorskip("raven")
    if raven._MISSING:
        pytest.skip("the kws extra is not installed")
    page = RAVEN_PAGE.read_text()
    targets = set(re.findall(r"\]\[([\w.]+)\]", page))
    for name in raven.__all__:
        obj = getattr(raven, name)
        assert f"{obj.__module__}.{obj.__qualname__}" in targets, name


def test_every_api_page_is_in_the_navigation():
    nav = (ROOT / "mkdocs.yml").read_text()
    for page in sorted(API.glob("*.md")):
        assert f"api/{page.name}" in nav, page.name


def test_every_rendered_module_exists():
    for page in sorted(API.glob("*.md")):
        for module in re.findall(r"^::: ([\w.]+)", page.read_text(), flags=re.M):
            assert importlib.util.find_spec(module) is not None, f"{page.name}: {module}"
