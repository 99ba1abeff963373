"""Small configurations that several test modules train with (seconds, not minutes)."""

from raven.config.tables import RavenConfig, config_from_dict

# The static chip end to end: a few epochs, updates and refreshes often enough to be seen.
TINY_STATIC = {
    "architecture": "static",
    "network": {
        "n_hidden": 24,
        "time_steps": 4,
        "tile_rows": 256,
        "tile_cols": 16,
        "hidden_theta_uS": 20.0,
    },
    "learning": {
        "update_every_clips": 4,
        "refresh_every_updates": 3,
        "lr_out_uS": 0.3,
        "lr_hidden_uS": 0.1,
    },
    "training": {"epochs": 3, "checkpoint_every_updates": 2, "eval_times_s": [1.0, 86400.0]},
    "data": {"task": "folder"},
}

# The temporal chip at its smallest: one epoch, eight hidden neurons.
TINY_TEMPORAL = {
    "architecture": "temporal",
    "temporal": {"n_hidden": 8, "steps_per_frame": 1},
    "network": {"tile_rows": 256, "tile_cols": 16},
    "learning": {"update_every_clips": 4},
    "training": {"epochs": 1, "eval_times_s": [1.0, 86400.0]},
    "data": {"task": "folder"},
}

# The default architecture for the command-line probes: one epoch, no augmentation.
TINY_PROBE = {
    "network": {"tile_cols": 8},
    "learning": {"update_every_clips": 8},
    "training": {"epochs": 1, "checkpoint_every_updates": 50, "eval_times_s": [1.0]},
    "data": {"task": "folder", "augment": False},
}


def probe_config(**training) -> RavenConfig:
    """``TINY_PROBE`` with its ``[training]`` table updated by ``training``."""
    return config_from_dict({**TINY_PROBE, "training": {**TINY_PROBE["training"], **training}})
