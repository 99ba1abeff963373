"""The device model and the kernels run with the core dependencies alone (numpy, numba):
a child interpreter in which every package of the extras fails to import drives both."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import sys

BLOCKED = {blocked!r}


class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{{name}} is not part of the core install")
        return None


sys.meta_path.insert(0, Block())
import numpy as np
from devices import pcm
from kernels.tile import DifferentialTile

arr = pcm.PCMArray((4, 3), pcm.preset("joshi2020"), rng=0)
arr.program(np.full((4, 3), 10.0), t_s=0.0)
tile = DifferentialTile(4, 3, pcm.preset("nandakumar2018"), rng=1)
tile.program_weights(np.eye(4, 3), t_s=0.0)
y, _ = tile.mac(np.ones((2, 4)), tile.snapshot(10.0))
print(arr.read(100.0).shape, y.shape, sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED))
"""


def _extras_packages() -> set[str]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = set()
    for group, reqs in meta["optional-dependencies"].items():
        if group in ("dev", "all"):
            continue
        for req in reqs:
            name = req.split("[")[0].split("=")[0].split(">")[0].split("<")[0].strip()
            names.add(name.lower().replace("-", "_"))
    return names


def test_core_dependencies_are_numpy_and_numba_only():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = {r.split(">")[0].split("=")[0].strip() for r in meta["dependencies"]}
    assert core == {"numpy", "numba"}


def test_devices_and_kernels_run_without_any_extra():
    blocked = _extras_packages() | {"raven"}
    assert {"scipy", "matplotlib", "dask", "torch", "tqdm"} <= blocked
    code = CHILD.format(blocked=sorted(blocked))
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "(4, 3) (2, 3) []"


SYSTEM_CHILD = """
import sys

BLOCKED = {blocked!r}


class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{{name}} is not part of the core install")
        return None


sys.meta_path.insert(0, Block())
import raven
try:
    raven.KeywordSpotter
except ImportError as err:
    print("import:", err)
from raven.runs.entry import main
sys.exit(main(["train", "--help"]))
"""


def test_the_system_says_which_extra_it_needs_on_a_core_install():
    """``import raven`` and the ``raven`` command on numpy and numba alone: one line that
    names the kws extra, no traceback."""
    blocked = _extras_packages()
    done = subprocess.run(
        [sys.executable, "-c", SYSTEM_CHILD.format(blocked=sorted(blocked))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 2, done.stderr
    assert "import: the keyword-spotting system (raven) needs the 'kws' extra" in done.stdout
    assert done.stderr.startswith("error: the keyword-spotting system (raven) needs the 'kws'")
    assert "Traceback" not in done.stderr and "raven-pcm[kws]" in done.stderr
