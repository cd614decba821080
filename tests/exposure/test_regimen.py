"""Regimen text forms users type, and the errors for what cannot be a regimen."""

import pytest

from jakpath.exposure.regimen import Regimen, RegimenError, parse_regimen


@pytest.mark.parametrize(
    "text,dose,interval,form",
    [
        ("15 mg qd", 15, 24, "IR"),
        ("5mg bid", 5, 12, "IR"),
        ("200 mg every 24h", 200, 24, "IR"),
        ("11 mg XR", 11, 24, "XR"),
        ("10 mg twice daily", 10, 12, "IR"),
        ("5 mg q12h", 5, 12, "IR"),
        ("1.5 g every 2 days", 1500, 48, "IR"),
        ("15mgqd", 15, 24, "IR"),
        ("500 mcg tid", 0.5, 8, "IR"),
        ("15 mg once daily extended release", 15, 24, "XR"),
    ],
)
def test_accepted_forms(text, dose, interval, form):
    r = parse_regimen(text)
    assert (r.dose_mg, r.interval_h, r.formulation) == (dose, interval, form)
    assert r.steady_state


@pytest.mark.parametrize(
    "text,fragment",
    [
        ("0 mg qd", "positive"),
        ("-5 mg bid", "positive"),
        ("abc mg", "not a number"),
        ("15 mL qd", "unknown dose unit"),
        ("15 mg fortnightly", "did not understand"),
        ("15", "no unit"),
        ("", "empty"),
        ("15 mg every 0 h", "positive"),
    ],
)
def test_rejected_with_clear_message(text, fragment):
    with pytest.raises(RegimenError, match=fragment):
        parse_regimen(text)


def test_regimen_object_checks_values():
    with pytest.raises(RegimenError):
        Regimen(dose_mg=float("nan"))
    with pytest.raises(RegimenError):
        Regimen(dose_mg=5, interval_h=0)
    with pytest.raises(RegimenError):
        Regimen(dose_mg=5, n_doses=0)
