"""Performance benchmarks: commbook against reference implementations, reported as ratios."""
