"""commbook — Jupyter workbooks to plan, run, measure and report on a community."""

__version__ = "0.1.0"
