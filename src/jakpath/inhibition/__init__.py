"""Inhibition (PD): potency selection and prediction, Hill kernels, daily metrics."""
