"""A regimen's PK model, dosing and pathway inhibition as an SBML Level 3 model.

The model reproduces jakpath's closed-form exposure model (``jakpath.exposure``) as ODEs:

* compartments ``depot`` (nominal 1 L; the species there is an amount), ``central``
  (size ``V``) and, for two-compartment models, ``peripheral`` (size ``V2``);
* species ``A_depot`` (nmol) and ``C_central`` / ``C_peripheral`` (concentrations, nM);
* reactions: first-order absorption ``ka * A_depot``, elimination ``CL * C_central``,
  distribution ``Q * (C_central - C_peripheral)`` and zero-order input at rate ``R0``;
* one event per dose at ``k * tau + tlag``: the first-order fraction ``(1 - f0) * dose`` goes
  to the depot and the zero-order infusion rate ``R0`` rises by ``f0 * dose / D1``; a second
  event at ``k * tau + tlag + D1`` takes it off again (a zero-length zero-order input is a
  bolus into the central compartment at the lag time, as in the closed form);
* parameters are apparent (CL/F, V/F, ...): bioavailability is folded in, so ``F = 1``;
* per chosen pathway p, ``IC50_p`` (total-plasma scale, from ``potency_table``) and the
  assignment rule ``I_p = C_central / (C_central + IC50_p)`` (Hill coefficient 1).

Units: time in h, amounts in nmol, volumes in L, concentrations in nM. Topical models
(observed steady-state level) give a constant ``C_central``. Active metabolites are not
included (the notes say so where a drug has one). Needs ``python-libsbml``.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from pathlib import Path

from jakpath.exposure.regimen import Regimen, parse_regimen
from jakpath.extras import require
from jakpath.kb import KnowledgeBase, load_kb

XHTML = "http://www.w3.org/1999/xhtml"


class SBMLExportError(RuntimeError):
    """The SBML document failed libsbml's consistency checks."""


def _libsbml():
    return require("libsbml", "sbml", "SBML export")


@dataclass(frozen=True)
class SBMLExport:
    """What :func:`build_sbml` produced.

    Attributes:
        sbml: the SBML document as a string.
        drug_id: the drug.
        regimen: the regimen, with the number of doses simulated.
        model_id: the PK model used.
        pathways: cytokine ids with an inhibition rule.
        ic50_total_nM: the IC50 of each of those pathways.
        n_events: number of SBML events (dosing on/off).
        span_h: simulated span the dosing events cover.
        notes: caveats written into the model notes.
        data_version: knowledge-base data version.
    """

    sbml: str
    drug_id: str
    regimen: Regimen
    model_id: str
    pathways: tuple[str, ...]
    ic50_total_nM: dict[str, float]
    n_events: int
    span_h: float
    notes: tuple[str, ...]
    data_version: str


# unit id -> [(kind, exponent, scale, multiplier)]
_UNITS = {
    "hour": [("SECOND", 1, 0, 3600.0)],
    "per_hour": [("SECOND", -1, 0, 3600.0)],
    "nmol": [("MOLE", 1, -9, 1.0)],
    "nM": [("MOLE", 1, -9, 1.0), ("LITRE", -1, 0, 1.0)],
    "nmol_per_hour": [("MOLE", 1, -9, 1.0), ("SECOND", -1, 0, 3600.0)],
    "litre_per_hour": [("LITRE", 1, 0, 1.0), ("SECOND", -1, 0, 3600.0)],
    "mg": [("GRAM", 1, -3, 1.0)],
    "g_per_mol": [("GRAM", 1, 0, 1.0), ("MOLE", -1, 0, 1.0)],
}


def _sid(text: str) -> str:
    out = "".join(c if c.isalnum() or c == "_" else "_" for c in text)
    return out if out and not out[0].isdigit() else f"_{out}"


def _notes(lines: list[str]) -> str:
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    return f'<body xmlns="{XHTML}">{body}</body>'


def _check(code: int, what: str) -> None:
    lib = _libsbml()
    if code != lib.LIBSBML_OPERATION_SUCCESS:
        raise SBMLExportError(
            f"libsbml failed to {what}: {lib.OperationReturnValue_toString(code)}"
        )


class _Builder:
    def __init__(self, model_id: str):
        self.lib = _libsbml()
        self.doc = self.lib.SBMLDocument(3, 2)
        self.model = self.doc.createModel()
        self.model.setId(_sid(model_id))
        for uid, parts in _UNITS.items():
            ud = self.model.createUnitDefinition()
            ud.setId(uid)
            for kind, exp, scale, mult in parts:
                u = ud.createUnit()
                u.setKind(getattr(self.lib, f"UNIT_KIND_{kind}"))
                u.setExponent(exp)
                u.setScale(scale)
                u.setMultiplier(mult)
        self.model.setTimeUnits("hour")
        self.model.setSubstanceUnits("nmol")
        self.model.setExtentUnits("nmol")
        self.model.setVolumeUnits("litre")
        self.n_events = 0

    def math(self, formula: str):
        ast = self.lib.parseL3Formula(formula)
        if ast is None:
            raise SBMLExportError(f"cannot parse {formula!r}: {self.lib.getLastParseL3Error()}")
        return ast

    def compartment(self, cid: str, size: float, name: str) -> None:
        c = self.model.createCompartment()
        c.setId(cid)
        c.setName(name)
        c.setSpatialDimensions(3)
        c.setSize(size)
        c.setUnits("litre")
        c.setConstant(True)

    def species(self, sid: str, comp: str, *, amount: bool, constant: bool = False, value=0.0):
        s = self.model.createSpecies()
        s.setId(sid)
        s.setCompartment(comp)
        s.setHasOnlySubstanceUnits(amount)
        if amount:
            s.setInitialAmount(value)
        else:
            s.setInitialConcentration(value)
        s.setSubstanceUnits("nmol")
        s.setBoundaryCondition(constant)
        s.setConstant(constant)

    def parameter(self, pid: str, value: float, units: str, note: str = "", constant=True):
        p = self.model.createParameter()
        p.setId(pid)
        p.setValue(value)
        p.setUnits(units)
        p.setConstant(constant)
        if note:
            _check(p.setNotes(_notes([note])), f"set notes of {pid}")

    def initial_assignment(self, symbol: str, formula: str) -> None:
        ia = self.model.createInitialAssignment()
        ia.setSymbol(symbol)
        ia.setMath(self.math(formula))

    def reaction(self, rid: str, reactants, products, rate: str, reversible=False) -> None:
        r = self.model.createReaction()
        r.setId(rid)
        r.setReversible(reversible)
        for sid in reactants:
            ref = r.createReactant()
            ref.setSpecies(sid)
            ref.setStoichiometry(1.0)
            ref.setConstant(True)
        for sid in products:
            ref = r.createProduct()
            ref.setSpecies(sid)
            ref.setStoichiometry(1.0)
            ref.setConstant(True)
        kl = r.createKineticLaw()
        kl.setMath(self.math(rate))

    def event(self, eid: str, trigger: str, assignments: dict[str, str]) -> None:
        e = self.model.createEvent()
        e.setId(eid)
        e.setUseValuesFromTriggerTime(False)  # simultaneous events apply one after another
        t = e.createTrigger()
        t.setInitialValue(False)  # a dose at time 0 fires at time 0
        t.setPersistent(True)
        t.setMath(self.math(trigger))
        for var, formula in assignments.items():
            ea = e.createEventAssignment()
            ea.setVariable(var)
            ea.setMath(self.math(formula))
        self.n_events += 1

    def rule(self, variable: str, formula: str) -> None:
        r = self.model.createAssignmentRule()
        r.setVariable(variable)
        r.setMath(self.math(formula))

    def finish(self, notes: list[str]) -> str:
        _check(self.model.setNotes(_notes(notes)), "set model notes")
        self.doc.setConsistencyChecks(self.lib.LIBSBML_CAT_UNITS_CONSISTENCY, False)
        self.doc.checkConsistency()
        errors = [
            self.doc.getError(i).getMessage()
            for i in range(self.doc.getNumErrors())
            if self.doc.getError(i).getSeverity() >= self.lib.LIBSBML_SEV_ERROR
        ]
        if errors:
            raise SBMLExportError("invalid SBML: " + "; ".join(errors[:5]))
        return self.lib.writeSBMLToString(self.doc)


def doses_in_span(regimen: Regimen, days: float) -> int:
    """Number of doses given in ``[0, days)`` (the regimen's own count if it has one)."""
    if regimen.n_doses is not None:
        return int(regimen.n_doses)
    return max(1, math.ceil(days * 24.0 / regimen.interval_h - 1e-9))


def _pathway_ic50(kb, drug_id: str, pathways) -> tuple[dict[str, float], list[str]]:
    from jakpath.inhibition.pathways import resolve_pathways
    from jakpath.inhibition.potency import potency_table

    cids = resolve_pathways(kb, pathways)
    pot = potency_table(kb, drug_id).set_index("cytokine_id")
    ic50, notes = {}, []
    for cid in cids:
        value = float(pot.loc[cid, "ic50_total_nM"])
        if math.isfinite(value) and value > 0:
            ic50[cid] = value
            notes.append(
                f"IC50_{_sid(cid)} = {value:.6g} nM (total plasma), tier {pot.loc[cid, 'tier']}: "
                f"{pot.loc[cid, 'basis']}; sources {pot.loc[cid, 'sources']}"
            )
        else:
            notes.append(f"{cid}: no finite potency for {drug_id}; no inhibition rule")
    return ic50, notes


def build_sbml(
    drug: str,
    regimen,
    *,
    pathways=None,
    days: float = 7.0,
    kb: KnowledgeBase | None = None,
) -> SBMLExport:
    """The SBML model of a drug's regimen (see the module docstring).

    Args:
        drug: name, brand or code.
        regimen: regimen text or :class:`Regimen`; without a dose count, doses are given
            every interval from time 0 over ``days`` days.
        pathways: cytokine names to add inhibition rules for (default: every JAK-signalling
            cytokine with a finite potency).
        days: span the dosing events cover.
        kb: knowledge base (default: the shipped one).

    Raises:
        MissingDataError: no PK model or molecular weight for the drug.
        MissingDependencyError: ``python-libsbml`` not installed.
    """
    from jakpath import __version__
    from jakpath.exposure.model import metabolites_of, pk_model, resolve_formulations

    kb = kb or load_kb()
    drug_id = kb.drug_names.resolve(drug)
    (reg,), _ = resolve_formulations(drug, [parse_regimen(regimen)], kb)
    n_doses = doses_in_span(reg, days)
    reg = reg.with_doses(n_doses)
    model = pk_model(drug_id, reg.formulation, kb)
    ic50, potency_notes = _pathway_ic50(kb, drug_id, pathways)

    b = _Builder(f"jakpath_{drug_id}_{model.model_id}")
    b.model.setName(f"{drug_id} {reg.label()} ({model.model_id})")
    notes = [
        f"jakpath {__version__}; knowledge-base data version {kb.version}.",
        f"Drug {drug_id}, regimen {reg.label()} ({n_doses} doses every {reg.interval_h:g} h "
        f"from time 0, span {days:g} days); PK model {model.model_id} "
        f"({model.structure}, {model.absorption or 'first_order'} absorption).",
        "Units: time h, amount nmol, volume L, concentration nM (total plasma).",
        "Apparent parameters (CL/F, V/F, Q/F, V2/F): bioavailability folded in, F = 1.",
        "Inhibition I_p = C_central / (C_central + IC50_p), Hill coefficient 1.",
        *[f"{k}: {v}" for k, v in model.sources.items()],
        *potency_notes,
    ]
    if model.note:
        notes.append(model.note)
    mets = metabolites_of(drug_id, kb)
    if mets and not model.observed:
        notes.append(
            f"Active metabolite(s) {', '.join(mets)} not modelled here: jakpath's inhibition "
            "adds their contribution, this model has the parent only."
        )

    if model.observed:
        css = model.params["css_nM"]
        b.compartment("central", 1.0, "plasma (observed level)")
        b.species("C_central", "central", amount=False, constant=True, value=css)
        b.parameter("css", css, "nM", model.sources.get("css_nM", ""))
        notes.append("Topical product: constant observed steady-state plasma level.")
    else:
        p = model.pk_params(1)
        cl, v = float(p.cl_L_per_h[0]), float(p.v_L[0])
        q, v2 = float(p.q_L_per_h[0]), float(p.v2_L[0])
        ka, tlag = float(p.ka_per_h[0]), float(p.tlag_h[0])
        d1, f0 = float(p.d1_h[0]), float(p.frac_zero_order[0])
        two = q > 0
        src = model.sources
        b.parameter("CL", cl, "litre_per_hour", f"CL/F; {src.get('CL_F', '')}")
        b.parameter("V", v, "litre", f"V/F (central); {src.get('V_F', '')}")
        if two:
            b.parameter("Q", q, "litre_per_hour", f"Q/F; {src.get('Q_F', '')}")
            b.parameter("V2", v2, "litre", f"V2/F (peripheral); {src.get('V2_F', '')}")
        ka_src = src.get("ka", src.get("ka_first_order", ""))
        b.parameter("ka", ka, "per_hour", f"first-order absorption rate; {ka_src}")
        b.parameter("tlag", tlag, "hour", f"absorption lag; {src.get('tlag', '')}")
        b.parameter("D1", d1, "hour", f"zero-order input duration; {src.get('D1', '')}")
        b.parameter("f0", f0, "dimensionless", "fraction of the dose by zero-order input")
        b.parameter(
            "F",
            model.dose_fraction,
            "dimensionless",
            "dose fraction: relative bioavailability of the formulation (F_rel) times any "
            "patient effect on F; CL, V, Q, V2 are apparent (/F) on the reference basis",
        )
        b.parameter("dose_mg", reg.dose_mg, "mg", "dose per administration")
        b.parameter("mw", model.mw_g_per_mol, "g_per_mol", "free-base molecular weight")
        b.parameter("dose", 0.0, "nmol", "dose in nmol = dose_mg * 1e6 / mw")
        b.initial_assignment("dose", "F * dose_mg * 1e6 / mw")
        b.parameter("tau", reg.interval_h, "hour", "dosing interval")
        b.parameter("n_doses", float(n_doses), "dimensionless", "doses simulated")
        b.parameter("R0", 0.0, "nmol_per_hour", "zero-order input rate", constant=False)

        b.compartment("depot", 1.0, "absorption depot (amount only)")
        b.compartment("central", v, "central (plasma)")
        b.initial_assignment("central", "V")
        b.species("A_depot", "depot", amount=True)
        b.species("C_central", "central", amount=False)
        if two:
            b.compartment("peripheral", v2, "peripheral")
            b.initial_assignment("peripheral", "V2")
            b.species("C_peripheral", "peripheral", amount=False)
        if f0 < 1.0:
            b.reaction("absorption", ["A_depot"], ["C_central"], "ka * A_depot")
        if f0 > 0.0 and d1 > 0.0:
            b.reaction("zero_order_input", [], ["C_central"], "R0")
        b.reaction("elimination", ["C_central"], [], "CL * C_central")
        if two:
            b.reaction(
                "distribution",
                ["C_central"],
                ["C_peripheral"],
                "Q * C_central - Q * C_peripheral",
                reversible=True,
            )
        for k in range(n_doses):
            start = f"{k} * tau + tlag"
            on: dict[str, str] = {}
            if f0 < 1.0:
                on["A_depot"] = "A_depot + (1 - f0) * dose"
            if f0 > 0.0 and d1 > 0.0:
                on["R0"] = "R0 + f0 * dose / D1"
            elif f0 > 0.0:
                on["C_central"] = "C_central + f0 * dose / V"
            b.event(f"dose_{k + 1}", f"time >= {start}", on)
            if f0 > 0.0 and d1 > 0.0:
                b.event(f"dose_{k + 1}_end", f"time >= {start} + D1", {"R0": "R0 - f0 * dose / D1"})

    for cid, value in ic50.items():
        sid = _sid(cid)
        b.parameter(f"IC50_{sid}", value, "nM", f"{cid} IC50 on the total-plasma scale")
        b.parameter(f"I_{sid}", 0.0, "dimensionless", f"{cid} inhibition (0..1)", constant=False)
        b.rule(f"I_{sid}", f"C_central / (C_central + IC50_{sid})")

    sbml = b.finish(notes)
    return SBMLExport(
        sbml=sbml,
        drug_id=drug_id,
        regimen=reg,
        model_id=model.model_id,
        pathways=tuple(ic50),
        ic50_total_nM=ic50,
        n_events=b.n_events,
        span_h=days * 24.0,
        notes=tuple(notes),
        data_version=kb.version,
    )


def write_sbml(
    drug: str,
    regimen,
    path: str | Path,
    *,
    pathways=None,
    days: float = 7.0,
    kb: KnowledgeBase | None = None,
) -> SBMLExport:
    """Write :func:`build_sbml`'s model to ``path`` (parent directories created)."""
    export = build_sbml(drug, regimen, pathways=pathways, days=days, kb=kb)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(export.sbml, encoding="utf-8")
    return export
