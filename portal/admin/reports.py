"""Triage of disruption reports by the responsible OPD."""
