"""Validation of the knowledge base: schema, types, units, ranges, references, sources.

Every problem names its file and line so a curator can fix it; ``jakpath kb validate``
prints them and exits non-zero when there is any error.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from jakpath.kb.load import RawTable, read_tables
from jakpath.kb.tables import (
    DRIVER_RULES,
    LABEL_GRADE_WEIGHTS,
    SAFETY_LINK_WEIGHTS,
    TABLES,
    UPSTREAM_TIERS,
    Column,
)

# Expected units and plausible ranges of named quantities. A unit outside these sets is a
# "unit" error; a value outside the range a "range" error (a typo or a unit slip, e.g. mL/min
# typed as L/h). Ranges are deliberately wide: they catch slips, not pharmacology.
PROPERTY_UNITS: dict[str, tuple[set[str], float, float]] = {
    "mw_free_base": ({"g/mol"}, 100.0, 1500.0),
    "plasma_protein_binding": ({"%", "pct", "percent"}, 0.0, 100.0),
    "fraction_unbound": ({"fraction", ""}, 0.0, 1.0),
    "bioavailability": ({"%", "pct", "percent"}, 0.0, 100.0),
    "blood_to_plasma": ({"ratio", ""}, 0.1, 10.0),
    "relative_potency_to_parent": ({"fraction", "ratio", ""}, 0.0, 10.0),
    "metabolite_to_parent_auc_ratio": ({"ratio", ""}, 0.0, 1000.0),
}
PK_PARAMETER_UNITS: dict[str, tuple[set[str], float, float]] = {
    "CL_F": ({"L/h"}, 0.05, 2000.0),
    "Q_F": ({"L/h"}, 0.01, 2000.0),
    "V_F": ({"L"}, 1.0, 20000.0),
    "V2_F": ({"L"}, 1.0, 50000.0),
    "ka": ({"1/h"}, 0.005, 100.0),
    "ka_first_order": ({"1/h"}, 0.001, 100.0),
    "tlag": ({"h"}, 0.0, 12.0),
    "D1": ({"h"}, 0.0, 48.0),
    "frac_zero_order": ({"fraction", ""}, 0.0, 1.0),
    "F": ({"fraction", ""}, 0.0, 1.0),
    "F_rel": ({"fraction", ""}, 0.0, 2.0),
    "css_nM": ({"nM"}, 0.0, 1e5),
    "omega_CL": ({"CV", "fraction", ""}, 0.0, 3.0),
    "omega_V": ({"CV", "fraction", ""}, 0.0, 3.0),
    "omega_ka": ({"CV", "fraction", ""}, 0.0, 5.0),
}
OBSERVATION_RANGES: dict[str, tuple[set[str], float, float]] = {
    "cmax": ({"ng/mL", "nM"}, 0.0, 1e5),
    "ctrough": ({"ng/mL", "nM"}, 0.0, 1e5),
    "css": ({"ng/mL", "nM"}, 0.0, 1e5),
    "tmax": ({"h"}, 0.0, 48.0),
    "t_half": ({"h"}, 0.1, 500.0),
    "t_half_eff": ({"h"}, 0.1, 500.0),
    "auc_tau": ({"ng*h/mL", "nM*h"}, 0.0, 1e7),
    "auc_inf": ({"ng*h/mL", "nM*h"}, 0.0, 1e7),
}


@dataclass(frozen=True)
class Problem:
    """One finding of the validator."""

    kind: str  # schema | type | unit | range | reference | source | duplicate | consistency
    file: str
    line: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: [{self.kind}] {self.message}"


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, kind: str, where: tuple[str, int], message: str, severity: str = "error"):
        self.problems.append(Problem(kind, where[0], where[1], message, severity))


def _check_cell(col: Column, value: str, where, out: _Collector, table: str) -> None:
    if not value:
        if col.required:
            kind = "source" if col.name in ("source_ids", "location") else "schema"
            out.add(kind, where, f"{table}.{col.name} is empty (required)")
        return
    if col.kind in ("float", "int"):
        try:
            number = float(value)
        except ValueError:
            out.add("type", where, f"{table}.{col.name}={value!r} is not a number")
            return
        if math.isnan(number) or math.isinf(number):
            out.add("type", where, f"{table}.{col.name}={value!r} is not a finite number")
            return
        if col.kind == "int" and not number.is_integer():
            out.add("type", where, f"{table}.{col.name}={value!r} is not an integer")
        if col.min_value is not None and number < col.min_value:
            out.add("range", where, f"{table}.{col.name}={value} is below {col.min_value}")
        if col.max_value is not None and number > col.max_value:
            out.add("range", where, f"{table}.{col.name}={value} is above {col.max_value}")
    if col.choices is not None and value not in col.choices:
        out.add(
            "schema", where, f"{table}.{col.name}={value!r} is not one of {', '.join(col.choices)}"
        )


def _ids(raw: dict[str, RawTable], ref: str) -> set[str]:
    table, column = ref.split(".")
    return {r.get(column, "") for r in raw[table].rows}


def _check_units(raw: dict[str, RawTable], out: _Collector) -> None:
    specs = (
        ("drug_properties", "property", PROPERTY_UNITS),
        ("pk_parameters", "parameter", PK_PARAMETER_UNITS),
        ("pk_observations", "metric", OBSERVATION_RANGES),
    )
    for table, key, spec in specs:
        t = raw[table]
        for row, where in zip(t.rows, t.lines, strict=True):
            name = row.get(key, "")
            if name not in spec:
                continue
            units, low, high = spec[name]
            unit = row.get("unit", "")
            if unit not in units:
                out.add(
                    "unit",
                    where,
                    f"{table}: {name} has unit {unit!r}; expected one of {sorted(units)}",
                )
                continue
            try:
                value = float(row.get("value", ""))
            except ValueError:
                continue
            if not (low <= value <= high):
                out.add(
                    "range",
                    where,
                    f"{table}: {name}={value} {unit} is outside the plausible range "
                    f"[{low}, {high}]",
                )


UNKNOWN_PREFIX = "unknown:"
"""Note prefix of a drug_properties row that records why a value is unknown."""

UNBOUND_PROPERTIES = ("fraction_unbound", "plasma_protein_binding")
"""Properties that give a drug's unbound fraction in plasma."""


def _check_unbound_fraction(raw: dict[str, RawTable], out: _Collector) -> None:
    """A drug with a chosen PK model needs a chosen unbound fraction or an explicit unknown."""
    props = raw["drug_properties"].rows
    known = {
        r.get("drug_id")
        for r in props
        if r.get("property") in UNBOUND_PROPERTIES and r.get("chosen") == "yes" and r.get("value")
    }
    explained = {
        r.get("drug_id")
        for r in props
        if r.get("property") in UNBOUND_PROPERTIES
        and r.get("note", "").lower().startswith(UNKNOWN_PREFIX)
    }
    pm = raw["pk_models"]
    seen: set[str] = set()
    for row, where in zip(pm.rows, pm.lines, strict=True):
        drug = row.get("drug_id", "")
        if row.get("chosen") != "yes" or drug in seen:
            continue
        seen.add(drug)
        if drug not in known and drug not in explained:
            out.add(
                "consistency",
                where,
                f"{drug} has a PK model but no chosen fraction_unbound or plasma_protein_binding "
                f"in drug_properties (add one, or a row whose note starts '{UNKNOWN_PREFIX}' "
                "saying why it is unknown)",
            )


def _check_consistency(raw: dict[str, RawTable], out: _Collector) -> None:
    # exactly one chosen value per (drug, property)
    chosen: dict[tuple[str, str], list] = defaultdict(list)
    t = raw["drug_properties"]
    for row, where in zip(t.rows, t.lines, strict=True):
        chosen[(row.get("drug_id", ""), row.get("property", ""))].append((row, where))
    for (drug, prop), entries in chosen.items():
        n = sum(r.get("chosen") == "yes" for r, _ in entries)
        all_unknown = all(
            r.get("note", "").lower().startswith(UNKNOWN_PREFIX) and not r.get("value")
            for r, _ in entries
        )
        if n != 1 and not (n == 0 and all_unknown):
            out.add(
                "consistency",
                entries[0][1],
                f"drug_properties: {drug}/{prop} has {n} rows with chosen=yes (need 1)",
            )
    # a value may be left empty only on an explicit "unknown: <why>" row, never chosen
    for row, where in zip(t.rows, t.lines, strict=True):
        if not row.get("value") and not (
            row.get("chosen") == "no" and row.get("note", "").lower().startswith(UNKNOWN_PREFIX)
        ):
            out.add(
                "schema",
                where,
                "drug_properties.value is empty: give a value, or mark the row chosen=no with a "
                f"note starting '{UNKNOWN_PREFIX}' that says why it is unknown",
            )
    # every drug or metabolite with a chosen PK model has an unbound fraction (or says why not)
    _check_unbound_fraction(raw, out)
    # one canonical receptor per JAK-signalling cytokine
    canon = Counter(r["cytokine_id"] for r in raw["receptors"].rows if r.get("canonical") == "yes")
    receptors_of = {r["cytokine_id"] for r in raw["receptors"].rows}
    cyt = raw["cytokines"]
    for row, where in zip(cyt.rows, cyt.lines, strict=True):
        cid = row.get("cytokine_id", "")
        if row.get("jak_signalling") == "yes":
            if canon.get(cid, 0) != 1:
                out.add(
                    "consistency",
                    where,
                    f"cytokine {cid} signals through JAKs but has {canon.get(cid, 0)} "
                    "canonical receptors (need 1)",
                )
        elif cid in receptors_of:
            out.add("consistency", where, f"cytokine {cid} is non-JAK but has a JAK receptor")
    # every receptor has at least one chain
    with_chains = {r["receptor_id"] for r in raw["receptor_chains"].rows}
    rec = raw["receptors"]
    for row, where in zip(rec.rows, rec.lines, strict=True):
        if row.get("receptor_id") not in with_chains:
            out.add("consistency", where, f"receptor {row.get('receptor_id')} has no chains")
    # one chosen PK model per drug and formulation
    models: dict[tuple[str, str], list] = defaultdict(list)
    pm = raw["pk_models"]
    for row, where in zip(pm.rows, pm.lines, strict=True):
        if row.get("chosen") == "yes":
            models[(row.get("drug_id", ""), row.get("formulation", ""))].append(where)
    for (drug, form), wheres in models.items():
        if len(wheres) > 1:
            out.add(
                "consistency",
                wheres[1],
                f"pk_models: {drug}/{form} has {len(wheres)} chosen models (need 1)",
            )
    # a curator's decision names a record of the table it says
    if "potency_curation" in raw:
        ids = {
            name: {r.get("record_id") for r in raw[name].rows}
            for name in ("cellular_potency", "enzyme_potency")
        }
        cur = raw["potency_curation"]
        for row, where in zip(cur.rows, cur.lines, strict=True):
            table = row.get("table", "")
            if table in ids and row.get("record_id") not in ids[table]:
                out.add(
                    "reference",
                    where,
                    f"potency_curation: {row.get('record_id')} is not a record of {table}",
                )
    _check_drivers(raw, out)
    _check_safety(raw, out)
    # trial outcomes: regimens should be label doses of the drug (warning otherwise)
    doses = {
        (r.get("drug_id"), r.get("dose_mg"), r.get("interval_h")) for r in raw["approvals"].rows
    }
    to = raw["trial_outcomes"]
    for row, where in zip(to.rows, to.lines, strict=True):
        key = (row.get("drug_id"), row.get("dose_mg"), row.get("interval_h"))
        if key not in doses:
            out.add(
                "consistency",
                where,
                f"trial_outcomes: {key[0]} {key[1]} mg every {key[2]} h is not an approved "
                "regimen in approvals.csv",
                severity="warning",
            )
    # topical regimens are tagged topical everywhere (never ranked on plasma exposure)
    ap = raw["approvals"]
    for row, where in zip(ap.rows, ap.lines, strict=True):
        flags = {
            row.get("formulation") == "topical",
            row.get("route") == "topical",
            row.get("use") == "topical",
        }
        if len(flags) > 1:
            out.add(
                "consistency",
                where,
                f"approvals: {row.get('drug_id')}/"
                f"{row.get('disease_id') or row.get('indication')}: "
                "formulation, route and use must all be topical or none",
            )
    # sources need an address
    src = raw["sources"]
    for row, where in zip(src.rows, src.lines, strict=True):
        if not (row.get("doi") or row.get("pmid") or row.get("url")) and row.get("kind") not in (
            "label",
            "book",
        ):
            out.add("source", where, f"source {row.get('source_id')} has no DOI, PMID or URL")
        pmid = row.get("pmid", "")
        if pmid and not pmid.isdigit():
            out.add("type", where, f"source {row.get('source_id')}: pmid {pmid!r} is not digits")
        doi = row.get("doi", "")
        if doi and not doi.startswith("10."):
            out.add("type", where, f"source {row.get('source_id')}: doi {doi!r} must start 10.")


UPSTREAM_WEIGHT_TOLERANCE = 0.001
"""Allowed difference between an upstream weight and the value its written rule gives
(weights are stored rounded to three decimals)."""


def _check_drivers(raw: dict[str, RawTable], out: _Collector) -> None:
    """Every disease has drivers; ranks and upstream weights follow their written rules."""
    dd = raw["disease_drivers"]
    with_drivers = {r.get("disease_id", "") for r in dd.rows}
    dis = raw["diseases"]
    for row, where in zip(dis.rows, dis.lines, strict=True):
        if row.get("disease_id") not in with_drivers:
            out.add(
                "consistency",
                where,
                f"disease {row.get('disease_id')} has no drivers in disease_drivers.csv "
                "(add cited drivers or remove the disease)",
            )
    for row, where in zip(dd.rows, dd.lines, strict=True):
        rule, rank = row.get("rule", ""), row.get("rank", "")
        if rule not in DRIVER_RULES or not rank.isdigit():
            continue  # reported by the cell checks
        allowed = {1, 2} if rule == "driver_mutation" else {DRIVER_RULES[rule]}
        if int(rank) not in allowed:
            out.add(
                "consistency",
                where,
                f"disease_drivers: {row.get('disease_id')}/{row.get('cytokine_id')} has rank "
                f"{rank} but rule {rule} gives rank {'/'.join(map(str, sorted(allowed)))} "
                "(data/RULES.md)",
            )
    up = raw["upstream_drivers"]
    units: dict[str, float] = defaultdict(float)
    for row in up.rows:
        units[row.get("cytokine_id", "")] += UPSTREAM_TIERS.get(row.get("evidence_tier", ""), 0.0)
    totals: dict[str, float] = defaultdict(float)
    for row, where in zip(up.rows, up.lines, strict=True):
        cid, tier = row.get("cytokine_id", ""), row.get("evidence_tier", "")
        try:
            weight = float(row.get("dependency_weight", ""))
            share = float(row.get("total_share", ""))
        except ValueError:
            continue  # reported by the cell checks
        totals[cid] += weight
        if tier not in UPSTREAM_TIERS or units[cid] <= 0:
            continue
        expected = share * UPSTREAM_TIERS[tier] / units[cid]
        if abs(weight - expected) > UPSTREAM_WEIGHT_TOLERANCE:
            out.add(
                "consistency",
                where,
                f"upstream_drivers: {cid}<-{row.get('driver_cytokine_id')} weight {weight:g} but "
                f"the tier rule gives {expected:.3f} (data/RULES.md)",
            )
    for cid, total in totals.items():
        if total > 1.0 + UPSTREAM_WEIGHT_TOLERANCE:
            out.add(
                "consistency",
                (up.files[0] if up.files else "upstream_drivers.csv", 0),
                f"upstream_drivers: weights of {cid} sum to {total:g} (> 1)",
            )


def _check_safety(raw: dict[str, RawTable], out: _Collector) -> None:
    """Safety-class and pathway-link weights follow their written rules (RULES.md section 4)."""
    for table, key, spec, column in (
        ("safety_classes", "label_grade", LABEL_GRADE_WEIGHTS, "weight"),
        ("safety_class_pathways", "link", SAFETY_LINK_WEIGHTS, "link_weight"),
    ):
        t = raw[table]
        for row, where in zip(t.rows, t.lines, strict=True):
            grade = row.get(key, "")
            try:
                value = float(row.get(column, ""))
            except ValueError:
                continue  # reported by the cell checks
            if grade in spec and abs(value - spec[grade]) > 1e-9:
                out.add(
                    "consistency",
                    where,
                    f"{table}: {column}={value:g} but {key} {grade} gives {spec[grade]:g} "
                    "(data/RULES.md section 4)",
                )


def validate(
    data_dir: Path | str | None = None, raw: dict[str, RawTable] | None = None
) -> list[Problem]:
    """Check every table; return all problems found (empty list: the data are valid)."""
    raw = raw if raw is not None else read_tables(data_dir)
    out = _Collector()
    for name, table in TABLES.items():
        t = raw[name]
        for file, line, message in t.errors:
            out.add("schema", (file, line), message)
        if t.missing:
            if not table.optional:
                out.add("schema", (f"{name}.csv", 0), f"table file {name}.csv is missing")
            continue
        missing_cols = [c for c in table.column_names if c not in t.header]
        if missing_cols:
            out.add(
                "schema", (t.files[0], 1), f"{name}: missing column(s) {', '.join(missing_cols)}"
            )
        unknown = [h for h in t.header if h not in table.column_names]
        if unknown:
            out.add(
                "schema",
                (t.files[0], 1),
                f"{name}: unknown column(s) {', '.join(unknown)}",
                severity="warning",
            )
        refs = {c.name: _ids(raw, c.ref) for c in table.columns if c.ref}
        seen: dict[tuple, tuple[str, int]] = {}
        for row, where in zip(t.rows, t.lines, strict=True):
            if "__extra__" in row:
                out.add("schema", where, f"{name}: row has more cells than the header")
            for col in table.columns:
                value = row.get(col.name, "")
                _check_cell(col, value, where, out, name)
                if col.ref and value:
                    values = [v.strip() for v in value.split(";")] if col.multi else [value]
                    for v in values:
                        if v and v not in refs[col.name]:
                            kind = "source" if col.name == "source_ids" else "reference"
                            out.add(kind, where, f"{name}.{col.name}: unknown id {v!r}")
            if table.numeric_value and row.get(table.numeric_value) and not row.get("location"):
                out.add("source", where, f"{name}: value without a location in its source")
            if (
                row.get("quality") == "derived"
                and "derived_from" in table.column_names
                and not row.get("derived_from")
            ):
                out.add("source", where, f"{name}: derived value without derived_from")
            if table.key:
                key = tuple(row.get(k, "") for k in table.key)
                if key in seen:
                    first = seen[key]
                    out.add(
                        "duplicate",
                        where,
                        f"{name}: duplicate id {'/'.join(key)} (first at {first[0]}:{first[1]})",
                    )
                else:
                    seen[key] = where
    _check_units(raw, out)
    _check_consistency(raw, out)
    _check_cross_record(raw, out)
    return out.problems


# Cross-record checks: unit slips that stay inside the plausible ranges above.
PEER_OUTLIER_FOLD = 100.0
"""A potency this many times away from the median of its peers (same drug, target and
measure; at least ``PEER_MIN`` others) is flagged as a possible unit slip (nM vs uM is 1000x;
assay conditions rarely move a value 100x). A warning: real outliers exist in compilations."""
PEER_MIN = 3
"""Fewest other values of the same drug and target for the peer check."""
HALF_LIFE_FOLD = 3.0
"""A PK model whose implied half-life (ln 2 V/CL; for two compartments also the terminal
one) is more than this factor from every reported half-life of the drug is an error: a
10-fold CL/F slip or CL/F and V/F swapped lands far outside."""
UNBOUND_TOLERANCE = 0.05
"""Largest accepted difference between fraction_unbound and 1 - binding/100."""
_PERCENT_UNITS = ("%", "pct", "percent")


def _num(value: str) -> float | None:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _potency_outliers(
    t: RawTable, keys: tuple[str, ...], out: _Collector, excluded: frozenset[str] = frozenset()
) -> None:
    """Warn on values far from their peers; records a curator excluded take no part."""
    groups: dict[tuple, list] = defaultdict(list)
    for row, where in zip(t.rows, t.lines, strict=True):
        if row.get("record_id") in excluded:
            continue
        x = _num(row.get("value_nM", ""))
        if x and x > 0 and row.get("relation", "=") in ("", "="):
            groups[tuple(row.get(k, "") for k in keys)].append((math.log10(x), x, where))
    for key, values in groups.items():
        if len(values) <= PEER_MIN:
            continue
        for i, (lv, x, where) in enumerate(values):
            others = sorted(v[0] for j, v in enumerate(values) if j != i)
            mid = len(others) // 2
            median = others[mid] if len(others) % 2 else (others[mid - 1] + others[mid]) / 2
            if abs(lv - median) >= math.log10(PEER_OUTLIER_FOLD):
                out.add(
                    "consistency",
                    where,
                    f"{t.table.name}: {'/'.join(key)} value {x:g} nM is "
                    f"{10 ** abs(lv - median):.0f}x from the median of its {len(others)} peers "
                    f"({10**median:.3g} nM): a unit slip (nM vs uM)?",
                    severity="warning",
                )


def _implied_half_lives(p: dict[str, float]) -> list[float]:
    cl, v = p["CL_F"], p["V_F"]
    out = [math.log(2) * v / cl]
    if p.get("Q_F") and p.get("V2_F"):
        k10, k12, k21 = cl / v, p["Q_F"] / v, p["Q_F"] / p["V2_F"]
        total = k10 + k12 + k21
        beta = (total - math.sqrt(max(total * total - 4 * k10 * k21, 0.0))) / 2
        if beta > 0:
            out.append(math.log(2) / beta)
    return out


def _check_cross_record(raw: dict[str, RawTable], out: _Collector) -> None:
    """Consistency across records: peer outliers, half-lives, binding as % and fraction."""
    excluded = frozenset(
        r.get("record_id", "")
        for r in (raw["potency_curation"].rows if "potency_curation" in raw else [])
        if r.get("decision") == "exclude"
    )
    _potency_outliers(raw["enzyme_potency"], ("drug_id", "target", "measure"), out, excluded)
    _potency_outliers(raw["cellular_potency"], ("drug_id", "cytokine_id", "measure"), out, excluded)

    # half-life implied by CL/F and V/F against the reported half-lives of the drug
    reported: dict[tuple[str, str], list[float]] = defaultdict(list)
    for row in raw["pk_observations"].rows:
        x = _num(row.get("value", ""))
        if row.get("metric") == "t_half" and x and row.get("formulation") != "topical":
            reported[(row.get("drug_id", ""), row.get("formulation", ""))].append(x)
            reported[(row.get("drug_id", ""), "")].append(x)
    params: dict[str, dict[str, float]] = defaultdict(dict)
    first_line: dict[str, tuple[str, int]] = {}
    t = raw["pk_parameters"]
    for row, where in zip(t.rows, t.lines, strict=True):
        x = _num(row.get("value", ""))
        if x is not None and x > 0:
            params[row.get("model_id", "")][row.get("parameter", "")] = x
            first_line.setdefault(row.get("model_id", ""), where)
    for row in raw["pk_models"].rows:
        mid = row.get("model_id", "")
        p = params.get(mid, {})
        if "CL_F" not in p or "V_F" not in p:
            continue
        key = (row.get("drug_id", ""), row.get("formulation", ""))
        halves = reported.get(key) or reported.get((key[0], ""))
        if not halves:
            continue
        implied = _implied_half_lives(p)
        best = min(abs(math.log(i / h)) for i in implied for h in halves)
        if best > math.log(HALF_LIFE_FOLD):
            swapped = " (CL/F and V/F swapped?)" if p["V_F"] < p["CL_F"] else ""
            out.add(
                "consistency",
                first_line[mid],
                f"pk_parameters: {mid}: half-life implied by CL/F {p['CL_F']:g} L/h and V/F "
                f"{p['V_F']:g} L is {', '.join(f'{i:.3g}' for i in implied)} h, more than "
                f"{HALF_LIFE_FOLD:g}x from every reported half-life of {key[0]} "
                f"({', '.join(f'{h:g}' for h in sorted(set(halves)))} h){swapped}",
            )

    # plasma protein binding: a percentage, and consistent with fraction_unbound
    binding: dict[str, tuple[float, tuple[str, int]]] = {}
    unbound: dict[str, float] = {}
    t = raw["drug_properties"]
    for row, where in zip(t.rows, t.lines, strict=True):
        x = _num(row.get("value", ""))
        if x is None or row.get("chosen") not in ("yes", ""):
            continue
        drug, prop = row.get("drug_id", ""), row.get("property", "")
        if prop == "plasma_protein_binding" and row.get("unit", "") in _PERCENT_UNITS:
            if 0 < x <= 1:
                out.add(
                    "consistency",
                    where,
                    f"drug_properties: {drug} plasma_protein_binding {x:g} with unit "
                    f"{row.get('unit')!r} looks like a fraction: give the percentage "
                    f"({100 * x:g}) or fraction_unbound",
                )
            binding[drug] = (x, where)
        elif prop == "fraction_unbound":
            unbound[drug] = x
    for drug, (pct, where) in binding.items():
        if drug in unbound and abs((1 - pct / 100) - unbound[drug]) > UNBOUND_TOLERANCE:
            out.add(
                "consistency",
                where,
                f"drug_properties: {drug} binding {pct:g}% implies fraction_unbound "
                f"{1 - pct / 100:.3g}, but fraction_unbound is {unbound[drug]:g}",
            )


def errors(problems: list[Problem]) -> list[Problem]:
    """Only the problems of severity error."""
    return [p for p in problems if p.severity == "error"]
