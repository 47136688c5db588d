"""The L1 rate laws (engines.rates), strength ranks and the Zipf initial allocation.

Every expected value here is computed independently of the code under test: dense NumPy
matrices built straight from the System's W^R and W^A, or numbers worked out by hand.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from cartelsim.engines.initial import zipf_shares, zipf_sizes
from cartelsim.engines.rates import ConflictStructure, l1_derivative, l1_flows
from cartelsim.params.catalogue import Params

RHO, ETA, THETA, OMEGA = 2.527474e-3, 110.0, 1.549231e-8, 4e-8  # published values (F18)


def dense_conflict_matrix(system) -> np.ndarray:
    """M_ij = (W^R_ij + 1) / (s^A_i + 1), M_ii = 0, from the System's dense matrices only."""
    rivalry = system.rivalry.toarray()
    alliance = system.alliance.toarray()
    s_alliance = alliance.sum(axis=1)
    n = rivalry.shape[0]
    matrix = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            matrix[i, j] = 0.0 if i == j else (rivalry[i, j] + 1.0) / (s_alliance[i] + 1.0)
    return matrix


# --- conflict pressure (M C) ---------------------------------------------------------------


def test_pressure_tiny_system_by_hand(three_groups):
    structure = ConflictStructure.from_system(three_groups)
    members = np.array([10.0, 20.0, 30.0])
    # (M C)_A = 3*20 + 1*30 = 90; (M C)_B = 1.5*10 + 0.5*30 = 30; (M C)_C = 0.5*10 + 0.5*20 = 15
    np.testing.assert_allclose(structure.pressure(members), [90.0, 30.0, 15.0], rtol=1e-14)
    by_hand = np.array([[0.0, 3.0, 1.0], [1.5, 0.0, 0.5], [0.5, 0.5, 0.0]])
    np.testing.assert_allclose(dense_conflict_matrix(three_groups), by_hand, rtol=1e-15)
    np.testing.assert_allclose(structure.dense_matrix(), by_hand, rtol=1e-15)


def test_pressure_tiny_system_random_batches(three_groups):
    structure = ConflictStructure.from_system(three_groups)
    matrix = dense_conflict_matrix(three_groups)
    rng = np.random.default_rng(1)
    members = rng.uniform(0, 1000, size=(2, 4, 3))  # any leading shape [..., group]
    expected = np.einsum("ij,abj->abi", matrix, members)
    np.testing.assert_allclose(structure.pressure(members), expected, rtol=1e-13)


def test_pressure_bacrim_equals_dense(bacrim_system):
    structure = ConflictStructure.from_system(bacrim_system)
    matrix = dense_conflict_matrix(bacrim_system)
    assert (bacrim_system.rivalry.nnz > 0) and (bacrim_system.alliance.nnz > 0)
    np.testing.assert_allclose(structure.dense_matrix(), matrix, rtol=1e-14, atol=0)
    rng = np.random.default_rng(2023)
    members = rng.exponential(800.0, size=(6, bacrim_system.n_groups))
    expected = members @ matrix.T  # row r: M @ C_r
    got = structure.pressure(members)
    assert got.shape == members.shape
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    np.testing.assert_allclose(structure.pressure(members[0]), matrix @ members[0], rtol=1e-12)


# --- flows ----------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["tiny", "bacrim"])
def test_l1_flows_formulas(which, three_groups, bacrim_system):
    system = three_groups if which == "tiny" else bacrim_system
    structure = ConflictStructure.from_system(system)
    matrix = dense_conflict_matrix(system)
    rng = np.random.default_rng(7)
    members = rng.uniform(1, 5000, size=(3, system.n_groups))
    recruits, arrests, deaths, exits = l1_flows(members, structure, RHO, ETA, THETA, OMEGA)
    total = members.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(recruits, RHO * members, rtol=1e-15)
    np.testing.assert_allclose(arrests, ETA * members / total, rtol=1e-14)
    np.testing.assert_allclose(deaths, THETA * members * (members @ matrix.T), rtol=1e-12)
    np.testing.assert_allclose(exits, OMEGA * members**2, rtol=1e-15)
    # arrests are shared out: eta in total per run and week
    np.testing.assert_allclose(arrests.sum(axis=1), ETA, rtol=1e-13)
    derivative = l1_derivative(members, structure, RHO, ETA, THETA, OMEGA)
    np.testing.assert_allclose(derivative, recruits - arrests - deaths - exits, rtol=1e-15)


def test_l1_flows_tiny_by_hand(three_groups):
    structure = ConflictStructure.from_system(three_groups)
    members = np.array([10.0, 20.0, 30.0])
    recruits, arrests, deaths, exits = l1_flows(members, structure, 0.1, 60.0, 1e-3, 1e-2)
    np.testing.assert_allclose(recruits, [1.0, 2.0, 3.0])
    np.testing.assert_allclose(arrests, [10.0, 20.0, 30.0])  # 60 * C / 60
    np.testing.assert_allclose(deaths, [1e-3 * 10 * 90, 1e-3 * 20 * 30, 1e-3 * 30 * 15])
    np.testing.assert_allclose(exits, [1.0, 4.0, 9.0])


def test_l1_flows_extinct_world_has_no_arrests(three_groups):
    structure = ConflictStructure.from_system(three_groups)
    flows = l1_flows(np.zeros((2, 3)), structure, RHO, ETA, THETA, OMEGA)
    for flow in flows:
        assert np.isfinite(flow).all()
        assert (flow == 0).all()


# --- strength rank and Zipf sizes ------------------------------------------------------------


def test_strength_rank_ties_keep_file_order(make_system):
    # strengths s^R + s^A: G0 = 1, G1 = 2 + 1 = 3, G2 = 2 + 1 = 3, G3 = 0, G4 = 1
    system = make_system(5, rivalries=[(1, 2, 2.0), (0, 4, 1.0)], alliances=[(1, 2, 1.0)])
    np.testing.assert_array_equal(system.rivalry_strength + system.alliance_strength,
                                  [1, 3, 3, 0, 1])
    # descending; G1 before G2 and G0 before G4 because they come first in the file
    np.testing.assert_array_equal(system.strength_rank(), [2, 0, 1, 4, 3])


def test_strength_rank_all_tied_is_file_order(make_system):
    system = make_system(4)
    np.testing.assert_array_equal(system.strength_rank(), [0, 1, 2, 3])


def test_strength_rank_bacrim(bacrim_system):
    rank = bacrim_system.strength_rank()
    n = bacrim_system.n_groups
    assert sorted(rank.tolist()) == list(range(n))  # a permutation of 0..n-1
    strength = (bacrim_system.rivalry.toarray().sum(1) + bacrim_system.alliance.toarray().sum(1))
    order = np.argsort(rank)  # group indices from strongest to weakest
    assert (np.diff(strength[order]) <= 0).all()
    for a, b in itertools.pairwise(order):
        if strength[a] == strength[b]:
            assert a < b, "ties must keep the file order"
    assert np.sum(np.diff(strength[order]) == 0) > 0, "BACRIM has ties; the test should see them"


def test_zipf_sizes_shares(make_system, bacrim_system):
    tiny = make_system(5, rivalries=[(1, 2, 2.0), (0, 4, 1.0)], alliances=[(1, 2, 1.0)])
    h5 = 1 + 1 / 2 + 1 / 3 + 1 / 4 + 1 / 5
    # ranks [2, 0, 1, 4, 3] (0-based) -> k = rank + 1 -> share (1/k) / H_5
    expected = np.array([1 / 3, 1, 1 / 2, 1 / 5, 1 / 4]) / h5
    np.testing.assert_allclose(zipf_shares(tiny), expected, rtol=1e-15)
    np.testing.assert_allclose(zipf_sizes(tiny, 1000.0), 1000.0 * expected, rtol=1e-15)

    total = Params.defaults()["initial_members"]
    sizes = zipf_sizes(bacrim_system, total)
    n = bacrim_system.n_groups
    harmonic = np.sum(1.0 / np.arange(1, n + 1))
    k = bacrim_system.strength_rank() + 1
    np.testing.assert_allclose(sizes.sum(), total, rtol=1e-13)
    np.testing.assert_allclose(sizes, total * (1.0 / k) / harmonic, rtol=1e-13)
    # the strongest group gets 115,000 / H_150 ~ 20,550 members
    assert sizes.max() == pytest.approx(total / harmonic, rel=1e-13)
