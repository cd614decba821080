"""A real patient: kidney and liver function, interacting drugs, CYP2C19 phenotype, body size.

Covariate effects on apparent clearance, volume and bioavailability are DATA
(``pk_covariates.csv``), each with its source: popPK covariate models (CrCL, eGFR, weight, age,
sex, named co-medications), fractions of clearance by pathway (fm, for interactions through a
perpetrator's class) and, where no covariate model exists, the label's own AUC ratio (marked
so: such an effect cannot be checked against that label figure). Named interacting drugs
resolve to classes through ``interacting_drugs.csv``; class strengths follow the FDA
definitions (``pk_interaction_classes.csv``). The label's dose recommendation for the patient
comes from ``pk_dose_recommendations.csv``.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from jakpath.kb import KnowledgeBase, load_kb
from jakpath.kb.names import normalise

CHILD_PUGH = ("A", "B", "C")
SEXES = ("female", "male")
CYP2C19_ACTIVITY: dict[str, float | None] = {
    "poor": 0.0,
    "intermediate": 0.5,
    "normal": 1.0,
    "rapid": None,
    "ultrarapid": None,
}
"""Fraction of normal CYP2C19 activity per phenotype. Poor: no functional enzyme (two
no-function alleles, CPIC phenotype definition). Intermediate 0.5: ASSUMPTION (one no-function
allele, gene-dose); rapid/ultrarapid: no cited activity, treated as normal and flagged."""

MECHANISTIC_RENAL_FLAG = (
    "renal share of clearance from urinary excretion, not a fitted renal covariate: parent "
    "only; a fall of non-renal clearance and renally cleared active metabolites are not modelled"
)
"""Flag on a ``renal_fraction`` effect without a studied covariate range (a derived share)."""

EGFR_RANGE = (1.0, 200.0)
"""Accepted eGFR (mL/min/1.73 m2): outside it the value is not physiological (a typo)."""
CRCL_RANGE = (1.0, 400.0)
"""Accepted CrCL (mL/min); Klunder 2019 studied up to 390.9."""
WEIGHT_RANGE_KG = (2.0, 350.0)
AGE_RANGE_Y = (0.0, 120.0)


class PatientError(ValueError):
    """Patient data that cannot be used: out of range, unknown, or not in the drug's model."""


@dataclass(frozen=True)
class Patient:
    """A patient for exposure simulation; every field is optional (None: typical patient).

    Attributes:
        egfr: estimated GFR, mL/min/1.73 m2.
        crcl: creatinine clearance (Cockcroft-Gault), mL/min.
        child_pugh: hepatic impairment class ``A``, ``B`` or ``C``.
        interacting_drugs: names of co-medications (ketoconazole, fluconazole, rifampin, ...).
        cyp2c19: CYP2C19 phenotype: poor, intermediate, normal, rapid, ultrarapid.
        weight_kg: body weight.
        age_years: age.
        sex: ``female`` or ``male``.
    """

    egfr: float | None = None
    crcl: float | None = None
    child_pugh: str | None = None
    interacting_drugs: tuple[str, ...] = field(default_factory=tuple)
    cyp2c19: str | None = None
    weight_kg: float | None = None
    age_years: float | None = None
    sex: str | None = None

    def __post_init__(self):
        for name, (low, high), unit in (
            ("egfr", EGFR_RANGE, "mL/min/1.73 m2"),
            ("crcl", CRCL_RANGE, "mL/min"),
            ("weight_kg", WEIGHT_RANGE_KG, "kg"),
            ("age_years", AGE_RANGE_Y, "years"),
        ):
            value = getattr(self, name)
            if value is None:
                continue
            if not isinstance(value, int | float) or isinstance(value, bool) or value != value:
                raise PatientError(f"{name} must be a number, got {value!r}")
            if not low <= value <= high:
                raise PatientError(
                    f"{name} = {value:g} {unit} is not possible: give {low:g}-{high:g}"
                )
        if self.child_pugh is not None:
            cp = str(self.child_pugh).strip().upper()
            if cp not in CHILD_PUGH:
                raise PatientError(
                    f"Child-Pugh class {self.child_pugh!r} is unknown: give A, B or C"
                )
            object.__setattr__(self, "child_pugh", cp)
        if self.cyp2c19 is not None:
            ph = (
                str(self.cyp2c19)
                .strip()
                .lower()
                .replace(" metabolizer", "")
                .replace(" metaboliser", "")
            )
            ph = {"pm": "poor", "im": "intermediate", "nm": "normal", "um": "ultrarapid"}.get(
                ph, ph
            )
            if ph not in CYP2C19_ACTIVITY:
                raise PatientError(
                    f"CYP2C19 phenotype {self.cyp2c19!r} is unknown: give one of "
                    f"{', '.join(CYP2C19_ACTIVITY)}"
                )
            object.__setattr__(self, "cyp2c19", ph)
        if self.sex is not None:
            sx = {"f": "female", "m": "male"}.get(str(self.sex).strip().lower()[:1], "")
            if sx not in SEXES:
                raise PatientError(f"sex {self.sex!r} is unknown: give female or male")
            object.__setattr__(self, "sex", sx)
        if isinstance(self.interacting_drugs, str):
            object.__setattr__(self, "interacting_drugs", (self.interacting_drugs,))
        object.__setattr__(
            self, "interacting_drugs", tuple(d for d in self.interacting_drugs if str(d).strip())
        )

    @property
    def is_typical(self) -> bool:
        """True when no field is set."""
        return self == Patient()

    def describe(self) -> str:
        """Short text form, e.g. ``eGFR 40; Child-Pugh B; with ketoconazole``."""
        parts = []
        if self.egfr is not None:
            parts.append(f"eGFR {self.egfr:g}")
        if self.crcl is not None:
            parts.append(f"CrCL {self.crcl:g}")
        if self.child_pugh:
            parts.append(f"Child-Pugh {self.child_pugh}")
        if self.interacting_drugs:
            parts.append("with " + ", ".join(self.interacting_drugs))
        if self.cyp2c19:
            parts.append(f"CYP2C19 {self.cyp2c19}")
        if self.weight_kg is not None:
            parts.append(f"{self.weight_kg:g} kg")
        if self.age_years is not None:
            parts.append(f"{self.age_years:g} y")
        if self.sex:
            parts.append(self.sex)
        return "; ".join(parts) or "typical patient"


# --- interacting drugs ------------------------------------------------------------------------
def _interaction_index(kb: KnowledgeBase) -> dict[str, tuple[str, tuple[str, ...]]]:
    out = {}
    for r in kb.interacting_drugs.itertuples():
        classes = tuple(c.strip() for c in r.classes.split(";") if c.strip())
        for name in [r.drug_name, *[s for s in str(r.synonyms).split(";") if s.strip()]]:
            out[normalise(name)] = (r.drug_name, classes)
    return out


def resolve_interacting_drug(name: str, kb: KnowledgeBase | None = None) -> tuple[str, tuple]:
    """A co-medication's canonical name and interaction classes.

    Raises:
        PatientError: unknown name (with the closest known names).
    """
    kb = kb or load_kb()
    index = _interaction_index(kb)
    key = normalise(name)
    if key in index:
        return index[key]
    names = sorted({v[0] for v in index.values()})
    close = (
        difflib.get_close_matches(key, [normalise(n) for n in names], n=5, cutoff=0.5)
        or [normalise(n) for n in names if key and (key[:3] in normalise(n))][:5]
    )
    by_key = {normalise(n): n for n in names}
    shown = [by_key[k] for k in close if k in by_key]
    hint = f" Did you mean: {', '.join(shown)}?" if shown else f" Known: {', '.join(names)}."
    raise PatientError(f"Unknown interacting drug {name!r}.{hint}")


# --- covariate effects ------------------------------------------------------------------------
@dataclass
class _Effects:
    factors: dict[str, float] = field(default_factory=lambda: {"CL_F": 1.0, "V_F": 1.0})
    f_factor: float = 1.0
    rows: list[dict] = field(default_factory=list)

    def scale(self, parameter: str, factor: float) -> None:
        if parameter == "F":
            self.f_factor *= factor
        else:
            self.factors[parameter] = self.factors.get(parameter, 1.0) * factor

    def record(self, covariate, value, row, parameter, factor, flag="", note=""):
        self.rows.append(
            {
                "covariate": covariate,
                "patient_value": value,
                "parameter": parameter,
                "factor": factor,
                "form": row.form if row is not None else "",
                "source": (f"{row.source_ids} @ {row.location}" if row is not None else ""),
                "quality": row.quality if row is not None else "",
                "flag": flag,
                "note": note,
            }
        )


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def _expit(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _continuous(
    effects: _Effects,
    rows: pd.DataFrame,
    covariate: str,
    x: float,
    label: str,
    substitute: str = "",
):
    for r in rows.itertuples():
        flag = substitute
        if r.studied_low == r.studied_low and r.studied_high == r.studied_high:
            if not r.studied_low <= x <= r.studied_high:
                flag = "; ".join(
                    filter(
                        None,
                        [
                            flag,
                            f"outside the studied range {r.studied_low:g}-{r.studied_high:g} "
                            "(extrapolated)",
                        ],
                    )
                )
        if r.form == "power":
            factor = (x / r.reference) ** r.value
        elif r.form == "renal_fraction":
            factor = (1.0 - r.value) + r.value * x / r.reference
            if not (r.studied_low == r.studied_low and r.studied_high == r.studied_high):
                # no fitted renal covariate: the share comes from urinary excretion data
                flag = "; ".join(filter(None, [flag, MECHANISTIC_RENAL_FLAG]))
        elif r.form == "auc_ratio":
            low, high = (float(v) for v in r.level.split("-"))
            if not low <= x < high:
                continue
            factor = 1.0 / r.value
            flag = "; ".join(filter(None, [substitute, "label AUC ratio (not a covariate model)"]))
        else:
            raise PatientError(f"form {r.form} is not defined for a continuous covariate")
        effects.scale(r.parameter, factor)
        effects.record(covariate, f"{x:g} {label}", r, r.parameter, factor, flag)


def _categorical(
    effects: _Effects, rows: pd.DataFrame, covariate: str, level: str, f_ref_logit: dict
):
    for r in rows.itertuples():
        if r.form in ("factor",):
            factor = r.value
        elif r.form == "auc_ratio":
            factor = 1.0 / r.value
        elif r.form == "logit_f_shift":
            f_ref_logit.setdefault("base", _logit(r.reference))
            f_ref_logit["shift"] = f_ref_logit.get("shift", 0.0) + r.value
            effects.record(covariate, level, r, "F", float("nan"), "", "logit-F shift")
            continue
        else:
            raise PatientError(f"form {r.form} is not defined for {covariate}")
        effects.scale(r.parameter, factor)
        flag = "label AUC ratio (not a covariate model)" if r.form == "auc_ratio" else ""
        effects.record(covariate, level, r, r.parameter, factor, flag)
    return f_ref_logit


def usable_covariates(drug_id: str, kb: KnowledgeBase) -> list[str]:
    """Patient fields the drug's covariate data can use."""
    cov = kb.pk_covariates[kb.pk_covariates.drug_id == drug_id]
    kinds = set(cov.covariate)
    out = []
    if kinds & {"crcl", "egfr"}:
        out += ["egfr", "crcl"]
    if "child_pugh" in kinds:
        out.append(
            "child_pugh (" + ", ".join(sorted(set(cov[cov.covariate == "child_pugh"].level))) + ")"
        )
    if kinds & {"interaction", "pathway"}:
        out.append("interacting_drugs")
    if "cyp2c19" in set(cov[cov.covariate == "pathway"].level):
        out.append("cyp2c19")
    for k, name in (("weight", "weight_kg"), ("age", "age_years"), ("sex", "sex")):
        if k in kinds:
            out.append(name)
    return out


def _cannot(drug_id: str, what: str, kb: KnowledgeBase, extra: str = "") -> PatientError:
    usable = usable_covariates(drug_id, kb)
    return PatientError(
        f"{drug_id}'s PK model has no cited effect of {what}{extra}; covariates it can use: "
        f"{', '.join(usable) if usable else 'none'}"
    )


def _interactions(
    effects: _Effects,
    drug_id: str,
    patient: Patient,
    cov: pd.DataFrame,
    kb: KnowledgeBase,
    f_state: dict,
) -> None:
    fm = {r.level: r for r in cov[cov.covariate == "pathway"].itertuples()}
    inter = cov[cov.covariate == "interaction"]
    classes_tab = kb.pk_interaction_classes.set_index("class_id")
    activity: dict[str, float] = {}
    why: dict[str, list[str]] = {}
    for name in patient.interacting_drugs:
        canonical, classes = resolve_interacting_drug(name, kb)
        specific = inter[inter.level == f"drug:{canonical}"]
        if len(specific):
            _categorical(effects, specific, f"with {canonical}", canonical, f_state)
            continue
        used = False
        for cls in classes:
            label_rows = inter[inter.level == cls]
            if len(label_rows):
                _categorical(effects, label_rows, f"with {canonical}", cls, f_state)
                used = True
                continue
            if cls not in classes_tab.index:
                continue
            c = classes_tab.loc[cls]
            if c.pathway in fm:
                # several perpetrators on one pathway: the strongest effect wins
                a = float(c.activity_factor)
                old = activity.get(c.pathway)
                if old is None or abs(math.log(max(a, 1e-9))) > abs(math.log(max(old, 1e-9))):
                    activity[c.pathway] = a
                why.setdefault(c.pathway, []).append(f"{canonical} ({cls})")
                used = True
        if not used:
            raise _cannot(
                drug_id,
                f"{canonical} ({', '.join(classes)})",
                kb,
                " (no label ratio, popPK effect or cited fraction of clearance through "
                "that pathway)",
            )
    if patient.cyp2c19 and "cyp2c19" in fm:
        cited = CYP2C19_ACTIVITY[patient.cyp2c19]
        a = 1.0 if cited is None else cited
        flag = ""
        if cited is None:
            flag = f"no cited activity for CYP2C19 {patient.cyp2c19}: treated as normal"
        elif patient.cyp2c19 == "intermediate":
            flag = "intermediate activity 0.5 is an assumption (gene dose)"
        prev = activity.get("cyp2c19", 1.0)
        activity["cyp2c19"] = min(prev, a) if a < 1 else prev
        why.setdefault("cyp2c19", []).append(
            f"CYP2C19 {patient.cyp2c19}" + (f" [{flag}]" if flag else "")
        )
    elif patient.cyp2c19:
        raise _cannot(drug_id, "CYP2C19 phenotype", kb)
    if not activity:
        return
    # CL' / CL = 1 - sum fm_i + sum fm_i * activity_i (Rowland-Matin, parallel pathways)
    factor = 1.0 + sum(float(fm[p].value) * (a - 1.0) for p, a in activity.items())
    effects.scale("CL_F", factor)
    src = "; ".join(f"{fm[p].source_ids} @ {fm[p].location}" for p in activity)
    effects.rows.append(
        {
            "covariate": "pathways",
            "patient_value": "; ".join(f"{p}: {', '.join(why[p])}" for p in activity),
            "parameter": "CL_F",
            "factor": factor,
            "form": "fm x class activity (Rowland-Matin)",
            "source": src + "; fda_ddi_guidance_2020 (class thresholds)",
            "quality": "derived",
            "flag": "",
            "note": ", ".join(
                f"fm {p} {float(fm[p].value):g} x activity {a:g}" for p, a in activity.items()
            ),
        }
    )


def covariate_effects(drug: str, patient: Patient, kb: KnowledgeBase | None = None):
    """Multipliers on CL/F, V/F (and Q/F, V2/F) and F for a patient, with their sources.

    Returns:
        ``(factors, f_factor, table)``: parameter -> multiplier, the bioavailability multiplier
        and one row per effect applied (covariate, patient value, factor, source, flag).

    Raises:
        PatientError: a covariate the drug's data cannot use, an unknown interacting drug, or
            a Child-Pugh class without data.
    """
    kb = kb or load_kb()
    drug_id = kb.drug_names.resolve(drug)
    cov = kb.pk_covariates[kb.pk_covariates.drug_id == drug_id]
    effects = _Effects()
    f_state: dict = {}
    renal = cov[cov.covariate.isin(["crcl", "egfr"])]
    for given, value, unit in (
        ("egfr", patient.egfr, "mL/min/1.73m2"),
        ("crcl", patient.crcl, "mL/min"),
    ):
        if value is None:
            continue
        if renal.empty:
            raise _cannot(drug_id, "renal function", kb)
        if given == "crcl" and patient.egfr is not None:
            continue  # eGFR given as well: used where the model asks for it
        rows = renal[renal.covariate == given]
        substitute = ""
        if rows.empty:
            other = "crcl" if given == "egfr" else "egfr"
            alt = patient.crcl if other == "crcl" else patient.egfr
            if alt is not None:
                continue
            rows = renal[renal.covariate == other]
            substitute = f"{given} used in place of {other} (model covariate)"
        _continuous(effects, rows, given, value, unit, substitute)
    if patient.child_pugh:
        rows = cov[(cov.covariate == "child_pugh") & (cov.level == patient.child_pugh)]
        if rows.empty:
            levels = sorted(set(cov[cov.covariate == "child_pugh"].level))
            raise _cannot(
                drug_id,
                f"Child-Pugh {patient.child_pugh}",
                kb,
                f" (classes with data: {', '.join(levels) if levels else 'none'})",
            )
        _categorical(effects, rows, "child_pugh", patient.child_pugh, f_state)
    if patient.interacting_drugs or patient.cyp2c19:
        _interactions(effects, drug_id, patient, cov, kb, f_state)
    for field_name, key, unit in (("weight_kg", "weight", "kg"), ("age_years", "age", "y")):
        value = getattr(patient, field_name)
        if value is None:
            continue
        rows = cov[cov.covariate == key]
        if rows.empty:
            raise _cannot(drug_id, field_name, kb)
        _continuous(effects, rows, key, value, unit)
    if patient.sex:
        rows = cov[cov.covariate == "sex"]
        if rows.empty:
            raise _cannot(drug_id, "sex", kb)
        _categorical(effects, rows[rows.level == patient.sex], "sex", patient.sex, f_state)
    if "shift" in f_state:
        base = f_state["base"]
        factor = _expit(base + f_state["shift"]) / _expit(base)
        effects.f_factor *= factor
        effects.rows.append(
            {
                "covariate": "bioavailability",
                "patient_value": f"logit F {base:+.3f} {f_state['shift']:+.3f}",
                "parameter": "F",
                "factor": factor,
                "form": "logit_f_shift (summed)",
                "source": "see the logit-F rows above",
                "quality": "derived",
                "flag": "",
                "note": f"F {_expit(base):.3f} -> {_expit(base + f_state['shift']):.3f}",
            }
        )
    table = pd.DataFrame(
        effects.rows,
        columns=[
            "covariate",
            "patient_value",
            "parameter",
            "factor",
            "form",
            "source",
            "quality",
            "flag",
            "note",
        ],
    )
    table.insert(0, "drug", drug_id)
    return dict(effects.factors), effects.f_factor, table


def apply_patient(model, patient: Patient, kb: KnowledgeBase | None = None, regimens=None):
    """The PK model adjusted for a patient, and the effects applied (a DataFrame).

    Clearances and volumes are multiplied by their factors; a change in bioavailability scales
    the dose (``dose_fraction``). The model's ``patient_note`` summarises flags.
    """
    kb = kb or load_kb()
    if patient is None or patient.is_typical:
        return model, pd.DataFrame()
    if model.observed:
        raise PatientError(
            f"{model.drug_id} {model.formulation} is modelled by an observed plasma level: "
            "patient covariates cannot be applied"
        )
    factors, f_factor, table = covariate_effects(model.drug_id, patient, kb)
    params = dict(model.params)
    for p, f in factors.items():
        if p in params:
            params[p] = params[p] * f
    flags = [f for f in table.flag if f]
    note = f"patient: {patient.describe()}"
    if flags:
        note += " [" + "; ".join(dict.fromkeys(flags)) + "]"
    adjusted = replace(
        model,
        params=params,
        dose_fraction=model.dose_fraction * f_factor,
        patient_note=note,
    )
    table["auc_ratio_vs_typical"] = f_factor / factors.get("CL_F", 1.0)
    return adjusted, table


def auc_ratio(drug: str, patient: Patient, kb: KnowledgeBase | None = None) -> float:
    """Predicted AUC ratio (patient / typical patient) of a linear model: F ratio / CL ratio."""
    factors, f_factor, _ = covariate_effects(drug, patient, kb)
    return f_factor / factors.get("CL_F", 1.0)


# --- label dose recommendations ---------------------------------------------------------------
def label_recommendations(
    drug: str, patient: Patient, kb: KnowledgeBase | None = None
) -> list[str]:
    """The label's dose recommendations that apply to this patient (with their sources)."""
    kb = kb or load_kb()
    drug_id = kb.drug_names.resolve(drug)
    recs = kb.pk_dose_recommendations[kb.pk_dose_recommendations.drug_id == drug_id]
    classes: set[str] = set()
    for name in patient.interacting_drugs:
        classes |= set(resolve_interacting_drug(name, kb)[1])
    out = []
    for r in recs.itertuples():
        hit = False
        if r.egfr_low == r.egfr_low and patient.egfr is not None:
            hit = r.egfr_low <= patient.egfr < r.egfr_high
        elif r.crcl_low == r.crcl_low and (patient.crcl is not None or patient.egfr is not None):
            x = patient.crcl if patient.crcl is not None else patient.egfr
            hit = r.crcl_low <= x <= r.crcl_high
        elif r.child_pugh:
            hit = patient.child_pugh == r.child_pugh
        elif r.interaction_class:
            hit = all(c in classes for c in r.interaction_class.split("+"))
        elif r.cyp2c19:
            hit = patient.cyp2c19 == r.cyp2c19
        if hit:
            out.append(
                f"label: {drug_id} {r.recommendation} ({r.condition}; {r.source_ids} @ "
                f"{r.location})"
            )
    return out


# --- check against label statements -----------------------------------------------------------
def _patient_of(row) -> Patient:
    return Patient(
        egfr=None if row.egfr != row.egfr else float(row.egfr),
        crcl=None if row.crcl != row.crcl else float(row.crcl),
        child_pugh=row.child_pugh or None,
        interacting_drugs=(row.with_drug,) if row.with_drug else (),
        cyp2c19=row.cyp2c19 or None,
    )


def auc_ratio_check(kb: KnowledgeBase | None = None, tolerance: float = 0.25) -> pd.DataFrame:
    """Predicted vs label AUC ratios for interaction and impairment statements.

    A row is ``independent`` unless the covariate effect used IS a label AUC ratio, was
    derived from the compared figure (its source is among the figure's sources), is a popPK
    term for that very perpetrator (estimated from its interaction study), or the figure is for
    another analyte than the model predicts (the parent).
    """
    kb = kb or load_kb()
    rows = []
    for r in kb.pk_auc_ratios.itertuples():
        base = {
            "drug": r.drug_id,
            "formulation": "",
            "dose_mg": np.nan,
            "interval_h": np.nan,
            "state": "",
            "metric": "auc_ratio",
            "unit": "ratio",
            "observed": r.observed_auc_ratio,
            "observed_range": "",
            "population": r.population,
            "source": f"{r.source_ids} @ {r.location}",
            "condition": r.statement,
        }
        try:
            patient = _patient_of(r)
            factors, f_factor, table = covariate_effects(r.drug_id, patient, kb)
            pred = f_factor / factors.get("CL_F", 1.0)
            sources = set(r.source_ids.split(";"))
            used_sources = {
                s.strip()
                for cell in table.source
                for part in str(cell).split(";")
                for s in [part.split("@")[0]]
            }
            label_ratio = (table.form == "auc_ratio").any()
            derived_from_it = bool(sources & used_sources) and (table.quality == "derived").any()
            # a popPK term for this very perpetrator was estimated from its interaction study
            perpetrator = (
                resolve_interacting_drug(r.with_drug, kb)[0]
                if isinstance(r.with_drug, str) and r.with_drug
                else None
            )
            same_study = perpetrator is not None and bool(
                (
                    (table.covariate == f"with {perpetrator}")
                    & (table.patient_value == perpetrator)
                ).any()
            )
            # a figure for another analyte (abrocitinib's active moiety) cannot test a model
            # that predicts the parent: shown, not counted as a check
            comparable = r.analyte == "parent"
            independent = not label_ratio and not derived_from_it and not same_study and comparable
            ratio = pred / r.observed_auc_ratio
            within = bool(abs(ratio - 1.0) <= tolerance)
            notes = []
            if label_ratio:
                notes.append("covariate effect IS a label AUC ratio (not an independent check)")
            if derived_from_it:
                notes.append("covariate effect derived from this figure")
            if same_study:
                notes.append(
                    f"popPK term for {perpetrator} itself, estimated from its interaction study "
                    "(not an independent check)"
                )
            if not comparable:
                notes.append(
                    f"figure is the {r.analyte.replace('_', ' ')}; the model predicts the parent "
                    "(not comparable: not an independent check)"
                )
            flags = [f for f in table.flag if f]
            if flags:
                notes.append("; ".join(dict.fromkeys(flags)))
            if not within:
                notes.append(_auc_miss_reason(r, table))
            if isinstance(r.note, str) and r.note.strip():
                notes.append(f"data: {r.note.strip()}")
            rows.append(
                {
                    **base,
                    "model": "covariate effects: "
                    + "; ".join(
                        f"{c} {p} x{f:.3g}"
                        for c, p, f in zip(
                            table.covariate, table.parameter, table.factor, strict=True
                        )
                        if f == f
                    ),
                    "predicted": pred,
                    "ratio": ratio,
                    "within_25pct": within,
                    "independent": independent,
                    "note": "; ".join(n for n in notes if n),
                }
            )
        except (PatientError, LookupError) as exc:
            rows.append(
                {
                    **base,
                    "model": "",
                    "predicted": np.nan,
                    "ratio": np.nan,
                    "within_25pct": False,
                    "independent": False,
                    "note": str(exc)
                    + (
                        f"; data: {r.note.strip()}"
                        if isinstance(r.note, str) and r.note.strip()
                        else ""
                    ),
                }
            )
    return pd.DataFrame(rows)


def _auc_miss_reason(row, table: pd.DataFrame) -> str:
    """Why a predicted AUC ratio can miss the label's."""
    forms = set(table.form)
    if "renal_fraction" in forms:
        extrapolated = any("outside the studied range" in str(f) for f in table.flag)
        return (
            "the renal term scales only the renal part of CL/F with eGFR; the larger observed "
            "increase implies non-renal clearance also falls in renal impairment"
            + (" (and the fitted cohort's eGFR range did not reach it)" if extrapolated else "")
            + ("" if row.analyte == "parent" else "; renally cleared active metabolites too")
        )
    if any("Rowland" in f for f in forms):
        return (
            "mechanistic prediction from fm and the FDA class threshold of the perpetrator: "
            "the named perpetrator's real strength (and induction of other pathways or "
            "transporters) differs from the class threshold"
        )
    if "logit_f_shift" in forms or "factor" in forms:
        return "popPK effect on the parent vs a label figure for another analyte or study"
    return "prediction from the covariate model differs from the label figure"


def summarise(patient: Patient | None) -> str:
    """Text for outputs."""
    return "typical patient" if patient is None else patient.describe()


def patient_from_options(
    egfr: float | None = None,
    crcl: float | None = None,
    child_pugh: str | None = None,
    with_drugs: Sequence[str] | None = None,
    cyp2c19: str | None = None,
    weight_kg: float | None = None,
    age_years: float | None = None,
    sex: str | None = None,
) -> Patient | None:
    """A Patient from CLI/HTTP options, or None when none is given."""
    p = Patient(
        egfr=egfr,
        crcl=crcl,
        child_pugh=child_pugh,
        interacting_drugs=tuple(with_drugs or ()),
        cyp2c19=cyp2c19,
        weight_kg=weight_kg,
        age_years=age_years,
        sex=sex,
    )
    return None if p.is_typical else p


def patient_exposure(
    drug: str,
    regimen,
    patient: Patient | None = None,
    *,
    kb: KnowledgeBase | None = None,
) -> pd.DataFrame:
    """Steady-state exposure of a regimen for a patient next to the typical patient.

    A public entry point for callers outside the exposure layer (ranking, reports): one row per
    regimen and analyte with Cmax, Cmin and Cavg over the dosing interval (total and unbound,
    nM), the AUC ratio patient/typical, the effects applied and the label's recommendation.

    Args:
        drug: name, brand or code.
        regimen: regimen text, Regimen, or a list of either.
        patient: the patient (None: typical patient only).
        kb: knowledge base.
    """
    from jakpath.exposure.model import simulate

    kb = kb or load_kb()
    typical = simulate(drug, regimen, step_h=0.05, kb=kb)
    own = simulate(drug, regimen, step_h=0.05, kb=kb, patient=patient) if patient else typical
    rows = []
    for (idx, analyte), g in own.groupby(["regimen_index", "analyte"], sort=True):
        t = typical[(typical.regimen_index == idx) & (typical.analyte == analyte)]
        tau = float(g.time_h.max() - g.time_h.min()) or 24.0
        cavg = float(np.trapezoid(g.conc_total_nM, g.time_h) / tau)
        cavg_t = float(np.trapezoid(t.conc_total_nM, t.time_h) / tau)
        fu = g.conc_unbound_nM.iloc[0] / g.conc_total_nM.iloc[0] if g.conc_total_nM.iloc[0] else 0
        rows.append(
            {
                "drug": g.drug.iloc[0],
                "regimen": g.regimen.iloc[0],
                "formulation": g.formulation.iloc[0],
                "analyte": analyte,
                "pk_model": g.pk_model.iloc[0],
                "patient": summarise(patient),
                "cmax_total_nM": float(g.conc_total_nM.max()),
                "cmin_total_nM": float(g.conc_total_nM.min()),
                "cavg_total_nM": cavg,
                "cavg_unbound_nM": cavg * fu,
                "cavg_typical_total_nM": cavg_t,
                "auc_ratio_vs_typical": cavg / cavg_t if cavg_t else np.nan,
                "label_recommendation": (
                    g.label_recommendation.iloc[0] if "label_recommendation" in g else ""
                ),
            }
        )
    out = pd.DataFrame(rows)
    out.attrs["patient_effects"] = own.attrs.get("patient_effects", pd.DataFrame())
    out.attrs["data_version"] = kb.version
    return out
