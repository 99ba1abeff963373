"""Helpers shared by the test suite: generated datasets, small configurations, kernel and
chip cases, the statistical tolerances, and the determinism probe (a child-process script).
The slow loop references of the kernels stay in ``tests/naive.py``."""
