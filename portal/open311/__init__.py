"""Open311 GeoReport v2 for disruption reports, at /open311/v2/."""
