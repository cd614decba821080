"""``jakpath cases``: the evidence registry (list, add, import, export, summary, map).

Every command takes ``--db URL`` (default ``$JAKPATH_DATABASE_URL`` or the SQLite file in the
user's data directory). Bad input (unknown disease or drug, impossible values, patient
identifiers in free text, malformed files) prints a clear message and exits with code 2;
nothing is written then.
"""

from __future__ import annotations

import functools
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import typer
from rich.markup import escape

from jakpath.cli.output import DISCLAIMER, Format, console, emit, err_console, fail
from jakpath.cli.output import handles_errors as shared_handles_errors

if TYPE_CHECKING:
    from jakpath.evidence.store import EvidenceStore

# jakpath.evidence (SQLAlchemy) is imported inside the commands: the other CLI commands do not
# need it, and importing it costs about 0.4 s of every answer

app = typer.Typer(
    help=f"Evidence registry: case reports, series and trials by disease and drug. {DISCLAIMER}",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

DB_OPT = typer.Option(
    None,
    "--db",
    help="Database URL (sqlite:///file.db, postgresql://user:pw@host/db) or SQLite file path; "
    "default $JAKPATH_DATABASE_URL or evidence.db in the jakpath data directory.",
)

FLAGS = {
    "case_id": "--case-id",
    "disease_id": "--disease",
    "drug_id": "--drug",
    "regimen_text": "--regimen",
    "dose_mg": "--dose-mg",
    "interval_h": "--interval-h",
    "route": "--route",
    "n_patients": "--n-patients",
    "age_years": "--age-years",
    "age_band": "--age-band",
    "sex": "--sex",
    "prior_failed": "--prior-failed",
    "time_to_response": "--time-to-response",
    "time_to_response_weeks": "--time-to-response-weeks",
    "outcome": "--outcome",
    "outcome_text": "--outcome-text",
    "outcome_measure": "--outcome-measure",
    "n_complete": "--n-complete",
    "n_partial": "--n-partial",
    "n_none": "--n-none",
    "counts_basis": "--counts-basis",
    "duration": "--duration",
    "duration_weeks": "--duration-weeks",
    "adverse_events": "--adverse-events",
    "follow_up": "--follow-up",
    "follow_up_weeks": "--follow-up-weeks",
    "study_type": "--study-type",
    "source_ids": "--source",
    "doi": "--doi",
    "pmid": "--pmid",
    "location": "--location",
    "note": "--note",
    "added_by": "--added-by",
}
"""Record field -> ``add`` flag (used in messages)."""

TABLE_COLUMNS = [
    "case_id",
    "disease_id",
    "drug",
    "dose_mg",
    "interval_h",
    "n_patients",
    "outcome",
    "responders",
    "study_type",
    "source_ids",
    "origin",
]


class ExportFormat(StrEnum):
    """File formats of ``export``."""

    csv = "csv"
    json = "json"


def _problem_lines(problems) -> str:
    out = []
    for p in problems:
        flag = FLAGS.get(p.field)
        where = f"line {p.line}: " if hasattr(p, "line") else ""
        out.append(f"  {where}{p.field}{f' ({flag})' if flag and not where else ''}: {p.message}")
    return "\n".join(out)


def handles_errors(func):
    """Record and import problems per field or line (exit 2); unreachable store (exit 1).

    Everything else is handled as for every command (``cli.output.handles_errors``).
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from jakpath.evidence import ImportValidationError, InvalidRecordError, StoreError

        try:
            return func(*args, **kwargs)
        except ImportValidationError as exc:
            head = str(exc).splitlines()[0]
            fail(escape(f"{head}\n{_problem_lines(exc.problems)}"))
        except InvalidRecordError as exc:
            fail(escape(f"invalid record, nothing added:\n{_problem_lines(exc.problems)}"))
        except StoreError as exc:
            if isinstance(exc, ValueError):  # a malformed URL is bad input
                fail(escape(str(exc)))
            fail(escape(str(exc)), code=1)

    return shared_handles_errors(wrapper)


def _store(db: str | None) -> EvidenceStore:
    from jakpath.evidence import open_store

    return open_store(db)


def _current_account() -> str:
    from jakpath.evidence.store import current_account

    return current_account()


def _frame_for_output(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    if "added_at" in out:
        out["added_at"] = [
            t.isoformat().replace("+00:00", "Z") if isinstance(t, pd.Timestamp) else t
            for t in out["added_at"]
        ]
    return out


@app.command("list")
@handles_errors
def list_command(
    disease: str = typer.Option(None, "--disease", help="Disease id or name."),
    drug: str = typer.Option(None, "--drug", help="Drug id, name, brand or code."),
    study_type: str = typer.Option(None, "--study-type", help="e.g. case_report, cohort."),
    outcome: str = typer.Option(None, "--outcome", help="complete, partial, none, ..."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="table, json or csv"),
    db: str = DB_OPT,
):
    """List stored records (shipped and user-added), oldest first."""
    from jakpath.evidence import list_cases

    store = _store(db)
    df = list_cases(disease, drug, study_type, outcome, store=store)
    df = _frame_for_output(df)
    if fmt == Format.table:
        emit(df[TABLE_COLUMNS], fmt, title=f"{len(df)} record(s)", version=store.kb.version)
    else:
        emit(df, fmt, version=store.kb.version)


def _interactive(prompt: bool | None) -> bool:
    return sys.stdin.isatty() if prompt is None else prompt


@app.command("add")
@handles_errors
def add_command(
    disease: str = typer.Option(None, "--disease", help="Disease id or name (required)."),
    drug: str = typer.Option(None, "--drug", help="Drug id, name, brand or code (required)."),
    outcome: str = typer.Option(
        None,
        "--outcome",
        help="complete, partial, none, worse, mixed, not_reported (required unless the "
        "responder counts are given; then it must agree with them).",
    ),
    study_type: str = typer.Option(
        None,
        "--study-type",
        help="case_report, case_series, cohort, randomised_trial, open_label_trial (required).",
    ),
    source: str = typer.Option(None, "--source", help="Source id(s), ';'-separated (required)."),
    doi: str = typer.Option(None, "--doi", help="DOI of the source (DOI or PMID required)."),
    pmid: str = typer.Option(None, "--pmid", help="PubMed id of the source."),
    case_id: str = typer.Option(None, "--case-id", help="Your id for the record (optional)."),
    regimen: str = typer.Option(None, "--regimen", help="Regimen as reported."),
    dose_mg: float = typer.Option(None, "--dose-mg", help="Dose per administration, mg."),
    interval_h: float = typer.Option(None, "--interval-h", help="Dosing interval, hours."),
    route: str = typer.Option(None, "--route", help="oral, topical, ... (';'-separated)."),
    n_patients: int = typer.Option(None, "--n-patients", help="Number of patients."),
    age_years: float = typer.Option(None, "--age-years", help="Age (or mean age), years."),
    age_band: str = typer.Option(None, "--age-band", help="Age band, e.g. 'adults', '40-49'."),
    sex: str = typer.Option(None, "--sex", help="Sex as reported, e.g. F, M, '60% F'."),
    prior_failed: str = typer.Option(None, "--prior-failed", help="Prior failed therapies."),
    time_to_response: str = typer.Option(None, "--time-to-response", help="As reported."),
    time_to_response_weeks: float = typer.Option(
        None, "--time-to-response-weeks", help="Weeks from treatment start to response."
    ),
    outcome_text: str = typer.Option(None, "--outcome-text", help="The source's own words."),
    outcome_measure: str = typer.Option(
        None, "--outcome-measure", help="What response means, e.g. 'EASI-75 at week 16'."
    ),
    n_complete: int = typer.Option(None, "--n-complete", help="Patients with complete response."),
    n_partial: int = typer.Option(
        None, "--n-partial", help="Patients who responded, not completely."
    ),
    n_none: int = typer.Option(None, "--n-none", help="Patients without response (or worse)."),
    counts_basis: str = typer.Option(
        None, "--counts-basis", help="reported (counted in the source) or derived (from a %)."
    ),
    duration: str = typer.Option(None, "--duration", help="Treatment duration, e.g. '16 weeks'."),
    adverse_events: str = typer.Option(None, "--adverse-events", help="Adverse events."),
    follow_up: str = typer.Option(None, "--follow-up", help="Follow-up as reported."),
    follow_up_weeks: float = typer.Option(None, "--follow-up-weeks", help="Follow-up, weeks."),
    location: str = typer.Option(None, "--location", help="Where in the source (Table 2)."),
    note: str = typer.Option(None, "--note", help="Free-text note (no patient identifiers)."),
    added_by: str = typer.Option(None, "--added-by", help="Your account name (default: login)."),
    prompt: bool = typer.Option(
        None, "--prompt/--no-prompt", help="Ask for missing required fields (default: if a tty)."
    ),
    db: str = DB_OPT,
):
    """Add one record; asks for missing required fields when run interactively."""
    data = {
        "case_id": case_id,
        "disease_id": disease,
        "drug_id": drug,
        "regimen_text": regimen,
        "dose_mg": dose_mg,
        "interval_h": interval_h,
        "route": route,
        "n_patients": n_patients,
        "age_years": age_years,
        "age_band": age_band,
        "sex": sex,
        "prior_failed": prior_failed,
        "time_to_response": time_to_response,
        "time_to_response_weeks": time_to_response_weeks,
        "outcome": outcome,
        "outcome_text": outcome_text,
        "outcome_measure": outcome_measure,
        "n_complete": n_complete,
        "n_partial": n_partial,
        "n_none": n_none,
        "counts_basis": counts_basis,
        "duration": duration,
        "adverse_events": adverse_events,
        "follow_up": follow_up,
        "follow_up_weeks": follow_up_weeks,
        "study_type": study_type,
        "source_ids": source,
        "doi": doi,
        "pmid": pmid,
        "location": location,
        "note": note,
    }
    if _interactive(prompt):
        questions = {
            "disease_id": "Disease (id or name)",
            "drug_id": "Drug (id, name, brand or code)",
            "outcome": "Outcome (complete/partial/none/worse/mixed/not_reported)",
            "study_type": "Study type (case_report/case_series/cohort/randomised_trial/"
            "open_label_trial)",
            "source_ids": "Source id",
        }
        counted = any(data[f] is not None for f in ("n_complete", "n_partial", "n_none"))
        for field, question in questions.items():
            if field == "outcome" and counted:
                continue
            if not data[field]:
                data[field] = typer.prompt(question)
        if not data["doi"] and not data["pmid"]:
            ref = typer.prompt("DOI or PMID").strip()
            data["pmid" if ref.isdigit() else "doi"] = ref
    store = _store(db)
    result = store.add(data, added_by=added_by or _current_account())
    if result.added:
        console.print(f"added {result.case_id}", highlight=False)
    else:
        console.print(f"already stored as {result.case_id}; nothing added", highlight=False)


@app.command("import")
@handles_errors
def import_command(
    file: Path = typer.Argument(..., help="A .csv or .json file of records."),
    added_by: str = typer.Option(None, "--added-by", help="Your account name (default: login)."),
    db: str = DB_OPT,
):
    """Import a CSV or JSON file: every row or none; rows already stored are skipped."""
    from jakpath.evidence import import_file

    store = _store(db)
    result = import_file(file, store, added_by=added_by)
    console.print(
        f"{file.name}: {result.rows} row(s): {result.added} added, "
        f"{result.duplicates} already stored",
        highlight=False,
    )


@app.command("export")
@handles_errors
def export_command(
    fmt: ExportFormat = typer.Option(ExportFormat.csv, "--format", "-f", help="csv or json"),
    out: Path = typer.Option(None, "--out", "-o", help="Write to this file (default: stdout)."),
    disease: str = typer.Option(None, "--disease", help="Only this disease."),
    drug: str = typer.Option(None, "--drug", help="Only this drug."),
    db: str = DB_OPT,
):
    """Export records as CSV or JSON (the format ``import`` reads)."""
    from jakpath.evidence import export_cases

    store = _store(db)
    text = export_cases(fmt.value, None, store, disease=disease, drug=drug)
    if out is None:
        sys.stdout.write(text)
    else:
        if out.is_dir():
            raise ValueError(f"--out {out} is a directory; give a file name")
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".tmp")
        try:
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(out)  # never a half-written export
        finally:
            tmp.unlink(missing_ok=True)  # no stray .tmp file when the write or rename fails
        err_console.print(f"wrote {out}", highlight=False)


def _ci(k: int, n: int, low: float, high: float) -> str:
    if n == 0:
        return "no evaluable patients"
    return f"{k}/{n} = {k / n:.2f} [{low:.2f}, {high:.2f}]"


def _compact(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "drug": df.drug,
            "records": df.records,
            "patients": df.patients,
            "response (CI)": [
                _ci(r.responders, r.evaluable_patients, r.response_ci_low, r.response_ci_high)
                for r in df.itertuples()
            ],
            "complete (CI)": [
                _ci(
                    r.complete_responders,
                    r.evaluable_patients,
                    r.complete_ci_low,
                    r.complete_ci_high,
                )
                for r in df.itertuples()
            ],
            "complete/partial/none": [
                f"{r.complete_responders}/{r.partial_responders}/{r.non_responders}"
                for r in df.itertuples()
            ],
            "no counts": df.records_without_counts,
            "best design": df.best_design,
            "study types": df.study_types.str.replace(";", ", "),
        }
    )


@app.command("summary")
@handles_errors
def summary_command(
    disease: str = typer.Argument(..., help="Disease id or name."),
    plot: Path = typer.Option(None, "--plot", help="Forest plot to this .png or .svg file."),
    level: float = typer.Option(0.95, "--level", help="Confidence level of the intervals."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="table, json or csv"),
    db: str = DB_OPT,
):
    """Records, patients and response proportions per drug, with exact (Clopper-Pearson) CIs."""
    from jakpath.evidence import plot_summary, summary

    if not 0 < level < 1:
        raise ValueError(f"--level must be between 0 and 1, got {level}")
    if plot is not None and plot.suffix.lower() not in (".png", ".svg"):
        raise ValueError(f"--plot must end in .png or .svg, got {plot.name!r}")
    store = _store(db)
    df = summary(disease, store, level=level)
    title = f"{df.attrs['disease_id']}: response by drug ({level:.0%} Clopper-Pearson CI)"
    if fmt == Format.table:
        emit(_compact(df), fmt, title=title, version=store.kb.version)
        console.print(f"[dim]{escape(df.attrs['caveat'])}[/]", highlight=False)
    else:
        emit(df, fmt, version=store.kb.version)
    if plot is not None:
        plot_summary(df, plot)
        err_console.print(f"wrote {plot}", highlight=False)


@app.command("map")
@handles_errors
def map_command(
    plot: Path = typer.Option(None, "--plot", help="Map figure to this .png or .svg file."),
    origin: str = typer.Option(None, "--origin", help="Only kb (shipped) or user records."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="table, json or csv"),
    db: str = DB_OPT,
):
    """The evidence map: disease x drug, with records, patients and the strongest design."""
    from jakpath.evidence import evidence_map, plot_map

    if plot is not None and plot.suffix.lower() not in (".png", ".svg"):
        raise ValueError(f"--plot must end in .png or .svg, got {plot.name!r}")
    if origin is not None and origin not in ("kb", "user"):
        raise ValueError(f"--origin must be kb or user, got {origin!r}")
    store = _store(db)
    df = evidence_map(store, origin=origin)
    if fmt == Format.table:
        shown = df[
            ["disease", "drug_label", "records", "patients", "responders", "evaluable_patients"]
            + ["best_design"]
        ].rename(columns={"drug_label": "drug", "evaluable_patients": "evaluable"})
        title = (
            f"Evidence map: {df.disease.nunique()} disease(s), {int(df.records.sum())} record(s)"
        )
        emit(shown, fmt, title=title, version=store.kb.version)
        console.print(f"[dim]{escape(df.attrs['caveat'])}[/]", highlight=False)
    else:
        emit(df, fmt, version=store.kb.version)
    if plot is not None:
        plot_map(df, plot)
        err_console.print(f"wrote {plot}", highlight=False)
