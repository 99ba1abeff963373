"""The architectures of Raven, registered in one place: what each one is made of.

An ``Architecture`` names its chip class, its input encoder, its learning rule (a name of
``raven.learning.factory.RULES``: the rules sit above the chip in the layer order) and the
settings it reads (``raven.config.architectures.SETTINGS_READ``, declared in the
configuration so that the configuration can refuse the others). Code that depends on the
architecture asks the object (``architecture_of(cfg).recurrent``, ``.encoder``) rather
than comparing its name.

The functions below (``make_chip``, ``n_inputs``, ``fit_scaler``, ``encode_batch``) are
the configured architecture's, for callers that hold a configuration.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ..config.architectures import SETTINGS_READ
from ..config.tables import RavenConfig
from ..features.encoding import FeatureScaler
from ..features.pipeline import FrameEncoder, MapEncoder
from .crossbar import Chip, CrossbarChip
from .temporal import TemporalChip

__all__ = [
    "ARCHITECTURES",
    "Architecture",
    "architecture_of",
    "encode_batch",
    "fit_scaler",
    "make_chip",
    "n_inputs",
]


@dataclass(frozen=True)
class Architecture:
    """One network architecture of the chip.

    Parameters
    ----------
    name : str
        The value of ``RavenConfig.architecture`` that selects it.
    chip : type
        The chip class, built as ``chip(cfg, n_in, n_classes)``.
    encoder : FrameEncoder or MapEncoder
        Turns features into the chip's input rows (``n_inputs``, ``fit_scaler``,
        ``encode``).
    rule : str or None
        The learning rule's name in ``raven.learning.factory.RULES``; None: the local rule
        the configuration chooses (``learning.rule``).
    hidden_table : str
        The configuration table whose ``n_hidden`` sizes the hidden layer.
    recurrent : bool
        Whether the network is recurrent and fed frame by frame (its software ceiling is
        then the recurrent network trained by BPTT, ``raven.baseline.rsnn``).
    """

    name: str
    chip: type[CrossbarChip]
    encoder: FrameEncoder | MapEncoder
    rule: str | None
    hidden_table: str
    recurrent: bool

    @property
    def settings(self) -> dict[str, tuple[str, ...] | None]:
        """The fields it reads of each architecture table (None: all); other tables are
        shared by every architecture."""
        return SETTINGS_READ[self.name]

    def rule_name(self, cfg: RavenConfig) -> str:
        """The learning rule a configuration of this architecture trains with.

        Parameters
        ----------
        cfg : RavenConfig
            A configuration of this architecture.

        Returns
        -------
        str
            A name of ``raven.learning.factory.RULES``.
        """
        return self.rule if self.rule is not None else cfg.learning.rule

    def hidden_size(self, cfg: RavenConfig) -> int:
        """The hidden-layer size of a configuration of this architecture.

        Parameters
        ----------
        cfg : RavenConfig
            A configuration of this architecture.

        Returns
        -------
        int
        """
        return getattr(cfg, self.hidden_table).n_hidden

    def with_hidden_size(self, cfg: RavenConfig, n_hidden: int) -> RavenConfig:
        """``cfg`` with its hidden layer resized.

        Parameters
        ----------
        cfg : RavenConfig
            A configuration of this architecture.
        n_hidden : int
            The new hidden-layer size.

        Returns
        -------
        RavenConfig
        """
        table = dataclasses.replace(getattr(cfg, self.hidden_table), n_hidden=n_hidden)
        return dataclasses.replace(cfg, **{self.hidden_table: table})


ARCHITECTURES: dict[str, Architecture] = {
    a.name: a
    for a in (
        Architecture(
            "temporal",
            chip=TemporalChip,
            encoder=FrameEncoder(),
            rule="eprop",
            hidden_table="temporal",
            recurrent=True,
        ),
        Architecture(
            "static",
            chip=Chip,
            encoder=MapEncoder(),
            rule=None,
            hidden_table="network",
            recurrent=False,
        ),
    )
}
"""Every architecture by name; the configuration's choices are the same names."""


def architecture_of(cfg: RavenConfig) -> Architecture:
    """The architecture a configuration selects.

    Parameters
    ----------
    cfg : RavenConfig
        The run's configuration.

    Returns
    -------
    Architecture
    """
    return ARCHITECTURES[cfg.architecture]


def make_chip(cfg: RavenConfig, n_in: int, n_classes: int) -> CrossbarChip:
    """The chip of the configured architecture, not yet programmed (``initialise``).

    Parameters
    ----------
    cfg : RavenConfig
        Configuration; ``cfg.architecture`` picks the chip.
    n_in : int
        Input channels (``n_inputs``).
    n_classes : int
        Output classes.

    Returns
    -------
    CrossbarChip
        A ``Chip`` (static) or a ``TemporalChip``.
    """
    return architecture_of(cfg).chip(cfg, n_in, n_classes)


def n_inputs(cfg: RavenConfig) -> int:
    """Input rows of the configured architecture's chip.

    Parameters
    ----------
    cfg : RavenConfig
        The run's configuration.

    Returns
    -------
    int
    """
    return architecture_of(cfg).encoder.n_inputs(cfg)


def fit_scaler(cfg: RavenConfig, features: np.ndarray) -> FeatureScaler:
    """Per-coefficient standardisation fitted on the training features, as the configured
    architecture's encoder reads them.

    Parameters
    ----------
    cfg : RavenConfig
        The run's configuration.
    features : numpy.ndarray
        (n, frames, coefficients) training features.

    Returns
    -------
    FeatureScaler
    """
    return architecture_of(cfg).encoder.fit_scaler(cfg, features)


def encode_batch(
    cfg: RavenConfig, scaler: FeatureScaler, features: np.ndarray, keys: np.ndarray, stream: int
) -> np.ndarray:
    """(B, frames, coeffs) features -> (B, T, n_inputs) input rows of the configured
    architecture: rate-coded spikes (the spikes of a clip depend on (seed, stream, clip key)
    only) or graded DAC levels.

    Parameters
    ----------
    cfg : RavenConfig
        The run's configuration.
    scaler : FeatureScaler
        The training scaler (``fit_scaler``).
    features : numpy.ndarray
        (B, frames, coefficients) features.
    keys : numpy.ndarray
        (B,) clip keys.
    stream : int
        The pass over the data (``kernels.rng.data_pass``).

    Returns
    -------
    numpy.ndarray
    """
    return architecture_of(cfg).encoder.encode(cfg, scaler, features, keys, stream)
