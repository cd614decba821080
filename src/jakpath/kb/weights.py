"""Disease-driver weights derived from the cited ordinal ranks.

Sources describe drivers in words, not effect sizes; the curated rank records that wording
(1 = the source calls the cytokine key, central or pivotal; 2 = secondary or associated;
3 = contributory or debated). The numeric weight is a documented assumption: each rank step
halves the weight, and an ``uncertain`` driver (e.g. inferred from a related disease) is
discounted again. Weights are normalised to sum to 1 per disease.
"""

from __future__ import annotations

RANK_WEIGHTS: dict[int, float] = {1: 1.0, 2: 0.5, 3: 0.25}
"""Unnormalised weight per ordinal rank (assumption: each step down halves the weight)."""

UNCERTAIN_FACTOR = 0.5
"""Multiplier for drivers whose link to the disease is marked uncertain (assumption)."""


def raw_weight(rank: int, certainty: str) -> float:
    """Unnormalised weight of one driver from its rank and certainty."""
    weight = RANK_WEIGHTS[int(rank)]
    return weight * (UNCERTAIN_FACTOR if certainty == "uncertain" else 1.0)


def rule_text() -> str:
    """The weighting rule in words, for explanations and reports."""
    ranks = ", ".join(f"rank {r} -> {w:g}" for r, w in RANK_WEIGHTS.items())
    return (
        f"driver weight = ({ranks}) x {UNCERTAIN_FACTOR:g} if uncertain, "
        "normalised to sum to 1 over the disease's drivers"
    )
