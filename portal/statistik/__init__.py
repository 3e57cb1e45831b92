"""/statistik: output, compliance, disruptions and cost per OPD, as a page, CSV and open data."""
