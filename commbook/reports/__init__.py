"""Stakeholder reports: periods, report building blocks and the Papermill runner."""
