"""Which tracks are targets of interest: a sequential test of "small drone" against "bird" from the
detector power of each track's plots (what the lowsnr track file reports).

Birds are real echoes: every kinematic tracker confirms them, and against small drones they are the
main confuser (shared/domain/ram-and-layers.md §7, H). What tells them apart on a radar without
micro-Doppler is the mean RCS, which the detector power measures, one noisy plot at a time. This
module accumulates, per track, the likelihood of its plots' powers (and of its missed scans) under a
grid of mean RCS values, and tests

    H1: a small drone, mean RCS log-uniform over -20..-8 dBsm (0.01-0.16 m^2; ram-and-layers.md §7,
        small UAVs at 24 GHz, M; it holds the issue's 0.01-0.05 m^2 class),
    H0: a bird, mean RCS log-normal, median -25 dBsm, sigma 4 dB (ram-and-layers.md §7 sim default, L;
        its middle 80 % is -30..-20 dBsm, the M-rated bird span -30 to -19 dBsm),

by the ratio of the two marginal likelihoods (each hypothesis's likelihood averaged over its RCS
prior: the track's RCS is unknown but fixed, its echo fluctuating scan to scan, Swerling 1):

    L_n = ln  integral prod_k p(y_k | s) pi_1(s) ds  -  ln  integral prod_k p(y_k | s) pi_0(s) ds.

Per scan k of a track at range r_k, with the mean SNR d = d(s, r_k) of the radar equation
(:func:`bastion.physics.detection.snr`: the radar's reference SNR scaled by RCS and r^-4) and the
square-law threshold T = -ln Pfa (:mod:`bastion.track.amplitude`):

* the plot that started the track (its detection is given: the track exists because of it): the
  threshold-conditioned density p(a | a > T, d) = exp(-(a - T)/(1 + d)) / (1 + d);
* a later plot of power a: the detection and its power, P_D(d) p(a | a > T, d) = exp(-a/(1 + d)) / (1 + d);
* a later scan without a plot (``use_misses``): 1 - P_D(d) = 1 - exp(-T/(1 + d)) (Swerling 1 closed
  form), at the track's predicted range.

A plot without a usable power (NaN, or below the threshold, which a detector never reports: e.g. a
file whose power column is all ones) adds nothing, so a file without powers gives L = 0 for every
track. The integrals are sums over a grid of mean RCS (0.25 dB steps, -50..+5 dBsm, wide enough that
both priors' mass lies inside: the log-normal's tails beyond 6 sigma are dropped).

**Decision** (A. Wald, *Sequential Analysis*, 1947): with alpha the probability of reporting a bird
as a target of interest and beta that of hiding a drone, Wald's thresholds are
A = ln(beta / (1 - alpha)) and B = ln((1 - beta) / alpha). Wald's inequalities bound the error
probabilities of the test by those of its thresholds for any pair of probability measures, so they
hold for the marginal (mixture) likelihoods too. A track is *reported* unless its L is at or below A
("bird" accepted): an undecided track is reported (on a C-UAS, hiding a drone is the costly error: a
missing track fails open), and the test does not latch (a track later fed drone-like plots is
reported again). The defaults alpha = 0.05, beta = 0.01 (A = -4.55 nats) state that one drone track
in a hundred may be hidden; they are not fitted to any scenario.

The tracker keeps maintaining every track (a bird's track must still take the bird's plots, or they
would start new tracks and steal drones' plots); only what is reported changes. Used by
:func:`bastion.track.testbed.run_tracker` (``bastion track``) when the plots carry power; the
closed-loop engine classifies birds by micro-Doppler instead and does not use this.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bastion.physics.detection import snr, snr_for_pd

# The radar's sensitivity when a file does not state it: P_D 0.5 against 0.05 m^2 at 12.5 km, Pfa 1e-6
# (shared/domain/sensors.md §2 sim default "Pd vs 0.05 m^2 target falls off beyond ~10-15 km", L: the
# middle of that span as the 50 % point; Pfa 1e-6 the catalogue radars' figure).
DEFAULT_REFERENCE_PD = 0.5
DEFAULT_REFERENCE_RCS_M2 = 0.05
DEFAULT_REFERENCE_RANGE_M = 12_500.0

DRONE_DBSM = (-20.0, -8.0)  # H1: small UAVs at 24 GHz (ram-and-layers.md §7, M), log-uniform
BIRD_MEDIAN_DBSM, BIRD_SIGMA_DB = -25.0, 4.0  # H0: birds, log-normal (ram-and-layers.md §7 sim default, L)
GRID_DBSM = np.arange(-50.0, 5.0 + 1e-9, 0.25)  # mean RCS grid of the marginal likelihoods [dBsm]


def wald_bounds(false_report: float, missed_report: float) -> tuple[float, float]:
    """Wald's (A, B) = (ln(beta / (1 - alpha)), ln((1 - beta) / alpha)) for alpha = ``false_report``
    (a bird reported) and beta = ``missed_report`` (a drone hidden)."""
    a, b = false_report, missed_report
    if not (0.0 < a < 1.0 and 0.0 < b < 1.0 and a + b < 1.0):
        raise ValueError(f"wald_bounds: error probabilities {a}, {b} must be in (0, 1) with a sum below 1")
    return float(np.log(b / (1.0 - a))), float(np.log((1.0 - b) / a))


def log_priors(grid_dbsm: np.ndarray = GRID_DBSM) -> tuple[np.ndarray, np.ndarray]:
    """ln of the grid weights of the drone and bird RCS priors (each summing to 1 over the grid)."""
    lo, hi = DRONE_DBSM
    drone = ((grid_dbsm >= lo) & (grid_dbsm <= hi)).astype(float)
    drone[np.isclose(grid_dbsm, lo) | np.isclose(grid_dbsm, hi)] = 0.5  # trapezoid rule at the edges
    bird = np.exp(-0.5 * ((grid_dbsm - BIRD_MEDIAN_DBSM) / BIRD_SIGMA_DB) ** 2)
    with np.errstate(divide="ignore"):
        return np.log(drone / drone.sum()), np.log(bird / bird.sum())


@dataclass(frozen=True)
class Sensitivity:
    """The radar's detection figures the test needs: false-alarm probability per cell and the mean SNR
    ``ref_snr`` of a target of ``ref_rcs_m2`` at ``ref_range_m`` (Swerling 1)."""

    pfa: float
    ref_snr: float
    ref_rcs_m2: float = DEFAULT_REFERENCE_RCS_M2
    ref_range_m: float = DEFAULT_REFERENCE_RANGE_M

    @classmethod
    def from_reference_pd(
        cls,
        pfa: float,
        pd: float = DEFAULT_REFERENCE_PD,
        rcs_m2: float = DEFAULT_REFERENCE_RCS_M2,
        range_m: float = DEFAULT_REFERENCE_RANGE_M,
    ) -> Sensitivity:
        """From the detection probability ``pd`` (Swerling 1) of ``rcs_m2`` at ``range_m``."""
        return cls(pfa, snr_for_pd(pd, pfa), rcs_m2, range_m)

    @property
    def threshold(self) -> float:
        return float(-np.log(self.pfa))

    def snr(self, rcs_m2, range_m) -> np.ndarray:
        return snr(rcs_m2, range_m, self.ref_snr, self.ref_rcs_m2, self.ref_range_m)


def scan_log_likelihood(
    power: np.ndarray, range_m: np.ndarray, first: np.ndarray, sens: Sensitivity, use_misses: bool = True
) -> np.ndarray:
    """(N, G) ln p(scan | mean RCS on the grid) of N tracks' scans (module docstring): ``power`` NaN for
    a scan without a plot, ``range_m`` the plot's range (or the predicted one after a miss), ``first``
    the scan that started the track."""
    power = np.asarray(power, dtype=float)
    T = sens.threshold
    s = 10.0 ** (GRID_DBSM / 10.0)
    m = 1.0 + sens.snr(s[None, :], np.asarray(range_m, dtype=float)[:, None])  # (N, G): 1 + SNR
    got = np.isfinite(power)
    usable = got & (power >= T)
    a = np.where(usable, power, T)[:, None]
    out = np.zeros(m.shape)
    hit_first = usable & first
    hit_later = usable & ~first
    out[hit_first] = (-(a - T) / m - np.log(m))[hit_first]
    out[hit_later] = (-a / m - np.log(m))[hit_later]
    if use_misses:
        miss = ~got & ~first
        out[miss] = np.log(-np.expm1(-T / m[miss]))  # 1 - P_D
        later_no_power = got & ~usable & ~first  # detected, power unusable: P_D alone
        out[later_no_power] = (-T / m)[later_no_power]
    return out


@dataclass
class RcsClassifier:
    """Per-track drone-against-bird log-likelihood ratio, updated scan by scan (module docstring)."""

    sensitivity: Sensitivity
    false_report: float = 0.05  # alpha: probability of reporting a bird as a target of interest
    missed_report: float = 0.01  # beta: probability of hiding a drone
    use_misses: bool = True  # count missed scans (1 - P_D) as evidence too
    _uid: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False)
    _ll: np.ndarray = field(default_factory=lambda: np.zeros((0, GRID_DBSM.size)), repr=False)

    def __post_init__(self) -> None:
        self.reject_at, self.accept_at = wald_bounds(self.false_report, self.missed_report)
        self._log_drone, self._log_bird = log_priors()

    def update(self, uid: np.ndarray, power: np.ndarray, range_m: np.ndarray) -> np.ndarray:
        """Add one scan of the live tracks ``uid`` (N,) (any order; a uid not seen before is a new track,
        this scan its first): each one's plot power (NaN: no plot) and range. Returns their L (N,)."""
        uid = np.asarray(uid, dtype=np.int64)
        ll = np.zeros((uid.size, GRID_DBSM.size))
        known = np.zeros(uid.size, dtype=bool)
        if self._uid.size and uid.size:
            order = np.argsort(self._uid)
            pos = np.minimum(np.searchsorted(self._uid[order], uid), self._uid.size - 1)
            src = order[pos]
            known = self._uid[src] == uid
            ll[known] = self._ll[src[known]]
        ll += scan_log_likelihood(power, range_m, ~known, self.sensitivity, self.use_misses)
        self._uid, self._ll = uid.copy(), ll  # deleted tracks are forgotten
        return self.log_ratio(ll)

    def log_ratio(self, ll: np.ndarray) -> np.ndarray:
        """L = ln marginal likelihood (drone) - ln marginal likelihood (bird) of accumulated ``ll`` (N, G)."""
        from scipy.special import logsumexp  # (deferred: a file without powers never needs scipy)

        return logsumexp(ll + self._log_drone, axis=1) - logsumexp(ll + self._log_bird, axis=1)

    def reported(self, llr: np.ndarray) -> np.ndarray:
        """Mask of tracks reported as targets of interest: not (yet) accepted as birds (L > A)."""
        return np.asarray(llr) > self.reject_at
