"""The stochastic weekly step (Numba): integer members, flows drawn from a run's own stream.

The expected flows of a week are the deterministic ones (RK4 over the week from the current
integer state, `kernels.rk4_week`), so both engines share the rate laws and agree in the
mean. Recruits and losses are Poisson counts with those means (losses are rare per member
per week, so Poisson is the binomial's limit); total losses are capped at the members
present. An extinct group stays extinct: recruits come only through members.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange
from numba.typed import List

from cartelsim.engines.kernels import (
    MAX_RATE_PER_WEEK_RK4,
    STATUS_OK,
    STATUS_STEP,
    _fail,
    apply_schedule,
    record_week,
    rk4_week,
)

# Below this mean, Poisson counts are drawn by inversion (one uniform, about `mean` steps);
# above it, NumPy's own sampler (PTRS) is used. Numba's small-mean Poisson sampler costs
# ~400 ns a draw at mean 5 against ~15 ns for inversion (measured; see BENCHMARKS.md).
_INVERSION_MAX_MEAN = 10.0
# Losses of at most this many members are split among causes member by member.
_SPLIT_BY_MEMBER_MAX = 16


@njit(cache=True, inline="always")
def _poisson(rng, mean):  # pragma: no cover - compiled
    """A Poisson count with the given mean (exact inversion for small means)."""
    if mean <= 0.0:
        return 0
    if mean >= _INVERSION_MAX_MEAN:
        return rng.poisson(mean)
    return poisson_by_inversion(rng.random(), mean)


@njit(cache=True, inline="always")
def poisson_by_inversion(u, mean):  # pragma: no cover - compiled
    """The Poisson count with the given (small) mean whose CDF first reaches the uniform u:
    exact, about `mean` steps; shared by every engine that draws by inversion."""
    k = 0
    p = np.exp(-mean)
    cdf = p
    while u > cdf and p > 0.0:
        k += 1
        p *= mean / k
        cdf += p
    return k


@njit(cache=True, inline="always")
def _split3(rng, n, p_first, p_second):  # pragma: no cover - compiled
    """Split n members among three causes with probabilities p_first, p_second, rest."""
    if n <= _SPLIT_BY_MEMBER_MAX:
        first = 0
        second = 0
        for _ in range(n):
            u = rng.random()
            if u < p_first:
                first += 1
            elif u < p_first + p_second:
                second += 1
        return first, second
    first = rng.binomial(n, p_first)
    rest_p = 1.0 - p_first
    second = rng.binomial(n - first, min(p_second / rest_p, 1.0)) if rest_p > 0.0 else 0
    return first, second


@njit(cache=True)
def _new_rng_list(first):  # pragma: no cover - compiled
    out = List()
    out.append(first)
    return out


@njit(cache=True)
def _append_rng(generators, rng):  # pragma: no cover - compiled
    generators.append(rng)


def rng_list(generators: list[np.random.Generator]):
    """The runs' generators as a Numba typed list, so one compiled call can draw for every
    run. The list holds the same generators: draws advance their states as usual."""
    out = _new_rng_list(generators[0])
    for rng in generators[1:]:
        _append_rng(out, rng)
    return out


@njit(cache=True, parallel=True)
def stochastic_batch(members, rho, eta, theta, omega, coef, jump, indptr, indices, weights,
                     inv_alliance, t_start, weeks, rngs, totals, active, group_members,
                     group_flows, status, sched_groups, sched_coef):  # pragma: no cover
    """Advance the integer members[run, group] (in place) from week t_start by `weeks` weeks.

    Same contract as `kernels.deterministic_batch` (schedules included); run r draws only from rngs[r] and writes
    only row r, so results do not depend on threads or batching. One call per segment
    for all runs (a thread pool per segment cost far more than the weeks themselves).
    """
    for run in prange(members.shape[0]):
        r = np.int64(run)  # prange counts unsigned; typed-list indices are signed
        _stochastic_run(members[r], rho[r], eta[r], theta[r], omega[r], coef[r], jump[r],
                        indptr, indices, weights, inv_alliance, t_start, weeks, rngs[r],
                        totals, active, group_members, group_flows, r, status,
                        sched_groups, sched_coef[r])


@njit(cache=True)
def stochastic_serial(members, rho, eta, theta, omega, coef, jump, indptr, indices, weights,
                      inv_alliance, t_start, weeks, rngs, totals, active, group_members,
                      group_flows, status, sched_groups, sched_coef):  # pragma: no cover
    """`stochastic_batch` without threads: cheaper for a single run."""
    for r in range(members.shape[0]):
        _stochastic_run(members[r], rho[r], eta[r], theta[r], omega[r], coef[r], jump[r],
                        indptr, indices, weights, inv_alliance, t_start, weeks, rngs[r],
                        totals, active, group_members, group_flows, r, status,
                        sched_groups, sched_coef[r])


@njit(cache=True)
def _stochastic_run(members, rho, eta, theta, omega, coef, jump, indptr, indices, weights,
                    inv_alliance, t_start, weeks, rng, totals, active, group_members,
                    group_flows, r, status, sched_groups, sched):  # pragma: no cover - compiled
    """Advance run r's integer members[group] (in place) from week t_start by `weeks` weeks;
    `sched` is its coefficient schedule (see `kernels.deterministic_batch`)."""
    if status[r] != STATUS_OK:
        return
    n = members.size
    keep = group_members.shape[0] > 0
    expected = np.empty((4, n))
    drawn = np.zeros((4, n))
    sums = np.zeros(4)
    expected_sums = np.zeros(4)
    k_net = np.zeros((4, n))
    k_comps = np.zeros((4, 4, n))
    k_sums = np.zeros((4, 5))
    stage = np.zeros(n)
    for step in range(1, weeks + 1):
        t = t_start + step
        apply_schedule(coef, sched_groups, sched, step - 1)
        fastest = rk4_week(members, indptr, indices, weights, inv_alliance, rho, eta, theta,
                           omega, coef, k_net, k_comps, k_sums, stage, expected, expected_sums)
        if fastest > MAX_RATE_PER_WEEK_RK4:
            _fail(STATUS_STEP, totals, active, group_members, group_flows, status, r, t, keep)
            return
        for f in range(4):
            sums[f] = 0.0
        for i in range(n):
            c = members[i]
            if c <= 0.0:
                for f in range(4):
                    drawn[f, i] = 0.0
                continue
            recruits = float(_poisson(rng, expected[0, i]))
            arrest = max(expected[1, i], 0.0)
            death = max(expected[2, i], 0.0)
            leave = max(expected[3, i], 0.0)
            loss = arrest + death + leave
            # one Poisson draw for all losses, split among causes: the same distribution
            # as three independent Poisson flows (Poisson splitting), with fewer draws
            lost = min(_poisson(rng, loss), np.int64(c)) if loss > 0.0 else 0
            arrested, killed = _split3(rng, lost, arrest / loss, death / loss) if lost > 0 \
                else (0, 0)
            drawn[0, i] = recruits
            drawn[1, i] = arrested
            drawn[2, i] = killed
            drawn[3, i] = lost - arrested - killed
            members[i] = c - lost + recruits
        if step == 1:
            for i in range(n):
                drawn[1, i] += jump[i]
        for i in range(n):
            for f in range(4):
                sums[f] += drawn[f, i]
        record_week(members, drawn, sums, totals, active, group_members, group_flows, r, t,
                    keep)
