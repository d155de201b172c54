"""Put a trained run to use: top-K recommendations, an HTTP service, and an HTML run report."""
