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
from .._util.files import check_array, check_number, file_error
from ..config.tables import config_from_dict
from .architecture import make_chip, n_inputs
from .crossbar import Chip
from .temporal import TemporalChip

FORMAT_VERSION = 1
_LAYERS = ("hidden", "output")
# The metadata keys ``save_chip`` writes itself: ``extra`` may not replace them.
RESERVED_KEYS = frozenset(
    {"format_version", "config", "labels", "n_in", "n_classes", "mac_step", "layers"}
)
_FAULT_CODES = (0, 3)  # devices.pcm.state: FAULT_NONE .. FAULT_STUCK_RANDOM
# Largest conductance a saved device may hold, as a multiple of the preset's G_max: the
# device-to-device spread of G_max,dev stays far below it; 1e9 uS is an edited file.
_G_HEADROOM = 10.0
_MAX_CLASSES = 100_000


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
    clash = sorted(RESERVED_KEYS & set(extra or {}))
    if clash:
        raise ValueError(f"extra: key(s) {clash} are the chip's own metadata: expected other names")
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
            if not isinstance(meta, dict):
                raise file_error(path, "meta.json", type(meta).__name__, "a JSON object", remedy)
            if meta.get("format_version") != FORMAT_VERSION:
                raise ValueError(
                    f"{path}: format version {meta.get('format_version')!r}: expected"
                    f" {FORMAT_VERSION}; {remedy}"
                )
            chip = _restore(path, data, meta, remedy)
            _check_training_meta(path, meta, chip.cfg, remedy)
            return chip, meta
    except (
        OSError,
        EOFError,
        KeyError,
        TypeError,
        AttributeError,
        IndexError,
        zipfile.BadZipFile,
        zlib.error,
    ) as err:
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


def _restore(path: Path, data, meta: dict, remedy: str) -> Chip:
    """The chip of a loaded file, every array and metadata field checked against the chip
    its configuration makes (shape, dtype, range, finiteness) before it is used."""

    def number(field, value, **bounds):
        return check_number(path, field, value, remedy=remedy, **bounds)

    def array(field, like: np.ndarray, **bounds) -> np.ndarray:
        if field not in data:
            raise file_error(path, field, "missing", "an array of the saved chip", remedy)
        kind = "i" if like.dtype.kind in "iu" else "f"
        got = check_array(
            path, field, data[field], kind=kind, shape=like.shape, remedy=remedy, **bounds
        )
        return np.array(got, dtype=like.dtype)

    try:
        cfg = config_from_dict(meta["config"])
    except (ValueError, TypeError) as err:
        raise ValueError(f"{path}: config: {err}; {remedy}") from None
    n_in = number("n_in", meta.get("n_in"), integer=True, lo=n_inputs(cfg), hi=n_inputs(cfg))
    n_classes = number("n_classes", meta.get("n_classes"), integer=True, lo=2, hi=_MAX_CLASSES)
    labels = meta.get("labels")
    if not (isinstance(labels, list) and all(isinstance(x, str) for x in labels)):
        raise file_error(path, "labels", repr(labels)[:80], "a list of class names", remedy)
    if len(labels) != n_classes or len(set(labels)) != len(labels):
        raise file_error(
            path,
            "labels",
            f"{len(labels)} names",
            f"{n_classes} distinct names, one per output",
            remedy,
        )
    chip = make_chip(cfg, n_in, n_classes)
    chip.feedback = array("feedback", chip.feedback)
    chip.mac_step = number("mac_step", meta.get("mac_step"), integer=True, lo=0)
    layers = meta.get("layers")
    if not isinstance(layers, dict):
        raise file_error(path, "layers", type(layers).__name__, "a table of layers", remedy)
    for name, layer in zip(_LAYERS, chip.layers(), strict=True):
        layer_meta = layers.get(name)
        if not isinstance(layer_meta, dict) or not isinstance(layer_meta.get("tiles"), dict):
            raise file_error(path, f"layers.{name}", repr(layer_meta)[:80], "a layer table", remedy)
        layer.scale_uS = number(f"layers.{name}.scale_uS", layer_meta.get("scale_uS"), lo=1e-300)
        for r, c, tile in layer.all_tiles():
            key = f"{name}/{r}_{c}"
            layer.chi_uS[r][c] = array(f"{key}/chi_uS", layer.chi_uS[r][c])
            for pol, arr in (("plus", tile.plus), ("minus", tile.minus)):
                g_cap = _G_HEADROOM * arr.params.g_max_uS
                bounds = {
                    "g_prog_uS": {"lo": 0.0, "hi": g_cap},
                    "t_prog_s": {"lo": 0.0},
                    "nu": {"lo": 0.0},
                    "history": {"lo": 0.0},
                    "fault": {"lo": _FAULT_CODES[0], "hi": _FAULT_CODES[1]},
                    "g_max_uS": {"lo": 1e-300, "hi": g_cap},
                    "step_scale": {"lo": 0.0},
                }
                for field_name in DeviceArrays._fields:
                    like = getattr(arr.state, field_name)
                    value = array(f"{key}/{pol}/{field_name}", like, **bounds[field_name])
                    setattr(arr.state, field_name, value)
                m = layer_meta["tiles"].get(f"{r}_{c}", {}).get(pol)
                if not isinstance(m, dict):
                    raise file_error(
                        path,
                        f"layers.{name}.tiles.{r}_{c}.{pol}",
                        repr(m)[:80],
                        "a device array's generator state and clock",
                        remedy,
                    )
                arr.rng.bit_generator.state = m["rng"]
                arr.t_last_write_s = number(
                    f"layers.{name}.tiles.{r}_{c}.{pol}.t_last_write_s",
                    m.get("t_last_write_s"),
                    lo=0.0,
                )
    return chip


def _check_training_meta(path: Path, meta: dict, cfg, remedy: str) -> None:
    """The training position (checkpoints and trained chips) and the input scaler (trained
    chips), when the file has them: types, ranges, and an epoch count that agrees with the
    learning curve and the configuration."""
    state = meta.get("training_state")
    if state is not None:
        if not isinstance(state, dict):
            raise file_error(path, "training_state", type(state).__name__, "a table", remedy)

        def number(key, **bounds):
            return check_number(
                path, f"training_state.{key}", state.get(key), remedy=remedy, **bounds
            )

        epochs = cfg.training.epochs
        epoch = number("epoch", integer=True, lo=0, hi=epochs)
        number("batch", integer=True, lo=0)
        number("updates", integer=True, lo=0)
        number("t_s", lo=0.0)
        number("wall_time_s", lo=0.0)
        curve = state.get("curve")
        if (
            not isinstance(curve, list)
            or len(curve) != epoch
            or not all(isinstance(e, dict) for e in curve)
        ):
            found = f"{len(curve)} entries" if isinstance(curve, list) else type(curve).__name__
            raise file_error(
                path,
                "training_state.curve",
                found,
                f"one entry per finished epoch ({epoch})",
                remedy,
            )
        ledger = state.get("ledger", {})
        if not isinstance(ledger, dict):
            raise file_error(
                path, "training_state.ledger", type(ledger).__name__, "a table of counts", remedy
            )
        for key, value in ledger.items():
            check_number(path, f"training_state.ledger.{key}", value, lo=0.0, remedy=remedy)
    if "classes" in meta:  # unnamed classes: their values, one per output
        classes = meta["classes"]
        ok = isinstance(classes, list) and all(
            isinstance(c, int | str) and not isinstance(c, bool) for c in classes
        )
        if not ok or len(classes) != len(meta["labels"]) or len(set(classes)) != len(classes):
            raise file_error(
                path,
                "classes",
                repr(classes)[:80],
                f"{len(meta['labels'])} distinct class values, one per output",
                remedy,
            )
    if "t_train_end_s" in meta:
        check_number(path, "t_train_end_s", meta["t_train_end_s"], lo=0.0, remedy=remedy)
    scaler = meta.get("scaler")
    if scaler is not None:
        if not isinstance(scaler, dict):
            raise file_error(
                path, "scaler", type(scaler).__name__, "a table (mean, std, clip_sigma)", remedy
            )
        n = cfg.features.n_coefficients
        check_array(path, "scaler.mean", scaler.get("mean"), shape=(n,), remedy=remedy)
        check_array(path, "scaler.std", scaler.get("std"), shape=(n,), lo=1e-300, remedy=remedy)
        check_number(path, "scaler.clip_sigma", scaler.get("clip_sigma"), lo=1e-300, remedy=remedy)
