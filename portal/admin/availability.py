"""Availability editor: overrides for units x days, single cells, ranges and several units at once."""
