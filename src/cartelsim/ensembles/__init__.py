"""Ensembles: many paired runs over parameter samples and scenarios, on any executor."""
