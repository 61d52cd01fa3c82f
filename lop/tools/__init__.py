"""Command-line tools beside the pipeline: benchmarks, the paper-grid cost projection, GPU slot claiming."""
