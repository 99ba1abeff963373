"""Tests of raven.compare: iso-accuracy comparison and frontiers."""
