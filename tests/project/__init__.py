"""Tests of project-wide rules: layers, conventions, docs, packaging, light install."""
