"""Tests of raven.report: the run report and the README's generated results."""
