"""On-chip learning: the local rules, e-prop, and the factory that picks one (make_rule)."""
