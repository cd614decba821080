"""Exports: Biolink knowledge graph (KGX), SBML models, and tables with manifests."""

from jakpath.export.kgx import build_graph, read_kgx, write_kgx
from jakpath.export.manifest import build_manifest, verify_manifest, write_manifest
from jakpath.export.sbml import SBMLExport, build_sbml, write_sbml
from jakpath.export.tables import (
    MissingDependencyError,
    result_frames,
    write_results,
    write_tables,
)

__all__ = [
    "MissingDependencyError",
    "SBMLExport",
    "build_graph",
    "build_manifest",
    "build_sbml",
    "read_kgx",
    "result_frames",
    "verify_manifest",
    "write_kgx",
    "write_manifest",
    "write_results",
    "write_sbml",
    "write_tables",
]
