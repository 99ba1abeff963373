"""Tests of raven.data and data/: audio, Speech Commands indexing, download, the development set."""
