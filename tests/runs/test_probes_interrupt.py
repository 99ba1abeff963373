"""Probes of interruptions: SIGKILL / SIGTERM of a command mid-run must leave no worker
process running and no debris that the next run does not clean (items 8 and 9 of the
hardening probes; the others are in test_probes.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from raven.config.tables import config_from_dict
from raven.data.synthetic import make_tone_dataset
from raven.runs.train import train
from tests.support.configs import TINY_PROBE as TINY
from tests.support.datasets import make_folder_layout

ROOT = Path(__file__).resolve().parents[2]


# 8. Killing `python -m raven.data prepare` left its pool workers alive.

HANG_IN_WORKERS = """
import sys, time
import raven.features.cache as cache

def slow_chunk(args):
    time.sleep(120)

cache._extract_chunk = slow_chunk
from raven.data.__main__ import main
sys.exit(main(sys.argv[1:]))
"""


def _child_pids(pid: int) -> list[int]:
    import psutil

    return [c.pid for c in psutil.Process(pid).children(recursive=True)]


def _running(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _python(script: str, *args, env_extra=None) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", script, *map(str, args)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )


def _wait_for(predicate, timeout_s: float):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    return predicate()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process tree via Linux")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_probe_08_workers_die_with_their_parent(tmp_path, sig):
    data = make_folder_layout(tmp_path / "d", labels=("a", "b"), per_label=70)
    proc = _python(
        HANG_IN_WORKERS,
        "prepare",
        "--data",
        data,
        "--task",
        "folder",
        "--split",
        "all",
        "--cache-dir",
        tmp_path / "cache",
        "--workers",
        "2",
    )
    workers: list[int] = []
    try:
        workers = _wait_for(lambda: len(_child_pids(proc.pid)) >= 2 and _child_pids(proc.pid), 60)
        assert workers, "the pool workers never started"
        proc.send_signal(sig)
        proc.wait(10)
        gone = _wait_for(lambda: not any(_running(p) for p in workers), 10)
        assert gone, f"orphaned workers still running: {[p for p in workers if _running(p)]}"
    finally:
        proc.kill()
        for pid in workers:  # never leave a worker of this test behind
            if _running(pid):
                os.kill(pid, signal.SIGKILL)


# 9. SIGKILL mid-write left partial checkpoint files and cache folders, never cleaned.

HANG_WHILE_SAVING = """
import sys, time
import numpy as np
from raven.config.tables import config_from_dict
from raven.runs.train import train

which = sys.argv[1]
original = getattr(np, which)

def hang(file, *args, **kwargs):
    original(file, *args, **kwargs)
    time.sleep(120)

setattr(np, which, hang)
cfg = config_from_dict(__import__("json").loads(sys.argv[2]))
train(cfg, sys.argv[3], sys.argv[4], progress=False, cache_dir=sys.argv[5])
"""


def _hidden(folder: Path, prefix: str = ".") -> list[str]:
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(prefix))


@pytest.mark.parametrize(
    ("hang_in", "folder", "prefix"),
    [("save", "cache", ".training-"), ("savez", "run", ".checkpoint.npz")],
)
def test_probe_09_debris_of_a_killed_run_is_cleaned(tmp_path, hang_in, folder, prefix):
    data = make_tone_dataset(tmp_path / "d", per_label=8)
    cfg = {**TINY, "training": {**TINY["training"], "epochs": 2, "checkpoint_every_updates": 1}}
    run, cache = tmp_path / "run", tmp_path / "cache"
    proc = _python(HANG_WHILE_SAVING, hang_in, json.dumps(cfg), data, run, cache)
    try:
        debris = _wait_for(lambda: _hidden(tmp_path / folder, prefix), 120)
        assert debris, "the child never started writing"
    finally:
        proc.kill()
        proc.wait(10)
    assert _hidden(tmp_path / folder, prefix)  # left behind by the kill
    train(config_from_dict(cfg), data, run, resume=True, progress=False, cache_dir=cache)
    assert _hidden(run) == [] and _hidden(cache) == []
