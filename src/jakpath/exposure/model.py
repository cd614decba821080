"""PK models from the knowledge base, and concentration-time simulation of regimens.

A drug's chosen model for a formulation supplies apparent (/F) parameters; doses in mg are
converted to nmol with the free-base molecular weight, so concentrations come out in nM
(total plasma), then unbound (x fraction unbound) and ng/mL (x MW / 1000).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from jakpath.exposure.kernels import PKParams, metabolite_terms, single_dose_terms, superpose
from jakpath.exposure.regimen import Regimen, RegimenError, parse_regimen
from jakpath.kb import KnowledgeBase, load_kb


class MissingDataError(LookupError):
    """The knowledge base lacks data a computation needs; the message says which."""


@dataclass(frozen=True)
class PKModel:
    """A drug's PK model for one formulation, with where each parameter came from."""

    drug_id: str
    model_id: str
    formulation: str
    structure: str
    absorption: str
    params: dict[str, float]
    sources: dict[str, str]  # parameter -> "source_ids @ location (quality)"
    mw_g_per_mol: float | None
    fraction_unbound: float | None
    note: str = ""
    dose_fraction: float = 1.0
    """Factor applied to every dose: the formulation's relative bioavailability (``F_rel``,
    e.g. upadacitinib extended release 0.762 vs the IR basis of CL/F and V/F) times any
    patient effect on bioavailability."""
    patient_note: str = ""

    def dose_amount(self, dose_mg, per_mg_of_parent: bool = False):
        """Dose entering the model, in nmol (or ug of parent for a surrogate metabolite model).

        The dose in mg is multiplied by ``dose_fraction``; a surrogate metabolite model's
        parameters are per mg of parent dosed, so it takes ug (``per_mg_of_parent``).
        """
        dose = np.asarray(dose_mg, dtype=float) * self.dose_fraction
        if per_mg_of_parent:
            return dose * 1000.0
        if self.mw_g_per_mol is None:
            raise ValueError(f"{self.model_id}: no molecular weight to convert mg to nmol")
        return dose * 1e6 / self.mw_g_per_mol

    @property
    def label(self) -> str:
        """Model and formulation in words, e.g. ``upadacitinib_er_klunder2019 (XR, F_rel ...)``."""
        extra = f", F_rel {self.params['F_rel']:g} applied" if "F_rel" in self.params else ""
        return f"{self.model_id} ({self.formulation}{extra})"

    @property
    def observed(self) -> bool:
        """True for topical products modelled by their observed steady-state level."""
        return self.structure == "observed_css"

    def pk_params(self, n: int = 1) -> PKParams:
        """The model's parameters as (n,) arrays for the kernels."""
        p = self.params
        absorption = self.absorption or "first_order"
        f0 = {"zero_order": 1.0, "first_order": 0.0}.get(absorption, p.get("frac_zero_order", 0.0))
        ka = p.get("ka", p.get("ka_first_order", 1.0))
        q = p.get("Q_F", 0.0) if self.structure == "two_cmt" else 0.0
        values = dict(
            cl_L_per_h=p["CL_F"],
            v_L=p["V_F"],
            q_L_per_h=q,
            v2_L=p.get("V2_F", 1.0) if q > 0 else 1.0,
            ka_per_h=ka,
            tlag_h=p.get("tlag", 0.0),
            d1_h=p.get("D1", 0.0),
            frac_zero_order=f0,
        )
        return PKParams(**{k: np.full(n, float(v)) for k, v in values.items()})


def _fallback_formulation(models: pd.DataFrame, formulation: str) -> pd.DataFrame:
    hit = models[models.formulation == formulation]
    if len(hit) or formulation == "topical":
        return hit
    oral = models[models.formulation != "topical"]
    return oral if len(oral.formulation.unique()) == 1 else hit


def pk_model(
    drug: str, formulation: str = "IR", kb: KnowledgeBase | None = None, *, dosed: bool = True
) -> PKModel:
    """The chosen PK model of a drug for a formulation.

    If the drug has a single oral formulation with PK data (e.g. upadacitinib's extended
    release tablet), an oral request uses it and says so in ``note``.

    Args:
        drug: name, brand or code.
        formulation: IR, XR or topical.
        kb: knowledge base.
        dosed: the drug is given as such (False to fetch an active metabolite's model).

    Raises:
        UnknownNameError: unknown drug.
        MissingDataError: no PK model, or no molecular weight, for this drug; or the drug is
            a metabolite asked for as a dosed drug.
    """
    kb = kb or load_kb()
    return _pk_model(kb, kb.drug_names.resolve(drug), formulation, dosed)


@functools.lru_cache(maxsize=1024)
def _pk_model(kb: KnowledgeBase, drug_id: str, formulation: str, dosed: bool) -> PKModel:
    """:func:`pk_model` by drug id, once per knowledge base (a ranking asks ~40 times)."""
    parent = kb.drugs.loc[kb.drugs.drug_id == drug_id, "parent_drug_id"].iloc[0]
    if dosed and parent:
        raise MissingDataError(
            f"{drug_id} is an active metabolite of {parent}, not a dosed drug: simulate "
            f"{parent}, whose outputs include {drug_id}"
        )
    models = kb.pk_models[(kb.pk_models.drug_id == drug_id) & (kb.pk_models.chosen == "yes")]
    if models.empty:
        with_pk = sorted(kb.pk_models[kb.pk_models.chosen == "yes"].drug_id.unique())
        raise MissingDataError(
            f"no PK model for {drug_id} in the knowledge base; drugs with PK: {', '.join(with_pk)}"
        )
    chosen = _fallback_formulation(models, formulation)
    if chosen.empty:
        raise MissingDataError(
            f"no {formulation} PK model for {drug_id}; available formulations: "
            f"{', '.join(sorted(models.formulation.unique()))}"
        )
    row = chosen.iloc[0]
    note = ""
    if row.formulation != formulation and formulation != "topical":
        note = (
            f"{formulation} requested; {row.formulation} model used (the only oral "
            f"formulation of {drug_id} with PK data)"
        )
    par = kb.pk_parameters[kb.pk_parameters.model_id == row.model_id]
    params = {r.parameter: float(r.value) for r in par.itertuples()}
    dose_fraction = params.get("F_rel", 1.0)
    sources = {
        r.parameter: f"{r.source_ids} @ {r.location} ({r.quality})" for r in par.itertuples()
    }
    if row.structure != "observed_css":
        missing = [k for k in ("CL_F", "V_F") if k not in params]
        if row.structure == "two_cmt":
            missing += [k for k in ("Q_F", "V2_F") if k not in params]
        if missing:
            raise MissingDataError(
                f"PK model {row.model_id} of {drug_id} lacks {', '.join(missing)}"
            )
    elif "css_nM" not in params:
        raise MissingDataError(f"topical model {row.model_id} of {drug_id} lacks css_nM")
    mw = kb.chosen_property(drug_id, "mw_free_base")
    is_metabolite = bool(kb.drugs.loc[kb.drugs.drug_id == drug_id, "parent_drug_id"].iloc[0])
    if mw is None and not is_metabolite:
        raise MissingDataError(f"no free-base molecular weight for {drug_id}")
    fu = kb.chosen_property(drug_id, "fraction_unbound")
    if fu is None:
        ppb = kb.chosen_property(drug_id, "plasma_protein_binding")
        fu = None if ppb is None else 1.0 - ppb / 100.0
    return PKModel(
        drug_id,
        row.model_id,
        row.formulation,
        row.structure,
        row.absorption,
        params,
        sources,
        mw,
        fu,
        note,
        dose_fraction,
    )


def metabolites_of(drug_id: str, kb: KnowledgeBase) -> list[str]:
    """Active metabolites of a drug that have a formation PK model in the knowledge base."""
    mets = kb.drugs[(kb.drugs.parent_drug_id == drug_id) & (kb.drugs.status == "metabolite")]
    have = set(kb.pk_models[kb.pk_models.chosen == "yes"].drug_id)
    return [m for m in mets.drug_id if m in have]


def time_grid(regimen: Regimen, days: float = 1.0, step_h: float = 0.25) -> np.ndarray:
    """Times (h) for a simulation: over ``days`` days at ``step_h`` steps, both ends included."""
    n = int(round(days * 24.0 / step_h))
    return np.linspace(0.0, days * 24.0, n + 1)


def as_regimens(regimens: str | Regimen | Sequence[str | Regimen]) -> list[Regimen]:
    """One regimen or several (text or :class:`Regimen`) as a list of parsed Regimens."""
    if isinstance(regimens, str | Regimen):
        regimens = [regimens]
    return [parse_regimen(r) for r in regimens]


def concentrations_nM(
    model: PKModel,
    regimens: Sequence[Regimen],
    t: np.ndarray,
    kb: KnowledgeBase | None,
    metabolite: str | None = None,
) -> np.ndarray:
    """Total plasma concentration (n_regimens, T) in nM of the parent or one metabolite."""
    n = len(regimens)
    if model.observed:
        css = model.params["css_nM"]
        return np.full((n, t.size), css)
    p = model.pk_params(n)
    dose_nmol = model.dose_amount(np.array([r.dose_mg for r in regimens]))
    tau = np.array([r.interval_h for r in regimens])
    steady = [r.steady_state for r in regimens]
    if any(steady) and not all(steady):
        raise RegimenError("mix of steady-state and finite-dose regimens in one call")
    n_doses = None if all(steady) else np.array([float(r.n_doses or 0) for r in regimens])
    coef, rate, start, power = single_dose_terms(p, dose_nmol, np)
    if metabolite is not None:
        met = pk_model(metabolite, "IR", kb, dosed=False)
        coef, rate, start, power = metabolite_terms(
            coef,
            rate,
            start,
            power,
            p.cl_L_per_h,
            np.full(n, met.params["CL_F"]),
            np.full(n, met.params["V_F"]),
        )
        # formation is in parent nmol; molar amounts are conserved, so nM stays nM
    return superpose(coef, rate, start, power, t, tau, n_doses, np)


def metabolite_concentrations(
    model: PKModel, met: PKModel, regimens: Sequence[Regimen], t: np.ndarray, kb: KnowledgeBase
) -> tuple[np.ndarray, str]:
    """Metabolite concentration (n_regimens, T) and its unit (``nM`` or ``ng/mL``).

    Two metabolite models exist: a formation model (absorption ``none``: formed from the
    parent's elimination, apparent CLm/(fm F) and Vm/(fm F), molar, gives nM), and a
    surrogate fitted to the metabolite's own profile after a parent dose (parameters per mg
    of parent dosed, gives ng/mL of metabolite).
    """
    if met.absorption == "none":
        return concentrations_nM(model, regimens, t, kb, metabolite=met.drug_id), "nM"
    n = len(regimens)
    p = met.pk_params(n)
    # ug / L = ng/mL; the parent's dose fraction (formulation, patient F) applies
    dose_ug = model.dose_amount(np.array([r.dose_mg for r in regimens]), per_mg_of_parent=True)
    tau = np.array([r.interval_h for r in regimens])
    steady = all(r.steady_state for r in regimens)
    n_doses = None if steady else np.array([float(r.n_doses or 0) for r in regimens])
    coef, rate, start, power = single_dose_terms(p, dose_ug, np)
    return superpose(coef, rate, start, power, t, tau, n_doses, np), "ng/mL"


def marketed_formulation(drug: str, kb: KnowledgeBase) -> tuple[str, str]:
    """The formulation a drug name stands for when a regimen names none, and why.

    A brand (``Rinvoq``, ``Xeljanz XR``) means its own formulation (``approvals.csv``); a
    generic name means immediate release when an IR product is approved, otherwise the only
    marketed form (upadacitinib: the extended-release tablet; delgocitinib: the cream).
    """
    drug_id = kb.drug_names.resolve(drug)
    app = kb.approvals[kb.approvals.drug_id == drug_id]
    forms_of = app.formulation.fillna("")
    text = str(drug).strip().casefold()
    brand = app[app.brand.fillna("").str.casefold() == text]
    if len(brand) and brand.formulation.nunique() == 1:
        form = brand.formulation.iloc[0]
        return form, f"{brand.brand.iloc[0]} is the {form} product of {drug_id}"
    oral = sorted(set(forms_of[forms_of.isin(["IR", "XR"])]))
    if "IR" in oral or (not oral and "topical" not in set(forms_of)):
        return "IR", ""
    form = oral[0] if len(oral) == 1 else "topical"
    brands = ", ".join(sorted(set(app[forms_of == form].brand.dropna())))
    return form, f"{drug_id} is marketed as {form} only ({brands}): {form} model used"


def resolve_formulations(
    drug: str, regimens: Sequence[Regimen], kb: KnowledgeBase
) -> tuple[list[Regimen], list[str]]:
    """Regimens with the marketed formulation filled in where the text named none.

    Returns the regimens and, per regimen, a note saying which formulation was assumed and why
    (empty when the regimen named its formulation or the default is immediate release).
    """
    out, notes = [], []
    for r in regimens:
        if r.formulation_given:
            out.append(r)
            notes.append("")
            continue
        form, why = marketed_formulation(drug, kb)
        out.append(replace(r, formulation=form, formulation_given=True))
        notes.append(why)
    return out, notes


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


ASSUMED_FRACTION_UNBOUND = 1.0
"""Unbound fraction used when a drug's plasma protein binding is unknown (ASSUMPTION, flagged
in ``note``): unbound taken as total, as the inhibition layer does; overstates unbound levels."""

FU_UNKNOWN_NOTE = (
    "fraction unbound of {analyte} unknown: ASSUMED 1 (unbound = total; overstates unbound "
    "concentration)"
)
"""Note on every simulated row whose unbound concentration rests on that assumption."""


def simulate(
    drug: str,
    regimen,
    *,
    days: float = 1.0,
    step_h: float = 0.25,
    times_h: np.ndarray | None = None,
    kb: KnowledgeBase | None = None,
    include_metabolites: bool = True,
    patient=None,
) -> pd.DataFrame:
    """Concentration over time of a drug (and its active metabolites) for one or more regimens.

    Args:
        drug: a name, brand or code (a brand selects its formulation: ``Rinvoq`` is the
            extended-release tablet).
        regimen: a regimen text (``"15 mg qd"``), a :class:`Regimen`, or a list of either.
            A regimen without ``n_doses`` is simulated at steady state. Without a formulation
            word the marketed formulation is used (``"IR"``/``"XR"`` on request).
        days: simulated span (from a dose at time 0).
        step_h: time step of the output grid.
        times_h: explicit output times (overrides days/step).
        kb: knowledge base (default: the shipped one).
        include_metabolites: also simulate active metabolites that have a PK model.
        patient: a :class:`jakpath.exposure.patient.Patient` (renal and hepatic function,
            interacting drugs, CYP2C19 phenotype, body size); default the model's typical
            patient. The covariate effects applied are in ``attrs["patient_effects"]``.

    Returns:
        A tidy DataFrame: one row per regimen, analyte and time, with total and unbound
        concentrations in nM and ng/mL, the formulation, the model and the basis used.
        ``attrs`` carry ``data_version``, ``pk_models`` and ``formulations``.
    """
    kb = kb or load_kb()
    drug_id = kb.drug_names.resolve(drug)
    regimens, form_notes = resolve_formulations(drug, as_regimens(regimen), kb)
    frames = []
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(regimens):
        groups.setdefault(r.formulation, []).append(i)
    models_used: dict[str, str] = {}
    effects = []
    for formulation, idx in groups.items():
        regs = [regimens[i] for i in idx]
        model = pk_model(drug_id, formulation, kb)
        if patient is not None:
            from jakpath.exposure.patient import apply_patient

            model, eff = apply_patient(model, patient, kb, regimens=regs)
            effects.append(eff)
        t = times_h if times_h is not None else time_grid(regs[0], days, step_h)
        t = np.asarray(t, dtype=float)
        analytes: list[tuple[str, str | None, PKModel]] = [(drug_id, None, model)]
        if include_metabolites and not model.observed:
            analytes += [
                (m, m, pk_model(m, "IR", kb, dosed=False)) for m in metabolites_of(drug_id, kb)
            ]
        for analyte, met, amodel in analytes:
            models_used[analyte if met else drug_id + f" {formulation}"] = amodel.label
            if met is None:
                c, unit = concentrations_nM(model, regs, t, kb), "nM"
            else:
                c, unit = metabolite_concentrations(model, amodel, regs, t, kb)
            mw = amodel.mw_g_per_mol
            if not mw:
                raise MissingDataError(f"no molecular weight for {analyte}")
            if unit == "nM":
                c_nM, c_ng = c, c * mw / 1000.0
            else:
                c_ng, c_nM = c, c * 1000.0 / mw
            fu = amodel.fraction_unbound
            fu_note = ""
            if fu is None:
                fu, fu_note = ASSUMED_FRACTION_UNBOUND, FU_UNKNOWN_NOTE.format(analyte=analyte)
            for k, (j, r) in enumerate(zip(idx, regs, strict=True)):
                frames.append(
                    pd.DataFrame(
                        {
                            "drug": drug_id,
                            "regimen": r.label(),
                            "regimen_index": j,
                            "formulation": r.formulation,
                            "analyte": analyte,
                            "time_h": t,
                            "conc_total_nM": c_nM[k],
                            "conc_unbound_nM": c_nM[k] * fu,
                            "conc_total_ng_per_mL": c_ng[k],
                            "steady_state": r.steady_state,
                            "pk_model": amodel.model_id,
                            "pk_basis": (
                                "observed steady-state plasma level (topical)"
                                if model.observed
                                else "total plasma, closed form"
                                + (
                                    f"; dose x {model.dose_fraction:.3g} "
                                    "(relative bioavailability / patient F)"
                                    if model.dose_fraction != 1.0
                                    else ""
                                )
                            ),
                            "note": _join(form_notes[j], model.note, model.patient_note, fu_note),
                        }
                    )
                )
    out = pd.concat(frames, ignore_index=True)
    out.attrs["data_version"] = kb.version
    out.attrs["pk_models"] = models_used
    out.attrs["formulations"] = sorted(groups)
    if effects:
        attach_patient(out, drug_id, patient, effects, kb)
    return out


NO_LABEL_ADJUSTMENT = "no label dose adjustment for this patient in the knowledge base"


def attach_patient(out: pd.DataFrame, drug_id: str, patient, effects, kb) -> None:
    """Patient columns and attrs: who, the effects applied and the label's recommendation."""
    from jakpath.exposure.patient import label_recommendations

    recs = label_recommendations(drug_id, patient, kb)
    out["patient"] = patient.describe()
    out["label_recommendation"] = " | ".join(recs) if recs else NO_LABEL_ADJUSTMENT
    out.attrs["patient_effects"] = pd.concat(effects, ignore_index=True)
    out.attrs["label_recommendations"] = recs
