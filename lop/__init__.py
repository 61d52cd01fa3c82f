"""lop: loss-of-plasticity research pipeline (Joudaki et al., arXiv 2510.00304 v1)."""
__version__ = "0.1.0"
