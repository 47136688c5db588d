"""The organisation engine (layer L4): members, roles and ties inside one group.

What removing a leader does inside a group - who succeeds, how ties are rewired, who is
recruited - decides whether command is interrupted for weeks or years and whether the group
heals, splits or comes back stronger. This package generates organisations, runs weekly
removal experiments on arrays, measures command reach and efficiency, and derives the
group-level leadership parameters (DESIGN.md §2 L2) with uncertainty.

    from cartelsim.organisation import removal_experiment, weeks_to_recover
    ds = removal_experiment(2000, "leader", "uncertain", weeks=260, runs=100, seed=1)
    weeks_to_recover(ds)          # per run
"""

from cartelsim.organisation.experiment import removal_experiment, weeks_to_recover
from cartelsim.organisation.structure import ROLE_NAMES, Organisation, generate

__all__ = ["ROLE_NAMES", "Organisation", "generate", "removal_experiment", "weeks_to_recover"]
