"""Alembic migration scripts of the evidence store (run by ``open_store``)."""
