"""Independent reference: the same PK models written as ODEs and solved with scipy."""

import numpy as np
from scipy.integrate import solve_ivp

RTOL = 1e-12
ATOL = 1e-15


def ode_concentration(
    p: dict, dose: float, tau: float, n_doses: int, t: np.ndarray, metabolite: dict | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Central (and metabolite) concentration by integrating the ODEs between dose events.

    State: depot amount, central amount, peripheral amount, metabolite amount.
    Doses: (1 - f0) * dose into the depot at each dose time + lag; f0 * dose infused at
    rate f0*dose/D1 from dose time + lag for D1 h (a bolus into central when D1 == 0).
    """
    cl, v, q, v2 = p["cl"], p["v"], p.get("q", 0.0), p.get("v2", 1.0)
    ka, lag, d1, f0 = p.get("ka", 1.0), p.get("tlag", 0.0), p.get("d1", 0.0), p.get("f0", 0.0)
    cl_m, v_m = (metabolite["cl"], metabolite["v"]) if metabolite else (1.0, 1.0)
    starts = [i * tau + lag for i in range(n_doses)]
    ends = [s + d1 for s in starts] if d1 > 0 else []
    events = sorted(set([0.0, float(t[-1]), *[e for e in starts + ends if e < t[-1]]]))

    def rate_in(tt):
        if d1 <= 0:
            return 0.0
        return sum(f0 * dose / d1 for s in starts if s <= tt < s + d1)

    def rhs(tt, y):
        depot, cen, per, met = y
        c = cen / v
        return [
            -ka * depot,
            ka * depot - cl * c - q * c + q * per / v2 + rate_in(tt),
            q * c - q * per / v2,
            cl * c - cl_m * met / v_m,
        ]

    y = np.zeros(4)
    conc = np.zeros_like(t)
    mconc = np.zeros_like(t)
    for e0, e1 in zip(events[:-1], events[1:], strict=True):
        for s in starts:
            if abs(e0 - s) < 1e-12:
                y[0] += (1 - f0) * dose
                if d1 <= 0:
                    y[1] += f0 * dose
        mask = (t >= e0) & (t <= e1)
        sol = solve_ivp(rhs, (e0, e1), y, method="DOP853", rtol=RTOL, atol=ATOL, dense_output=True)
        if mask.any():
            states = sol.sol(t[mask])
            conc[mask] = states[1] / v
            mconc[mask] = states[3] / v_m
        y = sol.y[:, -1]
    return conc, mconc
