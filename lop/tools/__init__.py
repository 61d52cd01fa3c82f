"""Command-line tools beside the pipeline (statistical power of a tier's seeds). Benchmarks live in the
top-level `benchmarks/` folder, outside the shipped package."""
