"""Function-preserving cloning of networks (paper Theorem 2.2 / A.3, Figs. 2.1, B.7-B.14).

    clone = clone_model(model, factor=2)       # new model, every hidden unit/channel/head x factor
    blocks = clone_blocks(clone, "fc1")          # (base_units, factor) unit indices of each clone block

Built from one rule per module type (registry.RULES); see docs/cloning.md for the block layout
(interleaved), the exactness argument per norm layer, and how to add a module type. `metrics` says how
exactly a network's units are still copies (cloning R^2); `stability` classifies the cloning manifold
(Def. A.2) from the Hessian on its normal space.
"""
from . import model_rules, torch_rules  # noqa: F401  (register the rules)
from .profile import UNCLONED, Profile
from .registry import (RULES, CloneContext, UnsupportedModuleError, clone_blocks, clone_model, clone_parameter_axes,
                       register_rule)

__all__ = ["RULES", "UNCLONED", "CloneContext", "Profile", "UnsupportedModuleError", "clone_blocks",
           "clone_model", "clone_parameter_axes", "register_rule"]
