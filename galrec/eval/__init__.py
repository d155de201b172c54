"""Evaluation: full-ranking (and labelled sampled) ranks, metrics from ranks, result files."""
