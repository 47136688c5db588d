"""Analysis takes results and returns tables or figures; it never runs the model."""
