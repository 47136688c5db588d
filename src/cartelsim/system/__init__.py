"""The world a simulation runs on: groups, their rivalries and alliances, national series."""
