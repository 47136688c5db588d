"""The parameter catalogue and `Params`, a set of values that remembers where each came from.

Each parameter is declared once here with its default, unit, plausible range (used to draw
ensembles and to warn about unusual values), hard bounds (values outside are refused), a
description and a source. Overrides record their origin (default → scenario file → CLI →
sampled → calibrated) so reports can show why a number is what it is.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from cartelsim.errors import CartelsimError
from cartelsim.textmatch import closest

PRIETO_2023 = (
    "Prieto-Curiel, Campedelli & Hope (2023), Science 381:1312-1316 "
    "(fitted value in the authors' public code, EVIDENCE F18)"
)
PRIETO_2023_FIT_BOUNDS = "range = the bounds of the authors' own least-squares fit (L-BFGS-B)"


@dataclass(frozen=True)
class ParameterSpec:
    """One model parameter: what it means, its default and how far it may plausibly go."""

    name: str
    default: float
    unit: str
    low: float
    high: float
    description: str
    source: str
    layer: str
    minimum: float = 0.0
    maximum: float = float("inf")

    def check(self, value: float, origin: str) -> float:
        """Refuse values outside the hard bounds; the message names the parameter."""
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise CartelsimError(
                f"{origin}: parameter {self.name!r} must be a number ({self.unit}), got {value!r}"
            ) from None
        if number != number or not (self.minimum <= number <= self.maximum):
            raise CartelsimError(
                f"{origin}: parameter {self.name!r} = {value!r} is outside its bounds "
                f"[{self.minimum:g}, {self.maximum:g}] {self.unit}"
            )
        return number


def _spec(*args: object, **kwargs: object) -> tuple[str, ParameterSpec]:
    spec = ParameterSpec(*args, **kwargs)  # type: ignore[arg-type]
    return spec.name, spec


CATALOGUE: Mapping[str, ParameterSpec] = MappingProxyType(
    dict(
        [
            _spec(
                "recruitment_rate", 2.527474e-3, "recruits per member per week", 2.0e-3, 3.0e-3,
                "rho: each member brings in this many recruits per week (r_i = rho C_i).",
                f"{PRIETO_2023}; {PRIETO_2023_FIT_BOUNDS}", "L1", maximum=1.0,
            ),
            _spec(
                "incapacitation", 110.0, "members arrested or imprisoned per week", 110.0, 120.0,
                "eta: members incapacitated per week in all, shared by group size "
                "(a_i = eta C_i / sum C). About 6,000 a year (EVIDENCE F18).",
                f"{PRIETO_2023}; {PRIETO_2023_FIT_BOUNDS}", "L1", maximum=1e6,
            ),
            _spec(
                "conflict_lethality", 1.549231e-8, "deaths per member per weighted rival-member per week",
                1.0e-8, 2.0e-8,
                "theta: killed in conflict d_i = theta C_i (M C)_i, M_ij = (W^R_ij + 1)/(s^A_i + 1). "
                "Chosen by the authors so that about 200 members are killed per week.",
                f"{PRIETO_2023}; {PRIETO_2023_FIT_BOUNDS}", "L1", maximum=1e-3,
            ),
            _spec(
                "saturation", 4.0e-8, "exits per member per member of the same group per week",
                4.0e-8, 1.0e-7,
                "omega: members leave a group at rate omega C_i (x_i = omega C_i^2), "
                "which caps how large one group can grow.",
                f"{PRIETO_2023}; {PRIETO_2023_FIT_BOUNDS}", "L1", maximum=1e-2,
            ),
            _spec(
                "initial_members", 115_000.0, "members", 110_000.0, 115_000.0,
                "Members of all groups at the start (2012 for BACRIM 2020), spread over groups by "
                "a Zipf law (exponent -1) on the rank of total strength.",
                f"{PRIETO_2023}; {PRIETO_2023_FIT_BOUNDS}", "L1", maximum=1e8,
            ),
            _spec(
                "victim_member_share", 0.10, "model deaths per (homicide + disappearance)", 0.05, 0.20,
                "Share of national homicides plus disappearances that are members killed in "
                "conflict; the published model was fitted to 10 % of that sum. The membership "
                "estimate rests on it (EVIDENCE F21 iii).",
                "Prieto-Curiel, Campedelli & Hope (2023) code: WeeklyCasualties*0.1 (EVIDENCE F18); "
                "range: assumption, halving and doubling the published share",
                "observation", maximum=1.0,
            ),
            _spec(
                "homicide_share_of_victims", 0.75, "homicides per (homicide + disappearance)",
                0.70, 0.80,
                "How the victims implied by model deaths split between homicides and "
                "disappearances (the rest).",
                "INEGI homicides and RNPDNO still-missing persons, 2022: 33,287 / (33,287 + "
                "10,210) = 0.77; 2023: 32,252 / (32,252 + 11,905) = 0.73 (embedded national "
                "series); range spans both years",
                "observation", maximum=1.0,
            ),
        ]
    )
)


class Params(Mapping[str, float]):
    """An immutable set of parameter values with the origin of each value.

    >>> p = Params.defaults().override({"incapacitation": 220}, origin="cli")
    >>> p["incapacitation"], p.origin("incapacitation")
    (220.0, 'cli')
    """

    __slots__ = ("_values", "_origins")

    def __init__(self, values: Mapping[str, float], origins: Mapping[str, str]) -> None:
        self._values = dict(values)
        self._origins = dict(origins)

    @classmethod
    def defaults(cls) -> Params:
        return cls(
            {name: spec.default for name, spec in CATALOGUE.items()},
            {name: "default" for name in CATALOGUE},
        )

    def override(self, values: Mapping[str, object], origin: str) -> Params:
        """Return new Params with `values` replacing defaults; unknown names are errors."""
        merged = dict(self._values)
        origins = dict(self._origins)
        for name, value in values.items():
            if name not in CATALOGUE:
                hint = closest(name, CATALOGUE)
                suggestion = f"; did you mean {hint!r}?" if hint else ""
                raise CartelsimError(f"{origin}: unknown parameter {name!r}{suggestion}")
            merged[name] = CATALOGUE[name].check(value, origin)  # type: ignore[arg-type]
            origins[name] = origin
        return Params(merged, origins)

    def scaled(self, name: str, factor: float, origin: str) -> Params:
        """Multiply one parameter by `factor` (a policy lever such as 'double arrests')."""
        return self.override({name: self[name] * factor}, origin)

    def origin(self, name: str) -> str:
        return self._origins[name]

    def unusual(self) -> list[str]:
        """Names of values outside their plausible range (allowed, but worth a warning)."""
        return [
            name
            for name, value in self._values.items()
            if not CATALOGUE[name].low <= value <= CATALOGUE[name].high
        ]

    def __getitem__(self, name: str) -> float:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        changed = {k: v for k, v in self._values.items() if self._origins[k] != "default"}
        return f"Params(changed={changed})"

    def provenance(self) -> dict[str, str]:
        """'value (origin)' per parameter, for result attributes."""
        return {k: f"{self._values[k]!r} ({self._origins[k]})" for k in self._values}
