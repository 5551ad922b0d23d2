"""Numbers and wordings that business rules depend on, in one place."""

from __future__ import annotations

import datetime as dt

from .choices import Rag

# What each RAG rating means, shown beside the choice on the update form and on the pages.
RAG_MEANINGS: dict[str, str] = {
    Rag.RED: "Delivery is at risk: it needs a decision, help or a recovery plan now.",
    Rag.AMBER: "Some issues or slippage, which the workstream is managing.",
    Rag.GREEN: "On track: no significant issues.",
}

# Risks are scored likelihood x impact on a 5 x 5 matrix (1 to 25).
RISK_SCALE_MIN = 1
RISK_SCALE_MAX = 5
# A score of this or more is red; of RISK_AMBER_FROM or more, amber; below that, green.
RISK_RED_FROM = 15
RISK_AMBER_FROM = 5

# Where reporting periods are counted from when a deal does not say (a Monday).
DEFAULT_REPORTING_ANCHOR = dt.date(2022, 3, 7)

# How many periods before the current one a lead may still report when they were missed: far
# enough back to close a gap in the RAG history, near enough that nobody rewrites last year.
LATE_REPORTING_PERIODS = 6
