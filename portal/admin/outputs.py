"""Daily output entry and CSV import."""
