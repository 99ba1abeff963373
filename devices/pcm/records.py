"""Parameter records as JSON: ``params_to_dict`` / ``save_params`` write one,
``params_from_dict`` / ``load_params`` read one back, validated, with errors that name the
field (``drift.t0_s``, ``pulse.model``, ...).

A record is ``dataclasses.asdict(params)`` with one addition: ``pulse.model`` names the
pulse response ("nandakumar" or "expstep"). Fields left out take their defaults; unknown
fields are an error (a misspelt field would otherwise be ignored silently).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from .params import (
    DriftParams,
    EnergyParams,
    ExpStepPulseParams,
    FaultParams,
    NandakumarPulseParams,
    PCMParams,
    ProgrammingNoiseParams,
    ReadNoiseParams,
    ResetParams,
    VariabilityParams,
)

PULSE_MODELS = {"nandakumar": NandakumarPulseParams, "expstep": ExpStepPulseParams}
SECTIONS = {
    "programming": ProgrammingNoiseParams,
    "drift": DriftParams,
    "read_noise": ReadNoiseParams,
    "reset": ResetParams,
    "variability": VariabilityParams,
    "faults": FaultParams,
    "energy": EnergyParams,
}


def params_to_dict(params: PCMParams) -> dict[str, Any]:
    """A JSON-ready record of ``params``.

    Parameters
    ----------
    params : PCMParams

    Returns
    -------
    dict
        ``dataclasses.asdict(params)`` with ``pulse.model`` added.
    """
    record = dataclasses.asdict(params)
    model = next(k for k, cls in PULSE_MODELS.items() if isinstance(params.pulse, cls))
    record["pulse"] = {"model": model, **record["pulse"]}
    record["amplitude_levels"] = list(params.amplitude_levels)
    return record


def _section(cls, value, where: str):
    if not isinstance(value, dict):
        raise ValueError(f"{where}={value!r}: expected an object of {cls.__name__} fields")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(value) - set(fields))
    if unknown:
        raise ValueError(f"{where}.{unknown[0]}: unknown field; expected one of {sorted(fields)}")
    for name, v in value.items():
        expected = str if fields[name].type in (str, "str") else (int, float)
        if isinstance(v, bool) or not isinstance(v, expected):
            raise ValueError(
                f"{where}.{name}={v!r}: expected a {'string' if expected is str else 'number'}"
            )
    try:
        return cls(**value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{where}: {exc}") from None


def params_from_dict(record: dict[str, Any]) -> PCMParams:
    """A validated ``PCMParams`` from a record (``params_to_dict``'s form).

    Parameters
    ----------
    record : dict
        ``name``, ``source``, ``g_min_uS`` and ``g_max_uS`` are required; every section
        is optional (defaults).

    Returns
    -------
    PCMParams

    Raises
    ------
    ValueError
        Naming the field: missing, unknown, of the wrong type or out of range.
    """
    if not isinstance(record, dict):
        raise ValueError(f"record={record!r}: expected an object")
    known = {f.name for f in dataclasses.fields(PCMParams)}
    unknown = sorted(set(record) - known)
    if unknown:
        raise ValueError(f"{unknown[0]}: unknown field; expected one of {sorted(known)}")
    kwargs: dict[str, Any] = {}
    for name in ("name", "source", "g_min_uS", "g_max_uS"):
        if name not in record:
            raise ValueError(f"{name}: missing (required)")
        value = record[name]
        expected = str if name in ("name", "source") else (int, float)
        if isinstance(value, bool) or not isinstance(value, expected):
            raise ValueError(
                f"{name}={value!r}: expected a {'string' if expected is str else 'number'}"
            )
        kwargs[name] = value
    for name, cls in SECTIONS.items():
        if name in record:
            kwargs[name] = _section(cls, record[name], name)
    if "pulse" in record:
        pulse = record["pulse"]
        if not isinstance(pulse, dict):
            raise ValueError(f"pulse={pulse!r}: expected an object with a model")
        pulse = dict(pulse)
        model = pulse.pop("model", None)
        if model not in PULSE_MODELS:
            raise ValueError(f"pulse.model={model!r}: expected one of {sorted(PULSE_MODELS)}")
        kwargs["pulse"] = _section(PULSE_MODELS[model], pulse, "pulse")
    if "amplitude_levels" in record:
        levels = record["amplitude_levels"]
        if not isinstance(levels, list):
            raise ValueError(f"amplitude_levels={levels!r}: expected a list of numbers")
        kwargs["amplitude_levels"] = tuple(levels)
    try:
        return PCMParams(**kwargs)
    except ValueError as exc:
        raise ValueError(str(exc)) from None


def save_params(params: PCMParams, path) -> Path:
    """Write ``params_to_dict(params)`` as indented JSON.

    Parameters
    ----------
    params : PCMParams
    path : str or pathlib.Path

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    path.write_text(json.dumps(params_to_dict(params), indent=2) + "\n", encoding="utf-8")
    return path


def load_params(path) -> PCMParams:
    """Read a JSON parameter record, validated (``params_from_dict``).

    Parameters
    ----------
    path : str or pathlib.Path

    Returns
    -------
    PCMParams

    Raises
    ------
    ValueError
        Naming the file for invalid JSON, the field for an invalid record.
    """
    path = Path(path)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from None
    try:
        return params_from_dict(record)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
