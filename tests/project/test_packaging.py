"""Packaging: versions, type markers, licence, citation, the import-name check."""

import re
import tomllib
from pathlib import Path

import devices
import kernels
from devices import install_check

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_versions_match_the_distribution():
    version = PYPROJECT["project"]["version"]
    assert devices.__version__ == kernels.__version__ == version
    cff = (ROOT / "CITATION.cff").read_text()
    assert re.search(rf'^version: "?{re.escape(version)}"?$', cff, re.M)
    assert f"## [{version}]" in (ROOT / "CHANGELOG.md").read_text()


def test_type_markers_are_shipped():
    assert (ROOT / "devices" / "py.typed").exists() and (ROOT / "kernels" / "py.typed").exists()
    assert "py.typed" in PYPROJECT["tool"]["setuptools"]["package-data"]["*"]


def test_licence_is_the_apache_text():
    text = (ROOT / "LICENSE").read_text()
    assert PYPROJECT["project"]["license"] == "Apache-2.0"
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text


def test_foreign_owners_of_the_import_names():
    owners = {"raven": ["raven", "raven-pcm"], "kernels": ["raven_pcm"], "numpy": ["numpy"]}
    assert install_check.foreign_owners(owners=owners) == {"raven": ["raven"]}
    assert install_check.foreign_owners(owners={}) == {}
