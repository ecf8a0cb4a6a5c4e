"""Grading: load otter test files, run their cases against a submission, collect results."""
