"""Saving and loading a chip: one portable ``.npz`` file, written atomically
(``raven._util.atomic``, with the usual file permissions).

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
import zipfile
import zlib
from pathlib import Path

import numpy as np

from devices.pcm import DeviceArrays, PCMArray

from .._util.atomic import atomic_write
from ..config.tables import config_from_dict
from .architecture import make_chip
from .crossbar import Chip
from .temporal import TemporalChip

FORMAT_VERSION = 1
_LAYERS = ("hidden", "output")


def _array_meta(arr: PCMArray) -> dict:
    return {"rng": arr.rng.bit_generator.state, "t_last_write_s": arr.t_last_write_s}


def save_chip(
    path: str | Path, chip: Chip | TemporalChip, labels: list[str], extra: dict | None = None
) -> Path:
    """Write a chip to one ``.npz`` file, atomically (layout in the module docstring).

    Parameters
    ----------
    path : str or pathlib.Path
        Destination file.
    chip : Chip or TemporalChip
        The chip: every device array's state, random generator state and write clock,
        the layer scales (uS per unit weight), the feedback matrix, the MAC noise counter.
    labels : list of str
        Class names of the output columns.
    extra : dict, optional
        Further JSON-serialisable metadata (training position, scaler, reports).

    Returns
    -------
    pathlib.Path
        The file written.
    """
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
                for field_name in DeviceArrays._fields:
                    arrays[f"{key}/{pol}/{field_name}"] = getattr(arr.state, field_name)
            layer_meta["tiles"][f"{r}_{c}"] = {
                "plus": _array_meta(tile.plus),
                "minus": _array_meta(tile.minus),
            }
        meta["layers"][name] = layer_meta
    arrays["meta.json"] = np.array(json.dumps(meta, default=_json_default))
    return atomic_write(path, lambda fh: np.savez(fh, **arrays))


def _json_default(value):
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot store {type(value).__name__} in meta.json")


def load_chip(
    path: str | Path, remedy: str = "train the chip again"
) -> tuple[Chip | TemporalChip, dict]:
    """The chip saved at ``path`` and its metadata.

    Parameters
    ----------
    path : str or pathlib.Path
        A file of ``save_chip``.
    remedy : str
        What the error message tells the user to do if the file is unusable.

    Returns
    -------
    tuple of (Chip or TemporalChip, dict)
        The chip, bit-identical to the one saved, and the metadata (configuration,
        labels, whatever ``extra`` the writer added).

    Raises
    ------
    ValueError
        Naming the file and saying what to do (``remedy``), for a missing, truncated,
        corrupt or other-version file.
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta.json"]))
            if meta.get("format_version") != FORMAT_VERSION:
                raise ValueError(
                    f"{path}: format version {meta.get('format_version')!r}: expected"
                    f" {FORMAT_VERSION}; {remedy}"
                )
            return _restore(data, meta), meta
    except (OSError, EOFError, KeyError, TypeError, zipfile.BadZipFile, zlib.error) as err:
        raise ValueError(
            f"{path}: not a saved Raven chip, or truncated or corrupt"
            f" ({type(err).__name__}: {err}); {remedy}"
        ) from None
    except ValueError as err:
        if str(err).startswith(str(path)):
            raise
        raise ValueError(
            f"{path}: not a saved Raven chip, or truncated or corrupt ({err}); {remedy}"
        ) from None


def _restore(data, meta: dict) -> Chip:
    cfg = config_from_dict(meta["config"])
    chip = make_chip(cfg, meta["n_in"], meta["n_classes"])
    chip.feedback = np.array(data["feedback"])
    chip.mac_step = int(meta["mac_step"])
    for name, layer in zip(_LAYERS, chip.layers(), strict=True):
        layer_meta = meta["layers"][name]
        layer.scale_uS = float(layer_meta["scale_uS"])
        for r, c, tile in layer.all_tiles():
            key = f"{name}/{r}_{c}"
            layer.chi_uS[r][c] = np.array(data[f"{key}/chi_uS"])
            for pol, arr in (("plus", tile.plus), ("minus", tile.minus)):
                for field_name in DeviceArrays._fields:
                    setattr(arr.state, field_name, np.array(data[f"{key}/{pol}/{field_name}"]))
                m = layer_meta["tiles"][f"{r}_{c}"][pol]
                arr.rng.bit_generator.state = m["rng"]
                arr.t_last_write_s = m["t_last_write_s"]
    return chip
