"""Tests of the numba crossbar, neuron, update and recurrent kernels against tests/naive.py."""
