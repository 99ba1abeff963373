"""The learning rules by name, and the one a chip trains with (``make_rule``): the rule its
architecture names (``raven.chip.architecture``; e-prop for the temporal chip), or the local
rule of ``raven.learning.rules`` that ``learning.rule`` chooses for the static one."""

from __future__ import annotations

from ..chip.architecture import architecture_of
from ..chip.crossbar import CrossbarChip
from ..config.tables import LearningConfig
from .eprop import EpropRule
from .rules import LearningRule, StdpWtaRule, ThreeFactorRule

RULES: dict[str, type[LearningRule]] = {
    "eprop": EpropRule,
    "three_factor": ThreeFactorRule,
    "stdp_wta": StdpWtaRule,
}
"""Every learning rule by name (``Architecture.rule``, ``learning.rule``)."""


def make_rule(cfg: LearningConfig, chip: CrossbarChip) -> LearningRule:
    """The learning rule that trains ``chip``.

    Parameters
    ----------
    cfg : LearningConfig
        The pulse scheme (and, for the static chip, the local rule's settings).
    chip : CrossbarChip
        The chip; its configuration's architecture names the rule.

    Returns
    -------
    LearningRule
    """
    return RULES[architecture_of(chip.cfg).rule_name(chip.cfg)](cfg, chip)
