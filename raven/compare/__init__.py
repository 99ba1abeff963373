"""Comparison of Raven with the DNN baselines, and the analyses the notebooks call."""
