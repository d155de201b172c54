"""Experiments and diagnostics: the side-by-side benchmark, the text-twin probe, geometry, plots.

Nothing here trains a model itself: ``bench`` runs ``galrec baseline`` / ``galrec train`` per
row, the probe and geometry read finished run folders. The library never imports this package.
"""
