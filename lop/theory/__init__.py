"""Numerical theory of Section 3 / Appendix A.1: dual kernels, rank surrogates, decorrelation vs freezing.

numpy/scipy only. Modules: activations (phi(a z + b) and derivative), quadrature (Gaussian expectations,
Hermite coefficients), kernels (K_phi and K_phi(C)), measures (er2, Shannon rank, kappa, alpha, frozen
fraction), table (the pipeline's theory table).
"""
from .activations import NAMES, Activation, activation
from .kernels import (check_correlation_matrix, dual_kernel, dual_kernel_matrix, mehler_weights,
                      random_correlation_matrix, relu_kernel)
from .measures import alpha, effective_rank_spectrum, er2, er2_gain, frozen_fraction, kappa
from .quadrature import gauss_expect, hermite_coefficients, moments

__all__ = ["NAMES", "Activation", "activation", "alpha", "check_correlation_matrix", "dual_kernel",
           "dual_kernel_matrix", "effective_rank_spectrum", "er2", "er2_gain", "frozen_fraction",
           "gauss_expect", "hermite_coefficients", "kappa", "mehler_weights", "moments", "random_correlation_matrix",
           "relu_kernel"]
