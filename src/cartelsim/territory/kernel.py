"""The territory sub-step of the world step: routes to the border, the flow north, and a
week's conflict deaths put into states.

Compiled, called once a week per run from `world.step` (sub-step "territory"), on the same
live groups, lineages and rivalry graph as the L1 flows.

**Routes.** Each drug's tonnes a week (fentanyl, methamphetamine, cocaine: `drug_supply`)
leave the origins that send it (ports, producing regions, the southern border; nodes.csv
`drugs`), shared among them in proportion to the members present in each origin's state
(who holds the production and the ports). An origin's tonnes split over
its candidate routes (`territory.corridors`) by a logit on cost, km + crossing cost x the
week's crackdown factor at its crossing + the cost of passing rivals' ground (below) + a
segment crackdown's extra cost. At the crossing a share `territory_seizure_share` x factor
is seized; the rest is the flow north. A crackdown thus diverts flow to other
crossings (EVIDENCE F7, F17) and seizes more where it acts.

**Control.** Groups control the states they hold, in proportion to their members there
(q_bs = members of lineage b in state s / all members in s). A load leaving origin o belongs
to lineage b with probability q_b,origin; on route k it crosses states S_k, of which it
holds on average h_bk = mean over s in S_k of q_bs (a state nobody holds counts as its
own). Route k costs ``territory_control_penalty x km_k x (1 - sum_b q_b,origin h_bk)``
more: a route through rivals' states costs more than one through the shipper's own
(`route_control`). Control is re-read every ``territory_control_weeks`` weeks.

**Deaths.** The L1 conflict term of group i is sum_j M_ij C_j with M_ij proportional to
W_ij + 1: i fights every other group, its rivals harder. Localised, group i meets group j
in state s in proportion to both groups' members there, so i's deaths of the week go to
state s in proportion to

    a_is = p_is (sum_j (W_ij + 1) C_j p_js - C_i p_is) (1 + route_violence x diverted_s)

(p = presence shares of `territory.states`; the C_i term removes i itself). diverted_s is
the traffic through s above what it would be without this week's crackdowns, as a share of
the week's supply: contested new routes bring violence to the states they cross (F7, F8);
it moves deaths between states, the national total is L1's. By lineage, as in
`world.flows`: sum_j W_ij C_j p_js = sum_b W_base(root i, b) T_b p_bs + K_i p_root(i),s,
with T_b the members of lineage b and K_i = splinter_rivalry (T_root(i) - C_i) when no
group of the lineage entered (with entrants, `engines.lineage.kin_rivalry`). A group alone
in all its states puts its deaths where it is (a_is = p_is). The deaths of a week add up over states
to the week's total deaths exactly (to rounding).

**Revenue.** With money switched on, the tonnes of each drug that got through (flow north)
times its wholesale price are the drug revenue of the groups present in each route's
origin state, shared by their members there (`territory_income`, read by the finance
sub-step the next week in place of the drug part of the fixed pot).

Costs per week: O(sum over base groups of rivals x states present + live groups x states
present + candidate routes x their states): presence rows are short.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from cartelsim.engines.kernels import FASTMATH
from cartelsim.engines.lineage import kin_rivalry, lineage_totals

if TYPE_CHECKING:
    from cartelsim.territory.corridors import RouteTable

DEATHS = 2  # row of the per-group flows array holding conflict deaths
# indices of the territory parameter vector (results.TERRITORY_ORDER names them)
(TP_SUPPLY, TP_SEIZURE, TP_CROSSING_COST, TP_DISPERSION, TP_ROUTE_VIOLENCE, TP_FLOW_GAIN,
 TP_RESPONSE, TP_VISIBLE, TP_STRUCTURAL, TP_REFERENCE, TP_CONTROL, TP_CONTROL_WEEKS,
 TP_STRUCTURAL_FINANCE, TP_STRUCTURAL_CORRUPTION) = range(14)
N_TERRITORY = 14
# positions in the territory tuple (results.kernel_arrays) read by name outside this module
STATE_DEATHS, DRUG_NORTH, DRUG_SEIZED, PRESSURE = 11, 12, 13, 14
DRUG_SUPPLY, DRUG_PRICE, ORIGIN_DRUGS, ONWARD_KM, REGION_DEMAND = 15, 16, 17, 18, 19
ROUTE_EXTRA = 20


@njit(cache=True)
def territory_scratch(n_base, n_states, n_cells, n_origins, n_routes, n_crossings,
                      n_drugs):  # pragma: no cover - compiled
    """Work arrays of one run (lineage totals, members per state, rival pressure per cell,
    weights per state, diverted traffic per state, per origin (tonnes, lowest cost, logit
    total), per route, the logit shares of the routes cached for the last crackdown factors
    seen, with and without, the members of each lineage's local groups, the tonnes of
    each drug per origin, and for `route_control`: each route's control cost, the holders
    of each origin (lineage, share; how many) and the period the costs were read in, and
    per crossing the U.S. road's logit factor of one region (`route_traffic`)); last, read
    only, the week without crackdowns (crossing factors 1, no extra km per route) and an
    empty arrival table, for the traffic a crackdown diverts."""
    return (np.zeros(n_base), np.zeros(n_states), np.zeros(n_cells), np.zeros(n_states),
            np.zeros(n_states), np.zeros((3, n_origins)), np.zeros(n_routes),
            np.zeros((2, n_drugs, n_routes)), np.full((2, n_crossings + n_routes), -1.0),
            np.zeros(n_base),
            np.zeros((n_drugs, n_origins)), np.zeros(n_routes),
            np.zeros((n_origins, n_base)), np.zeros((n_origins, n_base), dtype=np.int64),
            np.zeros(n_origins, dtype=np.int64), np.full(1, -1, dtype=np.int64),
            np.zeros(n_crossings),
            np.ones(n_crossings), np.zeros(n_routes), np.zeros((0, 0)))


@njit(cache=True, fastmath=FASTMATH)
def route_control(lineage, presence, in_state, origin_state, cand_origin, cand_km,
                  cstate_ptr, cstate_idx, penalty, holder_share, holder, n_holders,
                  control):  # pragma: no cover - compiled
    """control[k] = penalty x km_k x (1 - sum_b q_b,origin h_bk), the extra cost of route k
    through rivals' states (module docstring, **Control**); zero where nobody holds the
    origin's state. holder_share/holder/n_holders: scratch per origin."""
    for o in range(origin_state.size):
        so = origin_state[o]
        n_holders[o] = 0
        if in_state[so] <= 0.0:
            continue
        for b in range(lineage.size):
            q = lineage[b] * presence[b, so]
            if q > 0.0:
                holder[o, n_holders[o]] = b
                holder_share[o, n_holders[o]] = q / in_state[so]
                n_holders[o] += 1
    for k in range(cand_km.size):
        o = cand_origin[k]
        control[k] = 0.0
        if penalty == 0.0 or n_holders[o] == 0:
            continue
        n_s = cstate_ptr[k + 1] - cstate_ptr[k]
        held = 0.0
        for i in range(n_holders[o]):
            b = holder[o, i]
            own = 0.0
            for e in range(cstate_ptr[k], cstate_ptr[k + 1]):
                s = cstate_idx[e]
                own += lineage[b] * presence[b, s] / in_state[s] if in_state[s] > 0.0 else 1.0
            held += holder_share[o, i] * own / n_s
        control[k] = penalty * cand_km[k] * max(0.0, 1.0 - held)


@njit(cache=True)
def refresh_control(t, lineage, presence, in_state, tp, origin_state, cand_origin, cand_km,
                    cstate_ptr, cstate_idx, scratch):  # pragma: no cover - compiled
    """Re-read the routes' control costs (`route_control`) when week t starts a new period
    of territory_control_weeks weeks, and drop the cached route shares."""
    control, holder_share, holder, n_holders, period = scratch[11:16]
    now = int((t - 1) / max(tp[TP_CONTROL_WEEKS], 1.0))
    if now == period[0]:
        return
    period[0] = now
    route_control(lineage, presence, in_state, origin_state, cand_origin, cand_km, cstate_ptr,
                  cstate_idx, tp[TP_CONTROL], holder_share, holder, n_holders, control)
    cached = scratch[8]
    for i in range(cached.shape[0]):
        for c in range(cached.shape[1]):
            cached[i, c] = -1.0


@njit(cache=True, fastmath=FASTMATH)
def origin_supply(in_state, drug_supply, origin_drugs, origin_state, supply,
                  tonnes):  # pragma: no cover - compiled
    """supply[d, o] = tonnes of drug d leaving origin o this week: the drug's supply shared
    among the origins that send it in proportion to the members present in each origin's
    state (equally when no one is there); tonnes[o] = all drugs leaving o."""
    n_drugs, n_origins = origin_drugs.shape
    for o in range(n_origins):
        tonnes[o] = 0.0
    for d in range(n_drugs):
        held, senders = 0.0, 0.0
        for o in range(n_origins):
            if origin_drugs[d, o] > 0.0:
                held += in_state[origin_state[o]]
                senders += 1.0
        for o in range(n_origins):
            if origin_drugs[d, o] == 0.0:
                supply[d, o] = 0.0
            elif held > 0.0:
                supply[d, o] = drug_supply[d] * in_state[origin_state[o]] / held
            else:
                supply[d, o] = drug_supply[d] / senders
            tonnes[o] += supply[d, o]


@njit(cache=True, fastmath=FASTMATH)
def route_traffic(in_state, tp, origin_state, cand_origin, cand_crossing, cand_km,
                  control, onward_km, region_demand, cstate_ptr, cstate_idx, factor, extra,
                  drug_supply, origin_drugs, supply, per_origin, flow, sign, traffic, arrive,
                  shares, cached, reach):  # pragma: no cover - compiled
    """Route the week's supply: supply[d, o] tonnes of drug d leave origin o
    (`origin_supply`), a share region_demand[d, m] of them bound for each U.S. region m;
    flow[k] tonnes of all drugs go on each candidate; adds sign x flow to the traffic of the
    states a route crosses and each drug's tonnes to arrive[drug, crossing] (if given).
    shares[d, k] = sum over regions of region_demand[d, m] x the logit share of route k among
    its origin's routes at the cost of loads bound for m (km + control[k] + crossing cost x
    factor + U.S. km). The shares depend on the factors and the control costs only: they are
    recomputed when the factors differ from those `cached` (one row of the scratch's cache;
    `refresh_control` clears it when the control costs change)."""
    n_origins = origin_state.size
    tonnes, lowest, total = per_origin[0], per_origin[1], per_origin[2]
    origin_supply(in_state, drug_supply, origin_drugs, origin_state, supply, tonnes)
    same = True
    for c in range(factor.size):
        if cached[c] != factor[c]:
            same = False
            cached[c] = factor[c]
    for k in range(extra.size):
        if cached[factor.size + k] != extra[k]:
            same = False
            cached[factor.size + k] = extra[k]
    if not same:  # per region, a logit per origin on km + crossing cost x factor + U.S. km
        # exp(-cost / d) factorises into the part in Mexico (per route, flow[k] until it is
        # set below) and the U.S. road (per crossing and region, `reach`): one exp per route
        # and one per crossing and region; each part shifted by its lowest cost
        spread = tp[TP_DISPERSION]
        for o in range(n_origins):
            lowest[o] = np.inf
        for k in range(cand_km.size):
            for d in range(shares.shape[0]):
                shares[d, k] = 0.0
            flow[k] = cand_km[k] + control[k] + extra[k] \
                + tp[TP_CROSSING_COST] * factor[cand_crossing[k]]
            lowest[cand_origin[k]] = min(lowest[cand_origin[k]], flow[k])
        for k in range(cand_km.size):
            flow[k] = np.exp(-(flow[k] - lowest[cand_origin[k]]) / spread)
        for m in range(region_demand.shape[1]):
            nearest = np.inf
            for c in range(reach.size):
                nearest = min(nearest, onward_km[c, m])
            for c in range(reach.size):
                reach[c] = np.exp(-(onward_km[c, m] - nearest) / spread)
            for o in range(n_origins):
                total[o] = 0.0
            for k in range(cand_km.size):
                total[cand_origin[k]] += flow[k] * reach[cand_crossing[k]]
            for k in range(cand_km.size):
                o = cand_origin[k]
                if total[o] > 0.0:
                    logit = flow[k] * reach[cand_crossing[k]] / total[o]
                    for d in range(shares.shape[0]):
                        shares[d, k] += region_demand[d, m] * logit
    for k in range(cand_km.size):
        o = cand_origin[k]
        flow[k] = 0.0
        for d in range(supply.shape[0]):
            flow[k] += supply[d, o] * shares[d, k]
        for e in range(cstate_ptr[k], cstate_ptr[k + 1]):
            traffic[cstate_idx[e]] += sign * flow[k]
        if arrive.shape[0]:
            for d in range(supply.shape[0]):
                arrive[d, cand_crossing[k]] += supply[d, o] * shares[d, k]


def state_traffic(lineage: np.ndarray, presence: np.ndarray, tp: np.ndarray,
                  routes: RouteTable, drug_supply: np.ndarray, factor: np.ndarray,
                  extra: np.ndarray | None = None) -> np.ndarray:
    """Tonnes a week through each state (all drugs) with crossing factors `factor` and
    segment crackdowns' extra cost per route `extra` (default none), for
    members `lineage` per base lineage present by `presence` [lineage, state]: the control
    costs and `route_traffic` called from Python (the brief's C6 and tests ask where a
    crackdown sends the traffic)."""
    n_origins, n_routes = routes.origin_state.size, routes.cand_km.size
    in_state = lineage @ presence
    control = np.zeros(n_routes)
    route_control(lineage, presence, in_state, routes.origin_state, routes.cand_origin,
                  routes.cand_km, routes.state_ptr, routes.state_idx, tp[TP_CONTROL],
                  np.zeros((n_origins, lineage.size)),
                  np.zeros((n_origins, lineage.size), dtype=np.int64),
                  np.zeros(n_origins, dtype=np.int64), control)
    traffic = np.zeros(in_state.size)
    route_traffic(in_state, tp, routes.origin_state, routes.cand_origin, routes.cand_crossing,
                  routes.cand_km, control, routes.onward_km, routes.region_demand,
                  routes.state_ptr, routes.state_idx, factor,
                  np.zeros(n_routes) if extra is None else extra, drug_supply,
                  routes.origin_drugs, np.zeros((drug_supply.size, n_origins)),
                  np.zeros((3, n_origins)), np.zeros(n_routes), 1.0, traffic, np.zeros((0, 0)),
                  np.zeros((drug_supply.size, n_routes)),
                  np.full(routes.n_crossings + n_routes, -1.0), np.zeros(routes.n_crossings))
    return traffic


@njit(cache=True)
def _pressure_update(r, t, tp, drug_north, record):  # pragma: no cover - compiled
    """U.S. pressure's feedback state at date t (see `territory.pressure`)."""
    total = 0.0
    for d in range(drug_north.shape[2]):
        for c in range(drug_north.shape[3]):
            total += drug_north[r, t, d, c]
    drive = tp[TP_FLOW_GAIN] * total / tp[TP_REFERENCE] if tp[TP_REFERENCE] > 0.0 else 0.0
    before = record[r, t - 1]
    record[r, t] = before + (drive - before) / tp[TP_RESPONSE]


@njit(cache=True, fastmath=FASTMATH)
def _members_by_state(members, live, n_live, root, local, n_base, presence, ptr, cols,
                      lineage, entered, in_state):  # pragma: no cover - compiled
    """lineage[b] = members of lineage b, entered[b] those of its local groups
    (`engines.lineage.lineage_totals`); in_state[s] = members present in state s."""
    for s in range(in_state.size):
        in_state[s] = 0.0
    lineage_totals(members, live, n_live, root, local, lineage, entered)
    for b in range(n_base):
        t_b = lineage[b]
        if t_b == 0.0:
            continue
        for k in range(ptr[b], ptr[b + 1]):
            in_state[cols[k]] += t_b * presence[b, cols[k]]


@njit(cache=True, fastmath=FASTMATH)
def territory_income(w, members, live, n_live, root, local, n_base, terr, scratch,
                     income):  # pragma: no cover - compiled
    """income[g] = drug revenue of group g over week w - 1 (US$ million): the tonnes of each
    drug that crossed north from each origin x its wholesale price, shared by the members
    present in the origin's state, from `members` (those at the start of week w)."""
    (presence, ptr, cols, tp, origin_state, cand_origin, cand_crossing, cand_km, cstate_ptr,
     cstate_idx, factors, _, _, _, _, drug_supply, drug_price, origin_drugs, onward_km,
     region_demand, route_extra) = terr
    (lineage, in_state, _, per_member, traffic, per_origin, flow, shares, cached,
     entered, supply, control) = scratch[:12]
    _members_by_state(members, live, n_live, root, local, n_base, presence, ptr, cols,
                      lineage, entered, in_state)
    refresh_control(max(w, 1), lineage, presence, in_state, tp, origin_state, cand_origin,
                    cand_km, cstate_ptr, cstate_idx, scratch)
    factor = factors[max(w - 1, 0)]
    extra = route_extra[min(max(w - 1, 0), route_extra.shape[0] - 1)]
    route_traffic(in_state, tp, origin_state, cand_origin, cand_crossing, cand_km, control,
                  onward_km, region_demand, cstate_ptr, cstate_idx, factor, extra, drug_supply,
                  origin_drugs, supply, per_origin, flow, 0.0, traffic, np.zeros((0, 0)),
                  shares[0], cached[0], scratch[16])
    for s in range(per_member.size):
        per_member[s] = 0.0
    for k in range(cand_km.size):  # tonnes past the crossing x US$ million per tonne
        taken = min(1.0, tp[TP_SEIZURE] * factor[cand_crossing[k]])
        o = cand_origin[k]
        value = 0.0  # US$ per kg x tonnes / 1000 = US$ million
        for d in range(supply.shape[0]):
            value += supply[d, o] * shares[0][d, k] * drug_price[d]
        per_member[origin_state[o]] += value * (1.0 - taken) / 1000.0
    for s in range(per_member.size):  # revenue per member present in the state
        per_member[s] = per_member[s] / in_state[s] if in_state[s] > 0.0 else 0.0
    for j in range(n_live):
        g = live[j]
        b = root[g]
        acc = 0.0
        for k in range(ptr[b], ptr[b + 1]):
            acc += presence[b, cols[k]] * per_member[cols[k]]
        income[g] = members[g] * acc


@njit(cache=True, fastmath=FASTMATH)
def territory_week(r, t, members, live, n_live, root, local, n_base, indptr, indices,
                   weights, splinter_rivalry, entrant_rivalry, flows, terr,
                   scratch):  # pragma: no cover - compiled
    """Route run r's supply of the week ending at date t into drug_north[r, t, drug, :]
    and drug_seized[r, t, drug, :], and add its conflict deaths to state_deaths[r, t, :]."""
    (presence, ptr, cols, tp, origin_state, cand_origin, cand_crossing, cand_km, cstate_ptr,
     cstate_idx, factors, state_deaths, drug_north, drug_seized, pressure, drug_supply, _,
     origin_drugs, onward_km, region_demand, route_extra) = terr
    (lineage, in_state, rival, share, diverted, per_origin, flow, shares, cached,
     entered, supply, control) = scratch[:12]
    n_states = in_state.size
    _members_by_state(members, live, n_live, root, local, n_base, presence, ptr, cols,
                      lineage, entered, in_state)
    refresh_control(t, lineage, presence, in_state, tp, origin_state, cand_origin, cand_km,
                    cstate_ptr, cstate_idx, scratch)
    # routes: traffic with this week's crackdowns minus traffic without them
    for s in range(n_states):
        diverted[s] = 0.0
    factor = factors[t - 1]
    extra = route_extra[min(t - 1, route_extra.shape[0] - 1)]
    arrive = drug_north[r, t]
    route_traffic(in_state, tp, origin_state, cand_origin, cand_crossing, cand_km, control,
                  onward_km, region_demand, cstate_ptr, cstate_idx, factor, extra, drug_supply,
                  origin_drugs, supply, per_origin, flow, 1.0, diverted, arrive, shares[0],
                  cached[0], scratch[16])
    cracked = False
    for c in range(factor.size):
        if factor[c] != 1.0:
            cracked = True
        taken = min(1.0, tp[TP_SEIZURE] * factor[c])
        for d in range(arrive.shape[0]):
            drug_seized[r, t, d, c] = arrive[d, c] * taken
            arrive[d, c] -= drug_seized[r, t, d, c]
    for k in range(extra.size):  # segment crackdowns divert too
        if extra[k] != 0.0:
            cracked = True
    _pressure_update(r, t, tp, drug_north, pressure)
    if cracked:
        no_crackdown, no_extra, no_arrivals = scratch[17:20]
        route_traffic(in_state, tp, origin_state, cand_origin, cand_crossing, cand_km,
                      control, onward_km, region_demand, cstate_ptr, cstate_idx,
                      no_crackdown, no_extra, drug_supply, origin_drugs, supply, per_origin,
                      flow, -1.0, diverted, no_arrivals, shares[1], cached[1], scratch[16])
    for s in range(n_states):
        diverted[s] = tp[TP_ROUTE_VIOLENCE] * max(diverted[s], 0.0) / tp[TP_SUPPLY] \
            if cracked and tp[TP_SUPPLY] > 0.0 else 0.0
    for b in range(n_base):  # rival pressure of lineage b in each of its states
        if lineage[b] == 0.0:
            continue
        for k in range(ptr[b], ptr[b + 1]):
            s = cols[k]
            acc = 0.0
            for e in range(indptr[b], indptr[b + 1]):
                other = indices[e]
                acc += weights[e] * lineage[other] * presence[other, s]
            rival[k] = acc
    out = state_deaths[r, t]
    for j in range(n_live):
        g = live[j]
        d = flows[DEATHS, g]
        if d == 0.0:
            continue
        b = root[g]
        c = members[g]
        total = 0.0
        for k in range(ptr[b], ptr[b + 1]):
            s = cols[k]
            p = presence[b, s]
            kin = kin_rivalry(c, local[g], lineage[b], entered[b], splinter_rivalry,
                              entrant_rivalry)
            a = p * (rival[k] + in_state[s] - c * p + kin * p) * (1.0 + diverted[s])
            if a < 0.0:  # rounding when g is alone in s
                a = 0.0
            share[s] = a
            total += a
        for k in range(ptr[b], ptr[b + 1]):
            s = cols[k]
            weight = share[s] / total if total > 0.0 else presence[b, s]
            out[s] += d * weight
