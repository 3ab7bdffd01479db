"""Trends of reported attacks: counts per period, a stated change-point model, calendar dates.

**The data are reported incidents.** A register built from news reports has partial coverage
(``shared/data/incidents/README.md``: the reports' own tallies count far more attacks; some months
were not searched): a rate here is the rate of *reported and registered* attacks, and a change in
it may be a change in reporting. Every output says so.

Model (:func:`fit_change_point`): the count y_t of period t with exposure E_t days is Poisson with
rate λ_t E_t. Model M0: one rate λ for the whole span. Model M1: rate λ1 before the change period τ
and λ2 from it on, τ uniform over the periods that leave at least ``min_segment`` periods on each
side. Each rate has a Gamma(a, b) prior (shape a = 1, rate b = a / r̄, r̄ the overall observed rate:
an exponential prior centred on the data's own scale), P(M1) = 1/2. Conjugacy makes everything
exact, without sampling: the marginal likelihood of a segment with S events in E days is
b^a Γ(a+S) / (Γ(a) (b+E)^(a+S)) (times a factor common to all models), so P(M1 | y), the posterior
of τ, and of λ1, λ2 given τ (Gamma(a+S, b+E)) follow in closed form; the rate ratio λ2/λ1 given τ is
a scaled F(2(a+S2), 2(a+S1)) variable, and its posterior is a mixture of those over τ (quantiles by
root finding). The model says "changed" when P(M1 | y) >= 0.95, "no change" when <= 0.05, else
"inconclusive". A Pearson dispersion check says whether the counts are more clustered than
Poisson (then the intervals are too narrow).

The question "did the rate fall in the last W weeks before D?" (:func:`compare_windows`) compares
the rate in [D - W weeks, D) with the rate in the B weeks before that: with Jeffreys priors
Gamma(1/2, 0), the ratio's posterior is a scaled F(2 n_R + 1, 2 n_B + 1); reported with its 90 %
interval and P(ratio < 1), beside the exact conditional binomial test (given the total, the recent
count is binomial) and its Clopper-Pearson interval as a frequentist check.

Calendar dates (anniversaries, :func:`calendar_effects`): the count within ±H days of each
occurrence against a local baseline (the ``baseline_days`` on either side, outside the window,
inside the data span), compared the same way.
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from scipy import optimize, special, stats

CAVEAT = (
    "These figures describe reported incidents only. The register's coverage is partial (news "
    "reports' own tallies count far more attacks; some months were not searched), so a rate here is "
    "the rate of reported and registered attacks, and a change in it may be a change in reporting."
)
CLAIM_PROBABILITY = 0.95  # P(M1 | y) at or above which the model says the rate changed
INTERVAL = 0.90  # credible / confidence level of every interval reported


# -- periods ---------------------------------------------------------------------------------------
def period_start(d: date, by: str) -> date:
    """First day of the month, or the Monday of the ISO week, holding ``d``."""
    if by == "month":
        return d.replace(day=1)
    if by == "week":
        return d - timedelta(days=d.weekday())
    raise ValueError(f"by must be 'month' or 'week', not {by!r}")


def next_period(p: date, by: str) -> date:
    if by == "month":
        return date(p.year + (p.month == 12), p.month % 12 + 1, 1)
    return p + timedelta(days=7)


def periods(first: date, last: date, by: str) -> list[date]:
    """Starts of every period from the one holding ``first`` to the one holding ``last``."""
    out, p = [], period_start(first, by)
    while p <= last:
        out.append(p)
        p = next_period(p, by)
    return out


@dataclass(frozen=True)
class Series:
    """Counts per period: ``start[i]`` (period start), ``exposure_days[i]``, ``count[i]``."""

    by: str
    start: list[date]
    exposure_days: np.ndarray
    count: np.ndarray

    @property
    def end(self) -> date:
        return next_period(self.start[-1], self.by)


def count_series(dates: list[date], by: str = "month", first: date | None = None, last: date | None = None) -> Series:
    """Counts of ``dates`` per period over whole periods from ``first`` to ``last`` (default: the
    data's first and last dates)."""
    if not dates and (first is None or last is None):
        raise ValueError("no incidents to count")
    first = first or min(dates)
    last = last or max(dates)
    starts = periods(first, last, by)
    index = {p: i for i, p in enumerate(starts)}
    count = np.zeros(len(starts), dtype=int)
    for d in dates:
        i = index.get(period_start(d, by))
        if i is not None:
            count[i] += 1
    exposure = np.array([(next_period(p, by) - p).days for p in starts], dtype=float)
    return Series(by, starts, exposure, count)


# -- change-point model ----------------------------------------------------------------------------
def log_marginal(S, E, a: float, b: float):
    """log of ∫ λ^S e^(-λE) Gamma(λ | a, b) dλ (shape a, rate b): the Poisson-Gamma marginal
    likelihood of S events in exposure E, without the factor prod E_t^y_t / y_t! common to all models."""
    S = np.asarray(S, dtype=float)
    E = np.asarray(E, dtype=float)
    return a * np.log(b) - special.gammaln(a) + special.gammaln(a + S) - (a + S) * np.log(b + E)


def _ratio_cdf(r: float, w: np.ndarray, a1: np.ndarray, b1: np.ndarray, a2: np.ndarray, b2: np.ndarray) -> float:
    """P(λ2/λ1 <= r) for a mixture (weights w) of independent Gamma(a1, b1), Gamma(a2, b2) pairs."""
    c = (a2 / b2) / (a1 / b1)
    return float(np.sum(w * stats.f.cdf(r / c, 2 * a2, 2 * a1)))


def _ratio_quantile(q: float, w, a1, b1, a2, b2) -> float:
    f = lambda x: _ratio_cdf(math.exp(x), w, a1, b1, a2, b2) - q  # noqa: E731
    lo, hi = -30.0, 30.0
    return math.exp(optimize.brentq(f, lo, hi, xtol=1e-10))


def _gamma_mixture_quantile(q: float, w, a, b) -> float:
    f = lambda x: float(np.sum(w * stats.gamma.cdf(math.exp(x), a, scale=1.0 / b))) - q  # noqa: E731
    return math.exp(optimize.brentq(f, -40.0, 20.0, xtol=1e-10))


@dataclass
class ChangePointFit:
    """Posterior of the single-change-point Poisson-Gamma model (see the module doc)."""

    by: str
    starts: list[str]
    prior_shape: float
    prior_rate: float  # [1/day]^-1 units: b, with prior mean a/b [events/day]
    min_segment: int
    p_change: float  # P(M1 | y)
    verdict: str  # "changed" | "no change" | "inconclusive"
    tau_posterior: list[float]  # P(τ = i | y, M1) over all periods (0 outside the allowed range)
    tau_map: str | None  # start of the most probable change period
    tau_interval: tuple[str, str] | None  # equal-tailed INTERVAL credible interval of the change period
    rate_before_per_30d: (
        tuple[float, float, float] | None
    )  # posterior median and interval (mixture over τ); None if not detailed
    rate_after_per_30d: tuple[float, float, float] | None
    ratio: tuple[float, float, float] | None  # λ2/λ1: median and interval; None if not detailed
    p_fall: float | None  # P(λ2 < λ1 | y, M1)
    rate_no_change_per_30d: tuple[float, float, float]
    fitted_per_30d: list[float]  # posterior mean rate per period (model average)
    fitted_lo_per_30d: list[float]
    fitted_hi_per_30d: list[float]
    dispersion: float  # Pearson X^2 / df under the posterior-mean fit
    dispersion_p: float  # P(chi2_df >= X^2)
    statement: str = ""


def fit_change_point(s: Series, min_segment: int = 3, prior_shape: float = 1.0, detail: bool = True) -> ChangePointFit:
    """Fit M0 and M1 to a series (see the module doc). ``detail=False`` skips the rate quantiles and
    the per-period bands (for repeated fits: the verdict, τ and P(fall) are the same)."""
    y = s.count.astype(float)
    E = s.exposure_days
    n = len(y)
    if n < 2 * min_segment:
        raise ValueError(f"{n} periods: too few for a change point with {min_segment} periods on each side")
    rbar = max(y.sum(), 0.5) / E.sum()
    a, b = prior_shape, prior_shape / rbar
    cy, cE = np.concatenate([[0.0], np.cumsum(y)]), np.concatenate([[0.0], np.cumsum(E)])
    taus = np.arange(min_segment, n - min_segment + 1)  # change at the start of period τ
    S1, E1 = cy[taus], cE[taus]
    S2, E2 = cy[-1] - S1, cE[-1] - E1
    ll1 = log_marginal(S1, E1, a, b) + log_marginal(S2, E2, a, b)
    ll0 = float(log_marginal(cy[-1], cE[-1], a, b))
    lm1 = special.logsumexp(ll1) - math.log(len(taus))  # uniform prior on τ
    p_change = float(1.0 / (1.0 + math.exp(ll0 - lm1)))
    w = np.exp(ll1 - special.logsumexp(ll1))
    tau_post = np.zeros(n)
    tau_post[taus] = w
    a1, b1, a2, b2 = a + S1, b + E1, a + S2, b + E2
    lo_q, hi_q = (1 - INTERVAL) / 2, 1 - (1 - INTERVAL) / 2
    cdf = np.cumsum(tau_post)
    i_lo, i_hi = int(np.searchsorted(cdf, lo_q)), int(np.searchsorted(cdf, hi_q))
    per30 = 30.0

    def trio(q):
        return tuple(round(q(x) * per30, 4) for x in (0.5, lo_q, hi_q))

    p_fall = _ratio_cdf(1.0, w, a1, b1, a2, b2)
    a0, b0 = a + cy[-1], b + cE[-1]
    no_change = tuple(round(float(stats.gamma.ppf(x, a0, scale=1 / b0)) * per30, 4) for x in (0.5, lo_q, hi_q))
    before = after = ratio = None
    if detail:
        before = trio(lambda x: _gamma_mixture_quantile(x, w, a1, b1))
        after = trio(lambda x: _gamma_mixture_quantile(x, w, a2, b2))
        ratio = tuple(round(_ratio_quantile(x, w, a1, b1, a2, b2), 4) for x in (0.5, lo_q, hi_q))
    # model-averaged posterior mean rate per period and its interval: the posterior CDF of period
    # t's rate is p(M1) [sum over τ <= t of w_τ G2_τ + sum over τ > t of w_τ G1_τ] + p(M0) G0,
    # evaluated on one log grid for all periods at once (cumulative sums over τ), quantiles by
    # interpolation (grid step 0.5 %, so a quantile is good to about 0.5 %).
    idx = np.arange(n)
    seg_after = idx[None, :] >= taus[:, None]  # (τ, t)
    mean_m1 = np.sum(w[:, None] * np.where(seg_after, (a2 / b2)[:, None], (a1 / b1)[:, None]), axis=0)
    mean = p_change * mean_m1 + (1 - p_change) * a0 / b0
    lo_t, hi_t = [], []
    grid = np.exp(np.linspace(np.log(rbar * 1e-4), np.log(rbar * 100.0), 2_800 if detail else 2))
    g1 = w[:, None] * stats.gamma.cdf(grid[None, :], a1[:, None], scale=1.0 / b1[:, None])  # (τ, grid)
    g2 = w[:, None] * stats.gamma.cdf(grid[None, :], a2[:, None], scale=1.0 / b2[:, None])
    pos = np.searchsorted(taus, idx, side="right")  # number of τ <= t
    c2 = np.vstack([np.zeros(len(grid)), np.cumsum(g2, axis=0)])[pos]  # (t, grid)
    c1 = np.vstack([np.zeros(len(grid)), np.cumsum(g1, axis=0)])
    c1 = c1[-1][None, :] - c1[pos]
    cdf = p_change * (c1 + c2) + (1 - p_change) * stats.gamma.cdf(grid, a0, scale=1.0 / b0)[None, :]
    if detail:  # one np.interp per period (it does not broadcast over rows); n is at most a few hundred
        lo_t = [float(np.interp(lo_q, row, grid)) * per30 for row in cdf]
        hi_t = [float(np.interp(hi_q, row, grid)) * per30 for row in cdf]
    mu = mean * E
    df = max(n - (3 if p_change >= 0.5 else 1), 1)
    x2 = float(np.sum((y - mu) ** 2 / np.maximum(mu, 1e-12)))
    verdict = (
        "changed"
        if p_change >= CLAIM_PROBABILITY
        else "no change"
        if p_change <= 1 - CLAIM_PROBABILITY
        else "inconclusive"
    )
    iso = [p.isoformat() for p in s.start]
    fit = ChangePointFit(
        by=s.by,
        starts=iso,
        prior_shape=a,
        prior_rate=b,
        min_segment=min_segment,
        p_change=round(p_change, 4),
        verdict=verdict,
        tau_posterior=[round(float(x), 5) for x in tau_post],
        tau_map=iso[int(np.argmax(tau_post))],
        tau_interval=(iso[i_lo], iso[min(i_hi, n - 1)]),
        rate_before_per_30d=before,
        rate_after_per_30d=after,
        ratio=ratio,
        p_fall=round(p_fall, 4),
        rate_no_change_per_30d=no_change,
        fitted_per_30d=[round(float(x) * per30, 4) for x in mean],
        fitted_lo_per_30d=[round(x, 4) for x in lo_t],
        fitted_hi_per_30d=[round(x, 4) for x in hi_t],
        dispersion=round(x2 / df, 3),
        dispersion_p=round(float(stats.chi2.sf(x2, df)), 4),
    )
    if detail:
        fit.statement = describe_fit(fit)
    return fit


def describe_fit(f: ChangePointFit) -> str:
    pct = int(INTERVAL * 100)
    head = f"P(the reported rate changed once in {f.starts[0]} .. {f.starts[-1]}) = {f.p_change:.2f}: {f.verdict}."
    if f.verdict == "no change":
        r = f.rate_no_change_per_30d
        body = f" One rate fits: {r[0]:.2f} per 30 days ({pct} % interval {r[1]:.2f}-{r[2]:.2f})."
    else:
        b, a, q = f.rate_before_per_30d, f.rate_after_per_30d, f.ratio
        body = (
            f" If it changed, most probably from the period starting {f.tau_map} ({pct} % interval "
            f"{f.tau_interval[0]} to {f.tau_interval[1]}): {b[0]:.2f} per 30 days before ({b[1]:.2f}-{b[2]:.2f}), "
            f"{a[0]:.2f} after ({a[1]:.2f}-{a[2]:.2f}); ratio after/before {q[0]:.2f} ({q[1]:.2f}-{q[2]:.2f}), "
            f"P(fall) = {f.p_fall:.2f}."
        )
    disp = f" Dispersion X²/df = {f.dispersion:.2f} (p = {f.dispersion_p:.3f})" + (
        ": the counts are more clustered than Poisson, so these intervals are too narrow."
        if f.dispersion_p < 0.05
        else "."
    )
    return head + body + disp


# -- two windows -----------------------------------------------------------------------------------
@dataclass
class WindowComparison:
    """Rate in a recent window against a baseline window (see the module doc)."""

    question: str
    recent: tuple[str, str]  # [start, end) dates
    baseline: tuple[str, str]
    recent_count: int
    baseline_count: int
    recent_days: float
    baseline_days: float
    recent_per_week: float
    baseline_per_week: float
    ratio_median: float
    ratio_interval: tuple[float, float]
    p_fall: float  # posterior P(recent rate < baseline rate), Jeffreys priors
    exact_p_one_sided: float  # P(N_recent <= n_recent | total, equal rates): conditional binomial
    exact_interval: tuple[float, float]  # Clopper-Pearson interval of the ratio (conditional)
    answer: str
    statement: str = ""


def rate_ratio(n_r: int, e_r: float, n_b: int, e_b: float) -> dict:
    """Posterior (Jeffreys priors) and exact conditional results for λ_r / λ_b."""
    lo_q, hi_q = (1 - INTERVAL) / 2, 1 - (1 - INTERVAL) / 2
    c = ((n_r + 0.5) / e_r) / ((n_b + 0.5) / e_b)
    d1, d2 = 2 * n_r + 1, 2 * n_b + 1
    med, lo, hi = (c * float(stats.f.ppf(q, d1, d2)) for q in (0.5, lo_q, hi_q))
    p_fall = float(stats.f.cdf(1.0 / c, d1, d2))
    n = n_r + n_b
    p0 = e_r / (e_r + e_b)
    exact_p = float(stats.binom.cdf(n_r, n, p0)) if n > 0 else 1.0
    if n > 0:
        ci = stats.binomtest(n_r, n, p0).proportion_ci(confidence_level=INTERVAL, method="exact")
        to_ratio = lambda p: math.inf if p >= 1 else (p / (1 - p)) * (e_b / e_r)  # noqa: E731
        exact = (to_ratio(ci.low), to_ratio(ci.high))
    else:
        exact = (0.0, math.inf)
    return {"median": med, "interval": (lo, hi), "p_fall": p_fall, "exact_p": exact_p, "exact_interval": exact}


def compare_windows(
    dates: list[date], before: date, recent_weeks: int = 8, baseline_weeks: int = 52
) -> WindowComparison:
    """Did the rate of reported incidents fall in the ``recent_weeks`` before ``before``, against
    the ``baseline_weeks`` before those?"""
    r0 = before - timedelta(weeks=recent_weeks)
    b0 = r0 - timedelta(weeks=baseline_weeks)
    n_r = sum(r0 <= d < before for d in dates)
    n_b = sum(b0 <= d < r0 for d in dates)
    e_r, e_b = float((before - r0).days), float((r0 - b0).days)
    rr = rate_ratio(n_r, e_r, n_b, e_b)
    pct = int(INTERVAL * 100)
    if rr["p_fall"] >= CLAIM_PROBABILITY:
        answer = "yes: the reported rate fell"
    elif rr["p_fall"] <= 1 - CLAIM_PROBABILITY:
        answer = "no: the reported rate rose"
    else:
        answer = "not shown: the data do not establish a fall"
    q = f"Did the rate of reported attacks fall in the last {recent_weeks} weeks before {before.isoformat()}?"
    w = WindowComparison(
        question=q,
        recent=(r0.isoformat(), before.isoformat()),
        baseline=(b0.isoformat(), r0.isoformat()),
        recent_count=n_r,
        baseline_count=n_b,
        recent_days=e_r,
        baseline_days=e_b,
        recent_per_week=round(7 * n_r / e_r, 4),
        baseline_per_week=round(7 * n_b / e_b, 4),
        ratio_median=round(rr["median"], 4),
        ratio_interval=(round(rr["interval"][0], 4), round(rr["interval"][1], 4)),
        p_fall=round(rr["p_fall"], 4),
        exact_p_one_sided=round(rr["exact_p"], 4),
        exact_interval=tuple(round(x, 4) if math.isfinite(x) else x for x in rr["exact_interval"]),
        answer=answer,
    )
    w.statement = (
        f"{q} {answer.capitalize()}. {n_r} reported in [{w.recent[0]}, {w.recent[1]}) "
        f"({w.recent_per_week:.2f}/week) against {n_b} in the {baseline_weeks} weeks before "
        f"({w.baseline_per_week:.2f}/week): rate ratio {w.ratio_median:.2f}, {pct} % interval "
        f"{w.ratio_interval[0]:.2f}-{w.ratio_interval[1]:.2f}, P(fall) = {w.p_fall:.2f} (Poisson, Jeffreys priors); "
        f"exact conditional test one-sided p = {w.exact_p_one_sided:.3f}. "
        f"Threshold for a claim: P >= {CLAIM_PROBABILITY}."
    )
    return w


# -- calendar --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CalendarDate:
    day: date
    label: str
    annual: bool


DEFAULT_CALENDAR = (
    CalendarDate(
        date(2020, 1, 3),
        "anniversary of the 3 January 2020 strike near Baghdad airport (Soleimani, al-Muhandis)",
        True,
    ),
)  # shared/domain/biap.md §3: the 3 January 2022 attack fell on its 2nd anniversary


class CalendarError(Exception):
    """A calendar file cannot be read; the message names the line and field."""


def read_calendar(path: str | Path) -> list[CalendarDate]:
    """A calendar CSV: header ``date,label[,annual]`` (annual: yes | no, default no)."""
    path = Path(path)
    try:
        text = path.read_text("utf-8-sig")
    except OSError as exc:
        raise CalendarError(f"{path}: cannot read ({exc.strerror or exc})") from None
    reader = csv.DictReader(io.StringIO(text))
    cols = [c.strip().lower() for c in reader.fieldnames or []]
    if "date" not in cols or "label" not in cols:
        raise CalendarError(f"{path}: line 1: the header must have date and label (and optionally annual)")
    reader.fieldnames = cols
    out, problems = [], []
    for row in reader:
        line = reader.line_num
        raw = (row.get("date") or "").strip()
        try:
            d = date.fromisoformat(raw)
        except ValueError:
            problems.append(f"{path}: line {line}: date: {raw!r} is not a real date YYYY-MM-DD")
            continue
        ann = (row.get("annual") or "no").strip().lower()
        if ann not in ("yes", "no", "true", "false", "1", "0", ""):
            problems.append(f"{path}: line {line}: annual: {ann!r} is not yes or no")
            continue
        out.append(CalendarDate(d, (row.get("label") or "").strip() or raw, ann in ("yes", "true", "1")))
    if problems:
        raise CalendarError("\n".join(problems))
    return out


@dataclass
class CalendarEffect:
    label: str
    occurrences: list[str]
    window_days: int  # ± days around each occurrence
    observed: int
    observed_days: float
    baseline: int
    baseline_days: float
    observed_per_week: float
    baseline_per_week: float
    ratio_median: float
    ratio_interval: tuple[float, float]
    p_higher: float  # P(rate near the dates > baseline rate)
    per_occurrence: list[dict] = field(default_factory=list)


def calendar_effects(
    dates: list[date],
    calendar: list[CalendarDate],
    span: tuple[date, date],
    half_window_days: int = 7,
    baseline_days: int = 90,
) -> list[CalendarEffect]:
    """For each calendar label: reported incidents within ±``half_window_days`` of each occurrence
    inside ``span`` [first, last day], against the ``baseline_days`` on either side outside the window."""
    first, last = span
    by_label: dict[str, list[date]] = defaultdict(list)
    for c in calendar:
        occ = (
            [c.day.replace(year=y) for y in range(first.year - 1, last.year + 2) if _valid_anniversary(c.day, y)]
            if c.annual
            else [c.day]
        )
        by_label[c.label].extend(o for o in occ if first <= o <= last)
    day_counts = Counter(dates)
    out = []
    for label, occ in by_label.items():
        if not occ:
            continue
        occ = sorted(set(occ))
        win: set[date] = set()
        for o in occ:
            win.update(o + timedelta(days=k) for k in range(-half_window_days, half_window_days + 1))
        win = {d for d in win if first <= d <= last}
        base: set[date] = set()
        for o in occ:
            base.update(
                o + timedelta(days=k)
                for k in range(-half_window_days - baseline_days, half_window_days + baseline_days + 1)
            )
        base = {d for d in base if first <= d <= last} - win
        n_w = sum(day_counts[d] for d in win)
        n_b = sum(day_counts[d] for d in base)
        rr = rate_ratio(n_w, len(win), n_b, max(len(base), 1))
        per = []
        for o in occ:
            w1 = [o + timedelta(days=k) for k in range(-half_window_days, half_window_days + 1)]
            per.append({"date": o.isoformat(), "observed": sum(day_counts[d] for d in w1 if first <= d <= last)})
        out.append(
            CalendarEffect(
                label=label,
                occurrences=[o.isoformat() for o in occ],
                window_days=half_window_days,
                observed=n_w,
                observed_days=float(len(win)),
                baseline=n_b,
                baseline_days=float(len(base)),
                observed_per_week=round(7 * n_w / max(len(win), 1), 4),
                baseline_per_week=round(7 * n_b / max(len(base), 1), 4),
                ratio_median=round(rr["median"], 4),
                ratio_interval=(round(rr["interval"][0], 4), round(rr["interval"][1], 4)),
                p_higher=round(1.0 - rr["p_fall"], 4),
                per_occurrence=per,
            )
        )
    return out


def _valid_anniversary(d: date, year: int) -> bool:
    try:
        d.replace(year=year)
    except ValueError:  # 29 February
        return False
    return True


# -- the whole analysis ----------------------------------------------------------------------------
@dataclass
class TrendAnalysis:
    caveat: str
    by: str
    n_incidents: int
    span: tuple[str, str]
    counts: dict  # {"start": [...], "total": [...], "by_weapon": {w: [...]}, "by_place": {p: [...]}}
    model: ChangePointFit
    model_before_question: ChangePointFit | None
    question: WindowComparison
    calendar: list[CalendarEffect]

    def to_dict(self) -> dict:
        return asdict(self)


def analyse(
    records: list[tuple[date, str, str]],
    by: str = "month",
    calendar: list[CalendarDate] | None = None,
    before: date | None = None,
    recent_weeks: int = 8,
    baseline_weeks: int = 52,
    min_segment: int | None = None,
    half_window_days: int = 7,
) -> TrendAnalysis:
    """Counts, the change-point model, the recent-weeks question and the calendar effects of
    ``records`` = [(date, weapon, place)]. ``before`` defaults to the first day of the month of the
    latest incident (for the 2019-2022 register: 2022-01-01)."""
    if not records:
        raise ValueError("the register holds no incidents to analyse")
    dates = [r[0] for r in records]
    s = count_series(dates, by)
    min_segment = min_segment or (3 if by == "month" else 8)
    by_weapon: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(len(s.start), dtype=int))
    by_place: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(len(s.start), dtype=int))
    index = {p: i for i, p in enumerate(s.start)}
    for d, w, place in records:
        i = index[period_start(d, by)]
        by_weapon[w][i] += 1
        by_place[place][i] += 1
    model = fit_change_point(s, min_segment)
    before = before or max(dates).replace(day=1)
    prior = [d for d in dates if d < before]
    model_q = None
    if prior:
        sq = count_series(prior, by, first=min(dates), last=before - timedelta(days=1))
        if len(sq.start) >= 2 * min_segment:
            model_q = fit_change_point(sq, min_segment)
    question = compare_windows(dates, before, recent_weeks, baseline_weeks)
    span = (s.start[0], s.end - timedelta(days=1))
    cal = calendar_effects(dates, list(calendar if calendar is not None else DEFAULT_CALENDAR), span, half_window_days)
    return TrendAnalysis(
        caveat=CAVEAT,
        by=by,
        n_incidents=len(dates),
        span=(span[0].isoformat(), span[1].isoformat()),
        counts={
            "start": [p.isoformat() for p in s.start],
            "exposure_days": s.exposure_days.tolist(),
            "total": s.count.tolist(),
            "by_weapon": {k: v.tolist() for k, v in sorted(by_weapon.items())},
            "by_place": {k: v.tolist() for k, v in sorted(by_place.items())},
        },
        model=model,
        model_before_question=model_q,
        question=question,
        calendar=cal,
    )
