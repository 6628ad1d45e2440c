"""rmlx: MLX's array framework, natively in Rust.

``rmlx.core`` offers the names of ``mlx.core`` with the same signatures and behaviour, so
that ``import rmlx.core as mx`` runs programs written for MLX.
"""

from . import core

__version__ = core.__version__
