"""Disease matching: rank regimens by driver coverage, indirect effects, burden and evidence."""

from jakpath.matching.explain import explain
from jakpath.matching.scoring import BURDEN_PENALTY, NoDriverDataError, rank

__all__ = ["BURDEN_PENALTY", "NoDriverDataError", "explain", "rank"]
