"""Tools for development: the sample generator and the benchmarks (not shipped in the package)."""
