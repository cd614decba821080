"""Inhibition (PD): potency selection and prediction, Hill kernels, daily metrics.

The package is callable: ``jakpath.inhibition(drug, regimen, ...)`` is
:func:`jakpath.inhibition.pathways.inhibition` (so that the public function and the subpackage
share one name without hiding each other: ``import jakpath.inhibition.potency`` works too).
"""

import sys
import types


class _CallablePackage(types.ModuleType):
    """This package, callable as :func:`jakpath.inhibition.pathways.inhibition`."""

    def __call__(self, *args, **kwargs):
        from jakpath.inhibition.pathways import inhibition

        return inhibition(*args, **kwargs)

    @property
    def __signature__(self):
        import inspect

        from jakpath.inhibition.pathways import inhibition

        return inspect.signature(inhibition)


sys.modules[__name__].__class__ = _CallablePackage
