"""Layer L2: what holds a group up (command integrity, succession, splits)."""
