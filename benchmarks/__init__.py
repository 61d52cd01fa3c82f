"""Benchmarks and cost projections of the pipeline (not shipped with the `lop` package): run them from the
repository root as `python -m benchmarks.<name>`. Numbers, not assertions; measured results are recorded
in docs/performance.md with their command."""
