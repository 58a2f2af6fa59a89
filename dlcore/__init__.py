"""dlcore: a compact deep-learning library (C++/CUDA kernels under a Python autograd layer)."""
from ._version import __version__
