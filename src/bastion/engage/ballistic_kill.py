"""Kill assessment of a ballistic round (rocket, artillery or mortar) after a burst: evidence, not a fall.

A round on its descending leg falls whether it was hit or not, and it may leave the radars' coverage
on its own, so the drone criteria of :mod:`bastion.engage.kill_assessment` (falling, slowing, track
lost) say nothing about it (issue 15: 44 of 51 such verdicts were wrong). A round is assessed
destroyed only on evidence a sensor gives, each test at a stated false-alarm probability (the
chance of calling an intact round destroyed on that test alone):

1. **Arc departure.** The free-flight arc fitted before the burst (:class:`~bastion.assess.ballistic.ArcFit`)
   predicts where an intact round will be at the time of each later plot, with the joint covariance
   of those predictions (:func:`~bastion.assess.ballistic.predict_positions`). The normalised
   innovation squared of the K plots taken since the first round could arrive,
   ``r' (C_pred + blockdiag(R_k))^-1 r`` with ``r`` the stacked plot-minus-prediction residuals and
   ``R_k`` each plot's measurement covariance, is chi-square with 3K degrees of freedom while the
   round flies on (Bar-Shalom, Li and Kirubarajan 2001, §5.4: the NIS test). Beyond the chi-square
   quantile at ``1 - PFA_ARC`` the round has left its arc: the separation kick and the changed drag
   of a broken round (or the track following a piece of it).
2. **RCS collapse.** The radar's RCS estimate of each plot fluctuates (Swerling), so the test is on
   the mean log-RCS: a drop of the post-burst mean below the pre-burst mean by more than
   ``z(1 - PFA_RCS)`` standard errors (one-sided; the per-plot spread is the pre-burst plots' own,
   at least the Swerling 3 value trigamma(2) = pi^2/6 - 1 of the log of a chi-square-4 variable)
   says the round lost most of its reflecting body.
3. **Fragments.** At least ``MIN_FRAGMENTS`` new plots (plots no track took, each starting a
   tentative track) within ``FRAGMENT_RADIUS_M`` of the round since the first round could arrive,
   *while* the main track loses consistency (its arc NIS beyond the quantile at
   ``1 - PFA_CONSISTENT``): a round breaking up. Clutter in a sphere of that radius is far rarer
   than one false alarm per look (the radars' figures: tens of false alarms per scan over km^3).

A round whose plots since the last round's arrival (at least ``MIN_POST_PLOTS``) fit its arc, with
no other evidence, has **survived**: re-engage while its time to impact allows (shoot–look–shoot).

**Track lost after a burst** is not evidence of a kill: an intact round may drop below the radar
mask or out of coverage, and the tracker may lose it. The verdict is then ``lost``: not destroyed,
so its warnings hold until its predicted impact time plus the warning board's margin, and a new
track on the same round is engaged afresh.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import polygamma
from scipy.stats import chi2, norm

from bastion.assess.ballistic import ArcFit, predict_positions
from bastion.physics.ballistics import Air

PFA_ARC = 1e-3  # P(an intact round's plots fail the arc test): a false kill on this test alone
PFA_RCS = 1e-3  # P(an intact round's RCS estimates fall this far by chance)
PFA_CONSISTENT = 0.05  # "loses consistency" for the fragments test: a looser arc test
MIN_FRAGMENTS = 2  # new plots near the round since the first round could arrive
FRAGMENT_RADIUS_M = 150.0  # [m] fragments separate at ~15 m/s (world debris assumption, L): a few s
MIN_POST_PLOTS = 2  # plots after the last round's arrival needed to say "survived"
SWERLING3_LOG_VAR = float(polygamma(1, 2))  # var of ln of a chi-square-4 (Swerling 3) RCS: pi^2/6 - 1


def arc_nis(fit: ArcFit | None, times: np.ndarray, pos: np.ndarray, cov: np.ndarray, air: Air) -> tuple[float, int]:
    """Normalised innovation squared of plots at ``times`` (K,), positions (K, 3) and measurement
    covariances (K, 3, 3) against the arc ``fit`` predicted forward, and its degrees of freedom 3K.
    NaN when there is no arc or the prediction fails (a parameter set flown out of range):
    undecided, never a kill."""
    k = int(times.size)
    if fit is None:
        return math.nan, 0
    if k == 0:
        return 0.0, 0
    with np.errstate(over="ignore", invalid="ignore"):
        mean, joint = predict_positions(fit, times, air)
    r = (pos - mean).reshape(-1)
    S = joint.copy()
    for j in range(k):
        S[3 * j : 3 * j + 3, 3 * j : 3 * j + 3] += cov[j]
    if not (np.isfinite(r).all() and np.isfinite(S).all()):
        return math.nan, 3 * k
    try:
        nis = float(r @ np.linalg.solve(S, r))
    except np.linalg.LinAlgError:
        return math.nan, 3 * k
    return nis, 3 * k


def arc_threshold(dof: int, pfa: float = PFA_ARC) -> float:
    """The chi-square quantile an intact round's NIS exceeds with probability ``pfa``."""
    return float(chi2.ppf(1.0 - pfa, dof))


def rcs_drop(before: list[float], after: list[float]) -> tuple[float, float]:
    """(z, drop) of the post-burst RCS estimates against the pre-burst ones [m^2]: ``drop`` the fall of
    the mean natural log-RCS, ``z`` that fall in standard errors (NaN with too few estimates)."""
    b = np.log(np.maximum(np.asarray(before, dtype=float), 1e-9))
    a = np.log(np.maximum(np.asarray(after, dtype=float), 1e-9))
    if b.size < 3 or a.size < 1:
        return math.nan, math.nan
    var = max(float(np.var(b, ddof=1)), SWERLING3_LOG_VAR)
    drop = float(b.mean() - a.mean())
    return drop / math.sqrt(var * (1.0 / b.size + 1.0 / a.size)), drop


def assess(
    fit: ArcFit | None,
    times: np.ndarray,
    pos: np.ndarray,
    cov: np.ndarray,
    rcs_before: list[float],
    rcs_after: list[float],
    t_last_arrival: float,
    fragments: int,
    alive: bool,
    air: Air,
) -> tuple[str, str]:
    """('destroyed' | 'survived' | 'undetermined' | 'lost', reason) of a ballistic round after a burst.

    ``fit``: its arc fitted before the burst; ``times`` (K,), ``pos`` (K, 3), ``cov`` (K, 3, 3): its
    plots since the first round could arrive (site frame), with their RCS estimates ``rcs_after``
    (``rcs_before``: those of the plots before the burst); ``t_last_arrival``: when the burst's last
    round could arrive; ``fragments``: new plots seen near it since; ``alive``: its track still
    exists. ``undetermined``: too few plots yet to tell; ``lost``: the track is gone without
    evidence (not a kill, see the module's docstring)."""
    nis, dof = arc_nis(fit, times, pos, cov, air)
    if dof and math.isfinite(nis) and nis > arc_threshold(dof):
        limit = arc_threshold(dof)
        return "destroyed", f"left its arc: NIS {nis:.0f} > {limit:.0f} (chi-square {dof} dof, Pfa {PFA_ARC:g})"
    z, drop = rcs_drop(rcs_before, rcs_after)
    if math.isfinite(z) and z > norm.ppf(1.0 - PFA_RCS):
        return "destroyed", f"RCS collapsed: {10 * drop / math.log(10):.1f} dB down ({z:.1f} standard errors)"
    loose = dof and math.isfinite(nis) and nis > arc_threshold(dof, PFA_CONSISTENT)
    if fragments >= MIN_FRAGMENTS and (loose or not alive):
        state = "inconsistent" if alive else "lost"
        return "destroyed", f"broke up: {fragments} new plots near it and its track {state}"
    after_last = int((times >= t_last_arrival - 1e-9).sum())
    if after_last >= MIN_POST_PLOTS and math.isfinite(nis):
        return "survived", f"on its arc: NIS {nis:.0f} of {dof} dof over {times.size} plots"
    if not alive:
        return "lost", "track lost after the burst without evidence of a kill (the round may fly on)"
    return "undetermined", f"{after_last} plots since the burst's last round could arrive"
