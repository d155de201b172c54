"""Data layer: readers, id maps, the leave-one-out split and padded batches."""
