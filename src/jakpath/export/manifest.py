"""``manifest.json``: what an export contains, from which data, and checksums to verify it.

Every export directory gets one manifest with the knowledge-base data version, the jakpath
code version, the creation time (UTC, ISO 8601), each written file with its row count and
SHA-256 checksum, the export parameters and the source registry (the citations behind the
numbers).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from jakpath.kb import KnowledgeBase
from jakpath.notice import DISCLAIMER

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1
SOURCE_FIELDS = ("source_id", "kind", "citation", "doi", "pmid", "url", "note")


@dataclass(frozen=True)
class WrittenFile:
    """One file of an export.

    Attributes:
        name: path relative to the export directory.
        table: the table (or graph part) it holds.
        rows: number of data rows (records).
        format: ``csv``, ``parquet``, ``kgx-tsv``, ``kgx-jsonl``, ``sbml``, ...
    """

    name: str
    table: str
    rows: int
    format: str


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def code_version() -> str:
    """The installed jakpath version."""
    from jakpath import __version__

    return __version__


def _value(v):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return str(v)


def source_list(kb: KnowledgeBase) -> list[dict]:
    """The source registry as a list of records (every field a string)."""
    cols = [c for c in SOURCE_FIELDS if c in kb.sources.columns]
    return [{c: _value(r[c]) for c in cols} for r in kb.sources.to_dict(orient="records")]


def build_manifest(
    directory: str | Path,
    kb: KnowledgeBase,
    files: list[WrittenFile],
    kind: str,
    parameters: dict | None = None,
    created: datetime | None = None,
) -> dict:
    """The manifest of files already written under ``directory``."""
    directory = Path(directory)
    created = created or datetime.now(UTC)
    return {
        "manifest_version": MANIFEST_VERSION,
        "kind": kind,
        "data_version": kb.version,
        "jakpath_version": code_version(),
        "created_utc": created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "parameters": parameters or {},
        "files": [
            {
                "name": f.name,
                "table": f.table,
                "format": f.format,
                "rows": int(f.rows),
                "bytes": (directory / f.name).stat().st_size,
                "sha256": sha256_file(directory / f.name),
            }
            for f in files
        ],
        "sources": source_list(kb),
        "disclaimer": DISCLAIMER,
    }


def write_manifest(
    directory: str | Path,
    kb: KnowledgeBase,
    files: list[WrittenFile],
    kind: str,
    parameters: dict | None = None,
) -> dict:
    """Build the manifest and write it as ``manifest.json``; returns it."""
    manifest = build_manifest(directory, kb, files, kind, parameters)
    path = Path(directory) / MANIFEST_NAME
    path.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest


def verify_manifest(directory: str | Path) -> list[str]:
    """Problems found checking a directory against its manifest (empty list: all good)."""
    directory = Path(directory)
    manifest = json.loads((directory / MANIFEST_NAME).read_text(encoding="utf-8"))
    problems = []
    for f in manifest["files"]:
        path = directory / f["name"]
        if not path.exists():
            problems.append(f"{f['name']}: missing")
        elif sha256_file(path) != f["sha256"]:
            problems.append(f"{f['name']}: checksum differs")
    return problems
