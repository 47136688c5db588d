"""The brief's content as plain data: estimates, verdicts, sections. No model runs here."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Estimate:
    """One number with its central 90 % interval over paired worlds.

    For a paired difference, `base` is the status quo's median and `p_lower` the share of
    worlds in which the policy is lower. `negligible` is the size below which an effect
    does not matter for the verdict (see `verdict`), in the estimate's own unit.
    """

    label: str
    unit: str
    median: float
    low: float
    high: float
    runs: int
    base: float | None = None
    p_lower: float | None = None
    negligible: float = 0.0
    digits: int = 0

    @property
    def relative(self) -> float | None:
        """Median difference over the status quo's median (None for levels)."""
        if self.base is None or self.base == 0:
            return None
        return self.median / abs(self.base)

    def fmt(self, value: float, sign: bool = False) -> str:
        spec = f"{'+' if sign else ''},.{self.digits}f"
        return format(value, spec)

    def text(self) -> str:
        """'median [low, high] unit', signed for differences."""
        sign = self.base is not None
        return (f"{self.fmt(self.median, sign)} [{self.fmt(self.low, sign)}, "
                f"{self.fmt(self.high, sign)}] {self.unit}").strip()


@dataclass(frozen=True)
class Verdict:
    """A verdict label ('supported', 'not supported', 'uncertain', 'partly supported',
    'depends on ...') and the sentence that justifies it from the numbers."""

    label: str
    reason: str

    @property
    def css(self) -> str:
        if self.label == "supported":
            return "yes"
        if self.label == "not supported":
            return "no"
        return "mixed"


@dataclass(frozen=True)
class Figure:
    """A figure embedded in the page (PNG bytes as base64) with its caption."""

    png_base64: str
    caption: str


@dataclass(frozen=True)
class Assumption:
    """A parameter the result rests on, as the catalogue declares it."""

    name: str
    value: str
    unit: str
    plausible: str
    source: str
    assumed: bool  # True when the source is an assumption, not data or a paper


@dataclass(frozen=True)
class Swing:
    """The headline result with one parameter at an end of its plausible range."""

    parameter: str
    end: str  # "low" or "high"
    value: float
    estimate: Estimate
    verdict: Verdict


@dataclass
class Sensitivity:
    """Which parameters would change the verdict, and how that was found."""

    method: str
    swings: list[Swing] = field(default_factory=list)
    indices: list[dict] = field(default_factory=list)  # Morris rows, when run
    changes: list[str] = field(default_factory=list)  # parameters that flip the verdict
    central: Verdict | None = None  # the verdict before any swing
    centre: str = "the default parameters"  # where `central` was computed


@dataclass
class ClaimSection:
    """Everything the brief shows for one claim."""

    id: str
    title: str
    quote: str
    question: str
    experiment: str
    estimates: list[Estimate]
    verdict: Verdict
    headline: str  # one line for the terminal summary
    parts: list[tuple[str, Verdict]] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    assumptions: list[Assumption] = field(default_factory=list)
    sensitivity: Sensitivity | None = None
    notes: list[str] = field(default_factory=list)
    assumed: str = ""  # how much of the answer is built into the model's assumptions

    @property
    def summary(self) -> str:
        """The verdict for the summary: at the centre first, then what it depends on."""
        central = self.sensitivity.central if self.sensitivity is not None else None
        if central is None or central.label == self.verdict.label:
            return self.verdict.label
        return f"{central.label} at {self.sensitivity.centre}; {self.verdict.label}"

    @property
    def homicides(self) -> bool:
        """Whether any number of the section is a count of homicides (for the caveat)."""
        return any("homicide" in e.label for e in self.estimates)


@dataclass
class Brief:
    """The whole brief: settings, claim sections, the reproduction, the model's limits."""

    title: str
    settings: dict[str, str]
    claims: list[ClaimSection]
    reproduction: dict
    limits: list[str]
    rules: list[str]
    seconds: float = 0.0
    uncertainty: str = ""  # which uncertainty the intervals carry (`uncertainty`)
    homicide_caveat: str = ""  # what the homicide numbers mean, shown beside them
    record: dict = field(default_factory=dict)  # does the model reproduce it? (`replay`)
    aftermath: dict = field(default_factory=dict)  # the first months for CJNG (`aftermath`)
    maps: object | None = None  # report.maps.MapsSection (not imported: it imports this module)
