"""The audit trail for staff, with filters."""
