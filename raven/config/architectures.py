"""Which settings each architecture reads, declared where the configuration can check them.

The architecture objects themselves (chip class, learning rule, encoder) are in
``raven.chip.architecture``; they sit above the configuration in the layer order, so the
configuration cannot import them. What the configuration needs of them, the settings each
one reads, is declared here once and read by both (``Architecture.settings``).

Tables split into shared ones, read by every architecture (``[data]``, ``[features]``,
``[augment]``, ``[device]``, ``[training]``), and the architecture tables below: the static
architecture's network is ``[network]``, the temporal architecture's is ``[temporal]``;
``[learning]`` holds the mixed-precision pulse scheme both train through (accumulate-and-fire
threshold, pulses per update, update and refresh periods) and the static architecture's
local rules. A setting of an architecture table that the chosen architecture does not read is
refused (``check_settings_read`` for objects, ``refuse_unread_keys`` for the keys of a TOML
file or a sweep): it would change nothing, and a run that silently ignores what it was asked
to vary is wrong science.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .validation import ConfigError

__all__ = [
    "SETTINGS_READ",
    "UnreadSettingError",
    "check_settings_read",
    "reads",
    "refuse_unread_keys",
]

ALL = None  # every field of the table

# The pulse scheme of [learning], which both architectures' rules fire through.
_PULSE_SCHEME = (
    "epsilon_uS",
    "max_pulses",
    "update_every_clips",
    "refresh_every_updates",
    "refresh_upper_frac",
    "refresh_lower_frac",
)

SETTINGS_READ: dict[str, dict[str, tuple[str, ...] | None]] = {
    # The first architecture is the default (RavenConfig.architecture).
    "temporal": {
        "temporal": ALL,
        # The crossbar geometry is shared with the static chip, and stays in [network] so
        # that saved configurations keep loading.
        "network": ("tile_rows", "tile_cols"),
        "learning": _PULSE_SCHEME,
    },
    "static": {"network": ALL, "learning": ALL},
}
"""For each architecture (by name), the fields it reads of each architecture table (None:
all of them). A table no architecture lists is shared and read by all."""

ARCHITECTURE_TABLES = frozenset(t for tables in SETTINGS_READ.values() for t in tables)


def reads(architecture: str, table: str, name: str) -> bool:
    """Whether ``architecture`` reads the setting ``table.name``.

    Parameters
    ----------
    architecture : str
        A key of ``SETTINGS_READ``.
    table, name : str
        The configuration table and field.

    Returns
    -------
    bool
        True for shared tables and for the fields the architecture lists.
    """
    if table not in ARCHITECTURE_TABLES:
        return True
    fields = SETTINGS_READ[architecture].get(table, ())
    return fields is ALL or name in fields


def _what_it_reads(architecture: str) -> str:
    parts = []
    for table, fields in SETTINGS_READ[architecture].items():
        if fields is ALL:
            parts.append(f"[{table}]")
        else:
            parts.append(", ".join(f"{table}.{f}" for f in fields))
    return "; ".join(parts)


class UnreadSettingError(ConfigError):
    """A setting the chosen architecture does not read (it would change nothing); the
    message names the setting, the architecture and what to set instead.

    Parameters
    ----------
    architecture : str
        The configured architecture.
    table, name : str
        The setting's table and field.
    value : Any
        The value given.
    """

    def __init__(self, architecture: str, table: str, name: str, value: Any):
        others = [
            f"{t}.{name}"
            for t, fields in SETTINGS_READ[architecture].items()
            if t != table and (fields is ALL or name in fields)
        ]
        instead = f"set {others[0]} instead, or " if others else ""
        users = [a for a in SETTINGS_READ if a != architecture and reads(a, table, name)]
        switch = f"architecture = {users[0]!r}" if users else "another architecture"
        expected = (
            f"no setting: the {architecture!r} architecture does not read {table}.{name}"
            f" ({instead}choose {switch}); it reads {_what_it_reads(architecture)}"
        )
        super().__init__(table, name, value, expected)
        self.architecture = architecture


def _default(f: dataclasses.Field) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return dataclasses.MISSING


def check_settings_read(cfg: Any) -> None:
    """Refuse a configuration that changes a setting its architecture does not read.

    Called by ``RavenConfig`` on construction: whichever way the configuration is made (the
    Python API, a TOML file, a sweep point, a saved ``config.json``), every setting of an
    architecture table that its architecture does not read must keep its default.

    Parameters
    ----------
    cfg : RavenConfig
        The configuration (with an ``architecture`` and one attribute per table).

    Raises
    ------
    UnreadSettingError
        Naming the first such setting and the architecture.
    """
    for table in sorted(ARCHITECTURE_TABLES):
        obj = getattr(cfg, table)
        for f in dataclasses.fields(obj):
            if reads(cfg.architecture, table, f.name):
                continue
            value = getattr(obj, f.name)
            if value != _default(f):
                raise UnreadSettingError(cfg.architecture, table, f.name, value)


def refuse_unread_keys(values: dict, architecture: str) -> None:
    """Refuse the keys of a configuration tree (a TOML file, a sweep point) that its
    architecture does not read, even when they hold the default value: the user set them,
    and they would change nothing. Call it once the tree has built a configuration (so
    that unknown keys and bad values have been reported as such).

    Parameters
    ----------
    values : dict
        Tables by name, as read from TOML (``{"network": {"n_hidden": 64}}``).
    architecture : str
        The architecture of the configuration the tree built.

    Raises
    ------
    UnreadSettingError
        Naming the first such key and the architecture.
    """
    for table in sorted(ARCHITECTURE_TABLES):
        given = values.get(table)
        if not isinstance(given, dict):
            continue
        for name in given:
            if not reads(architecture, table, name):
                raise UnreadSettingError(architecture, table, name, given[name])
