"""Tests of raven.baseline: the DNN and recurrent baselines, counting, cache, sweep."""
