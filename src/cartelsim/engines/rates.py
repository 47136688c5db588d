"""The L1 rate laws of the published cartel-population model, in plain NumPy.

For group i with C_i members and TC = sum_j C_j (Prieto-Curiel, Campedelli & Hope 2023):

    recruits     r_i = rho C_i
    incapacitated a_i = eta C_i / TC
    killed       d_i = theta C_i (M C)_i,  M_ij = (W^R_ij + 1) / (s^A_i + 1),  M_ii = 0
    exits        x_i = omega C_i^2

M is dense, but it is a sparse rivalry part plus a rank-one part, so
(M C)_i = (sum_j W^R_ij C_j + TC - C_i) / (s^A_i + 1) costs O(edges + groups).
These functions are the readable reference; `kernels` does the same arithmetic compiled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from cartelsim.system.model import System


@dataclass(frozen=True)
class ConflictStructure:
    """What the conflict term needs from a System, in arrays a compiled kernel can take."""

    indptr: np.ndarray  # CSR row pointers of W^R, int64 [group + 1]
    indices: np.ndarray  # CSR column indices, int64 [edges]
    weights: np.ndarray  # CSR values, float64 [edges]
    inv_alliance: np.ndarray  # 1 / (s^A_i + 1), float64 [group]

    @classmethod
    def from_system(cls, system: System) -> ConflictStructure:
        rivalry = sp.csr_array(system.rivalry, dtype=np.float64)
        rivalry.sort_indices()
        return cls(
            indptr=rivalry.indptr.astype(np.int64),
            indices=rivalry.indices.astype(np.int64),
            weights=rivalry.data.astype(np.float64),
            inv_alliance=1.0 / (system.alliance_strength + 1.0),
        )

    def dense_matrix(self) -> np.ndarray:
        """The full conflict matrix M (for tests and small systems only)."""
        n = self.inv_alliance.size
        rivalry = sp.csr_array((self.weights, self.indices, self.indptr), shape=(n, n)).toarray()
        matrix = (rivalry + 1.0) * self.inv_alliance[:, None]
        np.fill_diagonal(matrix, 0.0)
        return matrix

    def pressure(self, members: np.ndarray) -> np.ndarray:
        """(M C)_i for members shaped [..., group], using the sparse + rank-one structure."""
        n = self.inv_alliance.size
        rivalry = sp.csr_array((self.weights, self.indices, self.indptr), shape=(n, n))
        flat = members.reshape(-1, n)
        sparse_part = (rivalry @ flat.T).T
        total = flat.sum(axis=1, keepdims=True)
        return ((sparse_part + total - flat) * self.inv_alliance).reshape(members.shape)


def l1_flows(
    members: np.ndarray,
    structure: ConflictStructure,
    rho: float,
    eta: float,
    theta: float,
    omega: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Instantaneous (recruits, arrests, deaths, exits) per week for members [..., group]."""
    total = members.sum(axis=-1, keepdims=True)
    safe_total = np.where(total > 0, total, 1.0)
    recruits = rho * members
    arrests = np.where(total > 0, eta * members / safe_total, 0.0)
    deaths = theta * members * structure.pressure(members)
    exits = omega * members**2
    return recruits, arrests, deaths, exits


def l1_derivative(
    members: np.ndarray, structure: ConflictStructure, rho: float, eta: float, theta: float,
    omega: float,
) -> np.ndarray:
    """dC/dt = r - a - d - x, the right-hand side of the published ODE."""
    recruits, arrests, deaths, exits = l1_flows(members, structure, rho, eta, theta, omega)
    return recruits - arrests - deaths - exits
