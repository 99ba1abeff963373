"""Imports point one way: raven -> kernels -> devices; torch only in raven.baseline."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("modules", "forbidden"),
    [
        ("devices.pcm", ("kernels", "raven", "torch")),
        ("devices.pcm.elementwise", ("kernels", "raven", "torch")),
        ("devices.pcm_torch", ("kernels", "raven")),
        ("kernels.tile, kernels.neurons", ("raven", "torch")),
        ("raven.train, raven.evaluate, raven.cli, raven.comparison, raven.report", ("torch",)),
    ],
)
def test_import_direction(modules, forbidden):
    code = (
        f"import sys, {modules}; "
        f"bad = [m for m in sys.modules if m.split('.')[0] in {forbidden!r}]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
