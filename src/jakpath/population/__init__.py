"""Virtual populations and uncertainty on NumPy, JAX, CuPy or Dask.

The package is callable: ``jakpath.population(drug, regimen, ...)`` is
:func:`jakpath.population.simulate.population` (so that the public function and the subpackage
share one name without hiding each other: ``import jakpath.population.kernel`` works too).
"""

import sys
import types

from jakpath.population.backends import BACKENDS, BackendError
from jakpath.population.simulate import population

__all__ = ["BACKENDS", "BackendError", "population"]


class _CallablePackage(types.ModuleType):
    """This package, callable as :func:`jakpath.population.simulate.population`."""

    def __call__(self, *args, **kwargs):
        return population(*args, **kwargs)

    @property
    def __signature__(self):
        import inspect

        return inspect.signature(population)


sys.modules[__name__].__class__ = _CallablePackage
