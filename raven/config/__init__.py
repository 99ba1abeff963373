"""Run configuration: the validated tables of a run and the declarative checks behind them."""
