"""Policy phases (with a preview of what they change) and local holidays; city admins only."""
