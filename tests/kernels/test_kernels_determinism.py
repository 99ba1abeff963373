"""Same seed, same bits: whatever the thread count, and with the JIT disabled."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def probe(env_overrides: dict, *args: str) -> dict:
    env = {**os.environ, **env_overrides}
    out = subprocess.run(
        [sys.executable, "-m", "tests.support.determinism_probe", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def test_results_do_not_depend_on_the_thread_count():
    one = probe({"NUMBA_NUM_THREADS": "1"})
    two = probe({"NUMBA_NUM_THREADS": "2"})
    assert one == two


def test_kernel_bodies_run_interpreted_and_agree_with_the_compiled_kernels():
    """NUMBA_DISABLE_JIT=1 runs the kernel bodies as Python (so coverage sees them); on tiny
    inputs they must give the same bits as the compiled kernels."""
    interpreted = probe({"NUMBA_DISABLE_JIT": "1"}, "--tiny")
    compiled = probe({}, "--tiny")
    assert interpreted == compiled
