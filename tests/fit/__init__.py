"""Tests of raven.fit: the in-memory training loop and the scikit-learn estimator."""
