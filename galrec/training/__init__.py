"""Training: checkpoints, early stopping, and the GAL-Rec loop."""
