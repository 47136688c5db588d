"""One L1 rate law, two evaluations: the world step's over live groups and lineages
(`world.flows.rates_net`) against the dense one of the published model's engines
(`engines.kernels._rates_net`). Both call the one rate law, `kernels.group_flows`; the loops
around it stay two (one shared per-group writer made the dense loop about 1.4x slower,
BENCHMARKS.md), so this test holds them together."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from cartelsim.engines.kernels import _rates_net
from cartelsim.params.catalogue import Params
from cartelsim.world.flows import rates_net
from cartelsim.world.params import (
    P_ENTRANT_RIVALRY,
    P_OMEGA,
    P_RHO,
    P_SPLINTER_RIVALRY,
    P_THETA,
)
from cartelsim.world.run import base_structure, parameter_vector


def _world(members, live, root, base, p, eta, coef, inv_alliance, keep=True, local=None):
    indptr, indices, weights, n_base, _ = base
    cap = members.size
    local = np.zeros(cap, dtype=np.bool_) if local is None else local
    net, comps, sums = np.zeros(cap), np.zeros((4, cap)), np.zeros(5)
    rates_net(members, live, live.size, root, local, n_base, indptr, indices, weights,
              inv_alliance, p, eta, coef, np.zeros(n_base), np.zeros(n_base), np.zeros(n_base),
              net, comps, sums, keep)
    return net, comps, sums


def _dense(members, matrix, p, eta, coef, inv_alliance):
    csr = sp.csr_array(matrix)
    csr.sort_indices()
    n = members.size
    net, comps, sums = np.zeros(n), np.zeros((4, n)), np.zeros(5)
    _rates_net(members, csr.indptr.astype(np.int64), csr.indices.astype(np.int64),
               csr.data.astype(np.float64), inv_alliance, p[P_RHO], eta, p[P_THETA],
               p[P_OMEGA], coef, net, comps, sums, True)
    return net, comps, sums


def test_without_splinters_the_two_evaluations_agree_bit_for_bit(mexico) -> None:
    """Every lineage one group: the same sums in the same order, with ended groups (0
    members, not live) adding exact zeros on the dense axis."""
    base = base_structure(mexico)
    n = mexico.n_groups
    p = parameter_vector(Params.defaults())
    rng = np.random.default_rng(3)
    for trial in range(5):
        members = rng.gamma(0.6, 400.0, n)
        ended = rng.random(n) < 0.2
        members[ended] = 0.0
        coef = rng.uniform(0.5, 1.5, (3, n)) if trial else np.ones((3, n))
        inv_alliance = 1.0 / (base[4] * rng.uniform(0.5, 2.0, n) + 1.0)
        ours = _world(members, np.flatnonzero(~ended), np.arange(n), base, p, 7.5, coef,
                      inv_alliance)
        theirs = _dense(members, mexico.rivalry, p, 7.5, coef, inv_alliance)
        live = ~ended
        np.testing.assert_array_equal(ours[0][live], theirs[0][live])
        np.testing.assert_array_equal(ours[1][:, live], theirs[1][:, live])
        np.testing.assert_array_equal(ours[2], theirs[2])
        assert ours[2][2] > 0.0 and ours[2][4] > 0.0


def _lineages(mexico, p, roots, local, seed):
    """Random members and multipliers for groups with these roots, and the explicit matrix
    of the lineage rule: W_base between lineages; within one, entrant_rivalry where either
    group is local, splinter_rivalry otherwise."""
    rng = np.random.default_rng(seed)
    cap = roots.size
    members = rng.gamma(0.6, 400.0, cap)
    coef = rng.uniform(0.5, 1.5, (3, cap))
    inv_alliance = rng.uniform(0.3, 1.0, cap)
    w_base = mexico.rivalry.toarray() if sp.issparse(mexico.rivalry) else mexico.rivalry
    matrix = w_base[np.ix_(roots, roots)].astype(float)
    same = roots[:, None] == roots[None, :]
    either_local = local[:, None] | local[None, :]
    matrix[same & ~either_local] = p[P_SPLINTER_RIVALRY]
    matrix[same & either_local] = p[P_ENTRANT_RIVALRY]
    np.fill_diagonal(matrix, 0.0)
    return members, coef, inv_alliance, matrix, w_base[np.ix_(roots, roots)]


def test_splinters_meet_the_lineage_rule(mexico) -> None:
    """Splinters of a lineage: the world's O(edges + groups) evaluation equals the dense
    one on the explicit matrix W(a, b) = W_base(root a, root b), splinter_rivalry within a
    lineage (to rounding: the sums are taken in another order)."""
    base = base_structure(mexico)
    n = mexico.n_groups
    p = parameter_vector(Params.defaults())
    roots = np.concatenate([np.arange(n), [0, 0, 1, 5, 0]])  # five splinters
    local = np.zeros(roots.size, dtype=np.bool_)
    members, coef, inv_alliance, matrix, between = _lineages(mexico, p, roots, local, 8)
    ours = _world(members, np.arange(roots.size), roots, base, p, 7.5, coef, inv_alliance)
    theirs = _dense(members, matrix, p, 7.5, coef, inv_alliance)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    assert p[P_SPLINTER_RIVALRY] > 0.0 and not np.allclose(
        ours[2][2], _dense(members, between, p, 7.5, coef, inv_alliance)[2][2], rtol=1e-6)


def test_local_groups_meet_their_lineage_at_the_entrant_rivalry(mexico) -> None:
    """Splinters and local groups (entrants and a splinter of one) in three lineages: the
    world's evaluation equals the dense one on the explicit matrix, where two groups of a
    lineage fight at entrant_rivalry if either is local and at splinter_rivalry otherwise."""
    base = base_structure(mexico)
    n = mexico.n_groups
    p = parameter_vector(Params.defaults())
    p[P_ENTRANT_RIVALRY] = 2.5
    roots = np.concatenate([np.arange(n), [0, 0, 0, 1, 5, 5]])
    local = np.zeros(roots.size, dtype=np.bool_)
    local[[n + 1, n + 2, n + 5]] = True  # two local groups of lineage 0, one of lineage 5
    members, coef, inv_alliance, matrix, _ = _lineages(mexico, p, roots, local, 11)
    everyone = np.arange(roots.size)
    ours = _world(members, everyone, roots, base, p, 7.5, coef, inv_alliance, local=local)
    theirs = _dense(members, matrix, p, 7.5, coef, inv_alliance)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    settled = _world(members, everyone, roots, base, p, 7.5, coef, inv_alliance)
    assert not np.allclose(ours[1][2], settled[1][2], rtol=1e-6)  # the weight matters
