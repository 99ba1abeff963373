"""In-memory training and evaluation: the loop, the estimator and its typed results."""
