"""Virtual populations and uncertainty on NumPy, JAX, CuPy or Dask."""

from jakpath.population.backends import BACKENDS, BackendError
from jakpath.population.simulate import population

__all__ = ["BACKENDS", "BackendError", "population"]
