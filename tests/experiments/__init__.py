"""Tests of experiments/: run-kws sizes, seeds, the loss budget, projection, examples."""
