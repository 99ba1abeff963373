"""Tests of raven.runs: run folders, the command line, sweeps, and misuse probes."""
