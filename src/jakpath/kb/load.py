"""Reading the knowledge-base files into typed tables.

``read_tables`` returns the raw rows with their file and line (for the validator);
``load_kb`` returns a validated :class:`~jakpath.kb.knowledge_base.KnowledgeBase`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from jakpath.kb.tables import TABLES, Table


@dataclass(frozen=True)
class RawTable:
    """Rows of one table as read: strings, with the file and line of each row."""

    table: Table
    header: tuple[str, ...]
    rows: tuple[dict[str, str], ...]
    files: tuple[str, ...]
    lines: tuple[tuple[str, int], ...]  # (file name, line number) per row
    missing: bool = False
    errors: tuple[tuple[str, int, str], ...] = ()  # (file name, line, message): unreadable text


def default_data_dir() -> Path:
    """The knowledge-base directory shipped inside the package."""
    return Path(str(resources.files("jakpath") / "data"))


def _files_for(table: Table, data_dir: Path) -> list[Path]:
    if table.multi_file:
        return sorted(data_dir.glob(f"{table.name}*.csv"))
    path = data_dir / f"{table.name}.csv"
    return [path] if path.exists() else []


def read_text(path: Path) -> tuple[str, tuple[int, str] | None]:
    """A data file's text (UTF-8; a byte-order mark is dropped) and its encoding problem.

    A file that is not UTF-8 (e.g. saved as Latin-1) is still read, the bad bytes replaced
    by U+FFFD, and the problem is returned as ``(line, message)`` for the validator.
    """
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start : exc.start + 1].hex()
        message = (
            f"{path.name} is not UTF-8 text (byte 0x{byte} at offset {exc.start}, line {line}; "
            "save the file as UTF-8)"
        )
        return data.decode("utf-8-sig", errors="replace"), (line, message)


def read_table(table: Table, data_dir: Path) -> RawTable:
    """Read one table's file(s); cells are stripped strings, never NaN."""
    files = _files_for(table, data_dir)
    rows: list[dict[str, str]] = []
    lines: list[tuple[str, int]] = []
    errors: list[tuple[str, int, str]] = []
    header: tuple[str, ...] = ()
    for path in files:
        text, problem = read_text(path)
        if problem:
            errors.append((path.name, *problem))
        with io.StringIO(text, newline="") as fh:
            reader = csv.reader(fh)
            try:
                file_header = tuple(h.strip() for h in next(reader))
            except StopIteration:
                continue
            header = header or file_header
            start = 2
            for cells in reader:
                if not any(c.strip() for c in cells):
                    start = reader.line_num + 1
                    continue
                row = {
                    h: (cells[i].strip() if i < len(cells) else "")
                    for i, h in enumerate(file_header)
                }
                if len(cells) > len(file_header):
                    row["__extra__"] = ";".join(cells[len(file_header) :])
                rows.append(row)
                lines.append((path.name, start))
                start = reader.line_num + 1
    return RawTable(
        table,
        header,
        tuple(rows),
        tuple(p.name for p in files),
        tuple(lines),
        missing=not files,
        errors=tuple(errors),
    )


def read_tables(data_dir: Path | str | None = None) -> dict[str, RawTable]:
    """Read every table of the schema from ``data_dir`` (default: the shipped data)."""
    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    return {name: read_table(table, data_dir) for name, table in TABLES.items()}


def data_version(data_dir: Path | str | None = None) -> str:
    """The knowledge-base data version (``data/VERSION``)."""
    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    path = data_dir / "VERSION"
    return path.read_text().strip() if path.exists() else "unversioned"
