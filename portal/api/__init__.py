"""The JSON API (open data) under /api/v1/ and its documentation at /api/."""
