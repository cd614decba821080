"""jakpath: a cited, quantitative model of JAK inhibitors, cytokine pathways and diseases.

Research and decision support, not medical advice.

Public API::

    import jakpath
    kb = jakpath.load_kb()
    jakpath.simulate("upadacitinib", "15 mg qd")      # concentration over time
    jakpath.inhibition("tofacitinib", "5 mg bid")     # pathway x daily metric
    p = jakpath.Patient(egfr=40, interacting_drugs=("ketoconazole",))
    jakpath.simulate("tofacitinib", "5 mg bid", patient=p)  # a real patient
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("jakpath")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0+source"

from jakpath import inhibition, population  # noqa: E402  (callable subpackages)
from jakpath.exposure.model import MissingDataError, pk_model, simulate  # noqa: E402
from jakpath.exposure.patient import (  # noqa: E402
    Patient,
    PatientError,
    label_recommendations,
    patient_exposure,
)
from jakpath.exposure.regimen import Regimen, RegimenError, parse_regimen  # noqa: E402
from jakpath.inhibition.potency import potency_check, potency_table  # noqa: E402
from jakpath.kb import KnowledgeBase, UnknownNameError, load_kb  # noqa: E402
from jakpath.notice import DISCLAIMER  # noqa: E402

_LAZY = {"explain": "jakpath.matching", "rank": "jakpath.matching"}
"""Public names imported on first use: matching reads the evidence registry (SQLAlchemy), which
a plain ``import jakpath`` does not need."""


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'jakpath' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "DISCLAIMER",
    "KnowledgeBase",
    "MissingDataError",
    "Patient",
    "PatientError",
    "Regimen",
    "RegimenError",
    "UnknownNameError",
    "explain",
    "inhibition",
    "label_recommendations",
    "load_kb",
    "parse_regimen",
    "patient_exposure",
    "pk_model",
    "population",
    "potency_check",
    "potency_table",
    "rank",
    "simulate",
]
