"""The research-use notice every interface shows (one text, one place)."""

DISCLAIMER = (
    "jakpath is a research and decision-support tool, not medical advice. Every number cites "
    "its source; verify it before clinical use."
)
