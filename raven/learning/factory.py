"""The learning rule a chip trains with: ``make_rule`` picks it from the configuration
(e-prop for the temporal chip, a local rule of ``raven.learning.rules`` for the static one)."""

from __future__ import annotations

from ..config.tables import LearningConfig
from .eprop import EpropRule
from .rules import LearningRule, StdpWtaRule, ThreeFactorRule


def make_rule(cfg: LearningConfig, chip) -> LearningRule:
    if chip.cfg.architecture == "temporal":
        return EpropRule(cfg, chip)
    return {"three_factor": ThreeFactorRule, "stdp_wta": StdpWtaRule}[cfg.rule](cfg, chip)
