"""Conventional baselines (popularity, SASRec, LightGCN), which also supply GAL-Rec's external ID
embeddings. Every model follows the small contract in ``base.py``; ``registry.py`` lists them."""
