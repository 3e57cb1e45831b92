"""OPDs, service units and staff accounts."""
