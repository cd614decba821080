"""Dosing regimens and the text forms users type ("15 mg qd", "5mg bid", "11 mg XR")."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

FREQUENCIES_H: dict[str, float] = {
    "qd": 24.0,
    "od": 24.0,
    "daily": 24.0,
    "oncedaily": 24.0,
    "once": 24.0,
    "qday": 24.0,
    "q24h": 24.0,
    "bid": 12.0,
    "twicedaily": 12.0,
    "q12h": 12.0,
    "tid": 8.0,
    "q8h": 8.0,
    "qid": 6.0,
    "q6h": 6.0,
    "weekly": 168.0,
    "qw": 168.0,
    "qod": 48.0,
    "everyotherday": 48.0,
}
"""Dosing-interval words and abbreviations, in hours."""

DOSE_UNITS_MG: dict[str, float] = {"mg": 1.0, "g": 1000.0, "mcg": 1e-3, "ug": 1e-3, "µg": 1e-3}
"""Dose units accepted, as milligrams per unit."""

XR_WORDS = ("xr", "er", "extendedrelease", "extended", "modifiedrelease", "mr", "sr")
TOPICAL_WORDS = ("cream", "topical", "ointment")
IR_WORDS = ("ir", "immediate", "immediaterelease")


# Physical limits of a regimen (named parameters, not data). Outside the accepted range a
# regimen is refused (RegimenError: CLI exit 2, HTTP 422) with the range in the message;
# inside it but outside the usual range it is computed and flagged (Regimen.flags).
MIN_DOSE_MG = 1e-3
"""Smallest dose per administration accepted: 1 microgram, the smallest unit parsed (mcg)."""
MAX_DOSE_MG = 1e5
"""Largest dose per administration accepted: 100 g, far beyond any tablet load."""
MIN_INTERVAL_H = 0.25
"""Shortest dosing interval accepted: 15 min (more often is an infusion, not a regimen)."""
MAX_INTERVAL_H = 24.0 * 365
"""Longest dosing interval accepted: one year."""
USUAL_DOSE_MG = (0.5, 1000.0)
"""Doses outside this range are flagged: approved JAK-inhibitor doses lie within it."""
USUAL_INTERVAL_H = (4.0, 168.0)
"""Intervals outside this range (more often than q4h, rarer than weekly) are flagged."""


class RegimenError(ValueError):
    """A regimen that cannot be understood or is not physically possible."""


@dataclass(frozen=True)
class Regimen:
    """An oral or topical dosing regimen.

    Attributes:
        dose_mg: dose per administration in mg (topical: the label's amount, informative only).
        interval_h: dosing interval tau in h.
        formulation: ``IR`` (immediate release), ``XR`` (extended release) or ``topical``.
        n_doses: number of doses from time 0, or ``None`` for steady state.
        text: the text the regimen was parsed from, if any.
        formulation_given: False when the text named no formulation (``"15 mg qd"``): the
            drug's marketed formulation is then used (see
            :func:`jakpath.exposure.model.resolve_formulations`).
    """

    dose_mg: float
    interval_h: float = 24.0
    formulation: str = "IR"
    n_doses: int | None = None
    text: str = ""
    formulation_given: bool = True

    def __post_init__(self):
        for name in ("dose_mg", "interval_h"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or value != value or value <= 0:
                raise RegimenError(f"{name} must be a positive number, got {value!r}")
            if value == float("inf"):
                raise RegimenError(f"{name} must be finite, got {value!r}")
        check_limits(self.dose_mg, self.interval_h)
        if self.formulation not in ("IR", "XR", "topical"):
            raise RegimenError(f"formulation must be IR, XR or topical, got {self.formulation!r}")
        if self.n_doses is not None and (int(self.n_doses) != self.n_doses or self.n_doses < 1):
            raise RegimenError(f"n_doses must be a positive integer, got {self.n_doses!r}")

    @property
    def flags(self) -> list[str]:
        """Why this regimen is unusual (outside the usual dose or interval), if it is."""
        out = []
        if not USUAL_DOSE_MG[0] <= self.dose_mg <= USUAL_DOSE_MG[1]:
            out.append(
                f"unusual dose {self.dose_mg:g} mg (usual {USUAL_DOSE_MG[0]:g}-"
                f"{USUAL_DOSE_MG[1]:g} mg per administration); computed by linear PK"
            )
        if not USUAL_INTERVAL_H[0] <= self.interval_h <= USUAL_INTERVAL_H[1]:
            out.append(
                f"unusual interval {self.interval_h:g} h (usual {USUAL_INTERVAL_H[0]:g}-"
                f"{USUAL_INTERVAL_H[1]:g} h)"
            )
        return out

    @property
    def steady_state(self) -> bool:
        """True when the regimen is at steady state (infinitely many past doses)."""
        return self.n_doses is None

    @property
    def daily_dose_mg(self) -> float:
        """Dose per 24 h."""
        return self.dose_mg * 24.0 / self.interval_h

    def label(self) -> str:
        """Short human form, e.g. ``15 mg q24h XR``."""
        freq = {24.0: "qd", 12.0: "bid", 8.0: "tid", 6.0: "qid"}.get(
            self.interval_h, f"q{self.interval_h:g}h"
        )
        form = "" if self.formulation == "IR" else f" {self.formulation}"
        return f"{self.dose_mg:g} mg {freq}{form}"

    def with_doses(self, n_doses: int | None) -> Regimen:
        """The same regimen with another number of doses (None: steady state)."""
        return replace(self, n_doses=n_doses)


def check_limits(dose_mg: float, interval_h: float) -> None:
    """Raise :class:`RegimenError` when a dose or interval is outside physical sense."""
    if not MIN_DOSE_MG <= dose_mg <= MAX_DOSE_MG:
        raise RegimenError(
            f"dose {dose_mg:g} mg is outside the accepted range {MIN_DOSE_MG:g}-"
            f"{MAX_DOSE_MG:g} mg per administration"
        )
    if not MIN_INTERVAL_H <= interval_h <= MAX_INTERVAL_H:
        raise RegimenError(
            f"interval {interval_h:g} h is outside the accepted range {MIN_INTERVAL_H:g}-"
            f"{MAX_INTERVAL_H:g} h"
        )


_NUMBER = r"[-+]?(?:\d+(?:[.,]\d*)?|\.\d+)(?:e[-+]?\d+)?"
_DOSE = re.compile(rf"^\s*(?P<dose>{_NUMBER}|[^\s\d]*\S*?)\s*(?P<unit>[a-zµ]*)\b", re.I)
_EVERY = re.compile(rf"(?:every|q)\s*(?P<n>{_NUMBER})\s*(?P<u>h|hr|hrs|hours?|d|days?)\b", re.I)


def _compact(s: str) -> str:
    return re.sub(r"[\s\-_.]+", "", s.casefold())


def parse_regimen(text: str | Regimen, *, n_doses: int | None = None) -> Regimen:
    """Parse a regimen typed by a user.

    Accepts a dose with a unit (mg, g, mcg) followed by a frequency word (qd, bid, tid,
    daily, twice daily, weekly), an interval ("every 24h", "q12h", "every 2 days") and
    optionally a formulation word (XR/ER, cream). Without a frequency, once daily is assumed.

    Raises:
        RegimenError: the dose is missing, zero, negative or not a number; the unit or the
            frequency is unknown.
    """
    if isinstance(text, Regimen):
        return text if n_doses is None else text.with_doses(n_doses)
    if not isinstance(text, str) or not text.strip():
        raise RegimenError("empty regimen: give a dose and interval, e.g. '15 mg qd'")
    raw = text.strip()
    match = re.match(rf"^\s*(?P<dose>{_NUMBER})\s*(?P<unit>[a-zµ]+)?(?P<rest>.*)$", raw, re.I)
    if not match:
        head = raw.split()[0]
        raise RegimenError(
            f"regimen {raw!r}: the dose {head!r} is not a number (expected e.g. '15 mg qd')"
        )
    dose = float(match["dose"].replace(",", "."))
    unit = (match["unit"] or "").casefold()
    rest = match["rest"]
    if not unit:
        raise RegimenError(
            f"regimen {raw!r}: the dose has no unit; use one of {', '.join(DOSE_UNITS_MG)}"
        )
    if unit not in DOSE_UNITS_MG:
        # a unit glued to a frequency ("mgbid") or an unknown unit ("mL")
        known = [
            u
            for u in DOSE_UNITS_MG
            if unit.startswith(u) and _compact(unit[len(u) :]) in FREQUENCIES_H
        ]
        if known:
            rest = unit[len(known[0]) :] + " " + rest
            unit = known[0]
        else:
            raise RegimenError(
                f"regimen {raw!r}: unknown dose unit {unit!r}; use one of "
                f"{', '.join(DOSE_UNITS_MG)}"
            )
    if dose <= 0:
        raise RegimenError(f"regimen {raw!r}: the dose must be positive, got {dose:g}")
    dose_mg = dose * DOSE_UNITS_MG[unit]

    interval_h: float | None = None
    every = _EVERY.search(rest)
    if every:
        n = float(every["n"].replace(",", "."))
        if n <= 0:
            raise RegimenError(f"regimen {raw!r}: the interval must be positive")
        interval_h = n * (24.0 if every["u"].lower().startswith("d") else 1.0)
        rest = rest[: every.start()] + rest[every.end() :]
    words = [w for w in re.split(r"[\s,;/]+", rest) if w]
    formulation = "IR"
    formulation_given = False
    leftovers = []
    compact_rest = _compact(rest)
    for key, hours in sorted(FREQUENCIES_H.items(), key=lambda kv: -len(kv[0])):
        if interval_h is None and key in compact_rest and len(key) > 4:
            interval_h = hours
            compact_rest = compact_rest.replace(key, "")
    for w in words:
        cw = _compact(w)
        if cw in FREQUENCIES_H:
            if interval_h is None:
                interval_h = FREQUENCIES_H[cw]
        elif cw in XR_WORDS:
            formulation, formulation_given = "XR", True
        elif cw in IR_WORDS:
            formulation, formulation_given = "IR", True
        elif cw in TOPICAL_WORDS:
            formulation, formulation_given = "topical", True
        elif cw in (
            "po",
            "oral",
            "orally",
            "tablet",
            "tablets",
            "a",
            "day",
            "per",
            "once",
            "twice",
            "daily",
            "every",
            "other",
            "weekly",
            "release",
            "extended",
            "modified",
            "times",
        ):
            continue
        else:
            leftovers.append(w)
    if leftovers:
        raise RegimenError(
            f"regimen {raw!r}: did not understand {' '.join(leftovers)!r}; frequencies known: "
            f"{', '.join(sorted(set(FREQUENCIES_H)))}, or 'every N h'"
        )
    return Regimen(
        dose_mg=dose_mg,
        interval_h=interval_h or 24.0,
        formulation=formulation,
        n_doses=n_doses,
        text=raw,
        formulation_given=formulation_given,
    )
