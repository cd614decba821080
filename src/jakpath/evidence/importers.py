"""Bulk import of evidence records from CSV or JSON, all or nothing.

Every row is checked before anything is written; one bad row means nothing is imported and
every bad row is reported with its line number. The rows are then inserted in a single
transaction, so an interrupted import (even ``kill -9``) leaves the store as it was. Rows
whose content is already stored (same content hash) are skipped, so re-importing a file adds
nothing.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from jakpath.extras import require

require("sqlalchemy", "db", "The evidence store")

# ruff: noqa: E402
from sqlalchemy import insert, select

from jakpath.evidence.models import CaseRecord
from jakpath.evidence.store import (
    KB_ORIGIN_PREFIX,
    EvidenceStore,
    current_account,
    record_row,
    resolve_store,
)
from jakpath.evidence.validate import CaseInput, check_account, parse_record

BATCH_ROWS = 200
"""Rows per INSERT batch; ``progress`` is called after each batch."""


class MalformedFileError(ValueError):
    """The file cannot be read as records (syntax, structure, header, encoding, format)."""


@dataclass(frozen=True)
class RowProblem:
    """A problem with one field of one row of an import file."""

    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


class ImportValidationError(ValueError):
    """Rows of an import file failed validation; nothing was imported."""

    def __init__(self, path: Path, problems: list[RowProblem]):
        self.path = path
        self.problems = problems
        lines = sorted({p.line for p in problems})
        shown = "\n".join(f"  {p}" for p in problems)
        super().__init__(
            f"{path.name}: {len(lines)} bad row(s) (line(s) {', '.join(map(str, lines))}); "
            f"nothing imported:\n{shown}"
        )


@dataclass(frozen=True)
class ImportResult:
    """What an import did: rows read, records added, rows skipped as already stored."""

    rows: int
    added: int
    duplicates: int
    case_ids: tuple[str, ...]


def _unquote_formula(cell: str) -> str:
    """A cell as exported before formula neutralisation (``'=x`` -> ``=x``)."""
    if cell.startswith("'") and cell[1:2] in ("=", "+", "-", "@", "\t", "\r"):
        return cell[1:]
    return cell


def _read_csv(path: Path, text: str) -> list[tuple[int, dict]]:
    lines = text.splitlines(keepends=True)
    start = 0  # skip leading comment lines (e.g. '# jakpath data version ...' of exports)
    while start < len(lines) and lines[start].lstrip().startswith("#"):
        start += 1
    reader = csv.reader(lines[start:])
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise MalformedFileError(f"{path.name}: empty file (no header row)") from None
    except csv.Error as exc:
        raise MalformedFileError(f"{path.name}: line {start + 1}: {exc}") from exc
    if not any(header) or len(set(header)) != len(header) or "" in header:
        raise MalformedFileError(
            f"{path.name}: line {start + 1}: the header must name every column once, got {header}"
        )
    rows = []
    row_start = reader.line_num + 1
    try:
        for cells in reader:
            line = start + row_start
            row_start = reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                raise MalformedFileError(
                    f"{path.name}: line {line}: {len(cells)} cells for {len(header)} columns"
                )
            cells = [_unquote_formula(c) for c in cells]
            rows.append((line, dict(zip(header, cells, strict=True))))
    except csv.Error as exc:
        raise MalformedFileError(f"{path.name}: line {start + row_start}: {exc}") from exc
    return rows


def _array_items(path: Path, text: str, start: int) -> list[tuple[int, object]]:
    """Items of the JSON array opening at ``text[start]``, with their line numbers."""
    decoder = json.JSONDecoder(parse_constant=_no_constant)
    ws = re.compile(r"\s*")
    i = ws.match(text, start + 1).end()
    items = []
    if text[i] == "]":
        return items
    while True:
        obj, end = decoder.raw_decode(text, i)
        items.append((text.count("\n", 0, i) + 1, obj))
        i = ws.match(text, end).end()
        if text[i] == "]":
            return items
        i = ws.match(text, i + 1).end()  # past the comma


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number (leave the field out or null)")


def _read_json(path: Path, text: str) -> list[tuple[int, dict]]:
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise MalformedFileError(
            f"{path.name}: line {exc.lineno}: invalid JSON: {exc.msg}"
        ) from exc
    except RecursionError:
        raise MalformedFileError(f"{path.name}: JSON nested too deeply to be records") from None
    except ValueError as exc:  # NaN/Infinity, or an integer of more than 4,300 digits
        raise MalformedFileError(f"{path.name}: invalid JSON: {exc}") from exc
    if isinstance(data, list):
        items = _array_items(path, text, text.index("["))
    elif isinstance(data, dict) and isinstance(data.get("rows"), list):
        # the array after a "rows" key that decodes to the same value (export format)
        for m in re.finditer(r'"rows"\s*:\s*\[', text):
            candidate = _array_items(path, text, m.end() - 1)
            if [o for _, o in candidate] == data["rows"]:
                items = candidate
                break
        else:  # pragma: no cover - json.loads found it, so the scan does too
            raise MalformedFileError(f"{path.name}: cannot locate the rows array")
    else:
        raise MalformedFileError(
            f"{path.name}: expected a JSON array of records or an object with a 'rows' array"
        )
    for line, obj in items:
        if not isinstance(obj, dict):
            raise MalformedFileError(f"{path.name}: line {line}: a record must be a JSON object")
    return items


def read_records(path: str | Path) -> list[tuple[int, dict]]:
    """The raw records of a ``.csv`` or ``.json`` file as ``(line number, mapping)`` pairs.

    Raises:
        MalformedFileError: unreadable, wrong format, bad syntax or structure.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json"):
        raise MalformedFileError(f"{path.name}: import files must end in .csv or .json")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise MalformedFileError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MalformedFileError(f"{path.name}: cannot read as UTF-8 text: {exc}") from exc
    if not text.strip():
        raise MalformedFileError(f"{path.name}: empty file")
    return _read_csv(path, text) if suffix == ".csv" else _read_json(path, text)


def import_file(
    path: str | Path,
    store: EvidenceStore | str | None = None,
    *,
    added_by: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Import every record of a CSV or JSON file, or none.

    Args:
        path: a ``.csv`` (header row; the columns of ``export_cases`` or the KB's
            ``cases.csv``) or ``.json`` file (an array of objects, or ``{"rows": [...]}``).
        store: an open store, a database URL, or None for the default store.
        added_by: account name recorded on every added record (default: the login name).
        progress: called as ``progress(rows_written, rows_to_write)`` after each batch,
            inside the open transaction.

    Raises:
        MalformedFileError: the file cannot be read as records.
        ImportValidationError: one or more rows are invalid (every problem, with its line).
    """
    path = Path(path)
    store = resolve_store(store)
    account = added_by or current_account()
    check_account(account)
    raw = read_records(path)
    if not raw:
        raise MalformedFileError(f"{path.name}: no records")

    problems: list[RowProblem] = []
    parsed: list[tuple[int, CaseInput]] = []
    for line, data in raw:
        # an exported shipped record (kb:...) cites as the KB does; skipped below if unchanged
        shipped = str(data.get("case_id") or "").lower().startswith(KB_ORIGIN_PREFIX)
        record, errs = parse_record(data, store.kb, origin="kb" if shipped else "user")
        problems += [RowProblem(line, p.field, p.message) for p in errs]
        if record is not None:
            parsed.append((line, record.with_case_id()))
    if problems:
        raise ImportValidationError(path, problems)

    now = datetime.now(UTC)
    with store.transaction() as s:
        hashes = [r.content_hash() for _, r in parsed]
        ids = [r.case_id for _, r in parsed]
        stored_hashes = _existing(s, CaseRecord.content_hash, hashes)
        stored_ids = _existing(s, CaseRecord.case_id, ids)
        seen_hashes: set[str] = set()
        seen_ids: dict[str, int] = {}
        rows = []
        for (line, rec), h in zip(parsed, hashes, strict=True):
            if h in stored_hashes or h in seen_hashes:
                continue
            if rec.case_id.lower().startswith(KB_ORIGIN_PREFIX):
                problems.append(
                    RowProblem(line, "case_id", "ids starting 'kb:' are for shipped records")
                )
            elif rec.case_id in stored_ids:
                problems.append(
                    RowProblem(line, "case_id", f"{rec.case_id!r} is used by a different record")
                )
            elif rec.case_id in seen_ids:
                problems.append(
                    RowProblem(
                        line, "case_id", f"{rec.case_id!r} also names line {seen_ids[rec.case_id]}"
                    )
                )
            seen_hashes.add(h)
            seen_ids.setdefault(rec.case_id, line)
            rows.append(record_row(rec, origin="user", added_by=account, added_at=now))
        if problems:
            raise ImportValidationError(path, problems)
        for i in range(0, len(rows), BATCH_ROWS):
            s.execute(insert(CaseRecord), rows[i : i + BATCH_ROWS])
            s.flush()
            if progress is not None:
                progress(min(i + BATCH_ROWS, len(rows)), len(rows))
    return ImportResult(
        rows=len(raw),
        added=len(rows),
        duplicates=len(raw) - len(rows),
        case_ids=tuple(r["case_id"] for r in rows),
    )


def _existing(session, column, values: list[str], chunk: int = 500) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(values), chunk):
        found |= set(session.scalars(select(column).where(column.in_(values[i : i + chunk]))))
    return found
