"""Exposure (PK): regimens, closed-form kernels, KB-backed models and simulation."""
