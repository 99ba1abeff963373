"""Every script in examples/ runs to the end with its small settings (``--quick``)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
# Examples import torch (the bridge's extra), the keyword-spotting system (the kws extra:
# scipy and the rest) or nothing beyond the core.
NEEDS_TORCH = {"pcm_rsnn.py"}
NEEDS_KWS = {"fit_device_kws.py"}


def test_there_are_examples():
    assert EXAMPLES


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script):
    if script.name in NEEDS_TORCH:
        pytest.importorskip("torch")
    if script.name in NEEDS_KWS:
        pytest.importorskip("scipy")
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run(
        [sys.executable, str(script), "--quick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip()
