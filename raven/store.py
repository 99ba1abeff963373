"""Saving and loading a chip: one portable ``.npz`` file, written atomically.

Layout (numpy's npz: a zip of ``.npy`` arrays, readable from any language with a zip and
npy reader):
- ``meta.json`` (a 0-d string array): format version, run configuration, labels, sizes,
  layer scales (uS per unit weight), the MAC noise counter, every device array's random
  generator state and write clock, plus whatever the caller adds (training position,
  ledgers, learning curve);
- ``{layer}/{row}_{col}/{plus|minus}/{field}``: device state of each tile, fields
  ``g_prog_uS`` (uS), ``t_prog_s`` (s), ``nu``, ``history``, ``g_max_uS``, ``step_scale``,
  ``fault``; ``{layer}/{row}_{col}/chi_uS``: mixed-precision accumulators (uS);
- ``feedback``: the fixed random feedback matrix (n_classes, n_hidden).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import fields
from pathlib import Path

import numpy as np

from devices.pcm import PCMArray, PCMState

from .chip import Chip
from .config import config_from_dict
from .temporal import TemporalChip, make_chip

FORMAT_VERSION = 1
_LAYERS = ("hidden", "output")


def _array_meta(arr: PCMArray) -> dict:
    return {"rng": arr.rng.bit_generator.state, "t_last_write_s": arr.t_last_write_s}


def save_chip(
    path: str | Path, chip: Chip | TemporalChip, labels: list[str], extra: dict | None = None
) -> Path:
    path = Path(path)
    arrays: dict[str, np.ndarray] = {"feedback": chip.feedback}
    meta = {
        "format_version": FORMAT_VERSION,
        "config": chip.cfg.as_dict(),
        "labels": labels,
        "n_in": chip.n_in,
        "n_classes": chip.n_classes,
        "mac_step": chip.mac_step,
        "layers": {},
        **(extra or {}),
    }
    for name, layer in zip(_LAYERS, chip.layers(), strict=True):
        layer_meta = {"scale_uS": layer.scale_uS, "tiles": {}}
        for r, c, tile in layer.all_tiles():
            key = f"{name}/{r}_{c}"
            arrays[f"{key}/chi_uS"] = layer.chi_uS[r][c]
            for pol, arr in (("plus", tile.plus), ("minus", tile.minus)):
                for f in fields(PCMState):
                    arrays[f"{key}/{pol}/{f.name}"] = getattr(arr.state, f.name)
            layer_meta["tiles"][f"{r}_{c}"] = {
                "plus": _array_meta(tile.plus),
                "minus": _array_meta(tile.minus),
            }
        meta["layers"][name] = layer_meta
    arrays["meta.json"] = np.array(json.dumps(meta, default=_json_default))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".npz", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _json_default(value):
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot store {type(value).__name__} in meta.json")


def load_chip(path: str | Path) -> tuple[Chip | TemporalChip, dict]:
    """The chip saved at ``path`` and its metadata."""
    path = Path(path)
    try:
        data = np.load(path, allow_pickle=False)
        meta = json.loads(str(data["meta.json"]))
    except (OSError, ValueError, KeyError) as err:
        raise ValueError(f"{path}: not a saved Raven chip ({err})") from None
    if meta.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"{path}: format version {meta.get('format_version')!r}: expected {FORMAT_VERSION}"
        )
    cfg = config_from_dict(meta["config"])
    chip = make_chip(cfg, meta["n_in"], meta["n_classes"])
    chip.feedback = data["feedback"]
    chip.mac_step = int(meta["mac_step"])
    for name, layer in zip(_LAYERS, chip.layers(), strict=True):
        layer_meta = meta["layers"][name]
        layer.scale_uS = float(layer_meta["scale_uS"])
        for r, c, tile in layer.all_tiles():
            key = f"{name}/{r}_{c}"
            layer.chi_uS[r][c] = np.array(data[f"{key}/chi_uS"])
            for pol, arr in (("plus", tile.plus), ("minus", tile.minus)):
                for f in fields(PCMState):
                    setattr(arr.state, f.name, np.array(data[f"{key}/{pol}/{f.name}"]))
                m = layer_meta["tiles"][f"{r}_{c}"][pol]
                arr.rng.bit_generator.state = m["rng"]
                arr.t_last_write_s = m["t_last_write_s"]
    return chip, meta
