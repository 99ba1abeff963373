"""Test-wide settings.

Hypothesis's per-example deadline is a timing assertion: the first example of a test pays
numba's compilation (seconds on a cold cache, longer on a loaded machine), so a deadline
fails tests for reasons that are not their subject. Speed is measured by ``make bench``.
"""

from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("raven", deadline=None)
settings.load_profile("raven")


@pytest.fixture
def toml_file(tmp_path):
    """``toml_file(text, name="c.toml")``: a file of ``tmp_path`` holding ``text``, its path."""

    def write(text: str, name: str = "c.toml") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return write
