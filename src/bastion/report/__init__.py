"""Reports of recorded runs: a self-contained HTML page (map, timeline, figures), from the store."""
