"""Named experiments that reproduce published results."""
