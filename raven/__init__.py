"""Raven: a spiking keyword-spotting accelerator on PCM crossbars, trained on chip.

The system layer (configuration, data pipeline, chip, learning rules, energy ledger, DNN
baseline, command line) builds on ``kernels`` and ``devices``; imports point
``raven -> kernels -> devices``.

The public surface is flat::

    import raven

    cfg = raven.load_config("my.toml")
    train = raven.load_clips("data/gsc", cfg, "training")
    test = raven.load_clips("data/gsc", cfg, "test", labels=train.label_names)
    spotter = raven.KeywordSpotter(cfg, labels=train.label_names)
    spotter.fit(train.features, train.labels, clip_keys=train.clip_keys)
    result = spotter.evaluate(test.features, test.labels, clip_keys=test.clip_keys)
    result.accuracy, result.energy_per_clip_J, spotter.training_.epochs[-1]
"""

__version__ = "0.1.0"  # the version of the raven-pcm distribution (pyproject.toml)

from ._util.extras import kws_extra_message, missing_kws_modules

_MISSING = missing_kws_modules()
if _MISSING:
    # A core install (numpy, numba): devices and kernels work; the system's names say what
    # it needs (one line) instead of failing inside an import, and the ``raven`` command
    # (raven.runs.entry) can still start and say so.

    def __getattr__(name: str):
        if name.startswith("__"):  # introspection asks for dunders: those are absent
            raise AttributeError(name)
        raise ImportError(kws_extra_message(_MISSING))

else:
    from .accounting.energy import ChipProfile, chip_profile
    from .accounting.ledger import Ledger
    from .chip.architecture import Architecture, make_chip
    from .chip.crossbar import Chip
    from .chip.store import load_chip, save_chip
    from .chip.temporal import TemporalChip
    from .config.tables import RavenConfig, config_from_dict, load_config
    from .config.validation import ConfigError
    from .data.clips import Clips, load_clips
    from .fit.estimator import KeywordSpotter
    from .fit.results import EpochRecord, EvaluationResult, TrainingResult

__all__ = [
    "Architecture",
    "Chip",
    "ChipProfile",
    "Clips",
    "ConfigError",
    "EpochRecord",
    "EvaluationResult",
    "KeywordSpotter",
    "Ledger",
    "RavenConfig",
    "TemporalChip",
    "TrainingResult",
    "chip_profile",
    "config_from_dict",
    "load_chip",
    "load_clips",
    "load_config",
    "make_chip",
    "save_chip",
]
