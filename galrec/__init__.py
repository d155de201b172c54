"""galrec: GAL-Rec, an LLM-driven sequential recommender that imitates graph neural networks."""

__version__ = "0.1.0"
