"""The research-use notice every interface shows (one text, one place)."""

DISCLAIMER = (
    "jakpath is a research and decision-support tool, not medical advice. Every number cites "
    "its source; verify it before clinical use."
)

SHORT_DISCLAIMER = "Research and decision support, not medical advice."
"""The notice where space is short: figure footers, API envelopes, CSV downloads."""


NOTICE_HEADER = "X-Jakpath-Notice"
"""HTTP header carrying the short notice on downloads that have no room for it (CSV)."""


def figure_footer(version: str) -> str:
    """The footer every figure carries: data version and the short notice.

    >>> figure_footer("2026.1")
    'jakpath data 2026.1. Research and decision support, not medical advice.'
    """
    return f"jakpath data {version}. {SHORT_DISCLAIMER}"
