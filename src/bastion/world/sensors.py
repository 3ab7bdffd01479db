"""Sensor models: truth in, :mod:`bastion.sense` data out (plus truth labels for the harness).

Radar: for every object in the air the model computes the geometry from the radar, applies the
coverage (minimum and maximum range, the masking elevation below which terrain and buildings hide
low targets, the maximum elevation), draws the target's Swerling fluctuation, the receiver noise
and the square-law detector output (:mod:`bastion.physics.detection`): detection is the detector
crossing its threshold, so Pd follows from the radar equation, not from a table. Detected plots
get Gaussian measurement noise in range, azimuth, elevation (and range rate where measured).
False alarms: a Poisson number per scan spread uniformly over the coverage. Plots are shuffled so
their order reveals nothing.

ADS-B: each airborne civil aircraft that broadcasts sends airborne position and velocity about
twice a second (DO-260B nominal 0.5 s; shared/domain/sensors.md §3); the receiver decodes those in
range. Reported positions carry GNSS error consistent with the aircraft's NACp (95 % bound =
2.45 sigma of a circular Gaussian); barometric altitude is quantised to 25 ft.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bastion.physics import detection
from bastion.physics.constants import FT
from bastion.physics.geodesy import Origin, enu_to_polar, wrap_angle
from bastion.scenario.compiled import AdsbSite, RadarSite
from bastion.sense.types import NACP_EPU_M, AdsbReports, Detections
from bastion.world.readonly import frozen


@dataclass(frozen=True)
class AirPicture:
    """Truth of everything a radar could see at one instant (M objects)."""

    pos: np.ndarray  # (M, 3)
    vel: np.ndarray  # (M, 3)
    rcs: np.ndarray  # (M,) mean RCS [m^2]
    swerling: np.ndarray  # (M,)
    label: np.ndarray  # (M,) truth label of each object (harness only)
    iff: np.ndarray | None = None  # (M,) the object answers friendly IFF interrogation


NOISE_LABEL = -1
"""Truth label of a false alarm."""

NO_LABELS = frozen(np.zeros(0, dtype=int))


class RadarModel:
    def __init__(self, site: RadarSite, rng: np.random.Generator) -> None:
        self.site = site
        self.rng = rng
        rt = site.type
        # per-radar constants of every scan
        self._ref_snr = rt.ref_snr
        self._threshold = detection.threshold(rt.pfa)
        self._doppler = math.isfinite(rt.sigma_range_rate_mps)

    def observe(self, t: float, picture: AirPicture) -> tuple[Detections, np.ndarray]:
        """One scan at time ``t``: the plots, and the truth label of each plot (harness only)."""
        rt = self.site.type
        rng = self.rng
        rel = picture.pos - self.site.position
        r, az, el = enu_to_polar(rel)
        visible = (r >= rt.min_range_m) & (r <= rt.max_range_m) & (el >= rt.mask_elevation_rad)
        visible &= el <= rt.max_elevation_rad
        snr_mean = detection.snr(picture.rcs, r, self._ref_snr, rt.ref_rcs_m2, rt.ref_range_m)
        # Swerling draws case by case in increasing case order; one case (the usual picture) at once
        sw = picture.swerling
        if sw.size and (sw == sw[0]).all():
            snr_inst = detection.fluctuate(snr_mean, int(sw[0]), rng)
        else:
            snr_inst = np.zeros_like(snr_mean)
            for case in sorted(set(sw.tolist())):
                sel = sw == case
                snr_inst[sel] = detection.fluctuate(snr_mean[sel], case, rng)
        detected, power = detection.square_law_detect(snr_inst, rt.pfa, rng)
        hit = (visible & detected).nonzero()[0]
        n = hit.size
        if n:
            r_hit = r[hit]
            m_r = r_hit + rng.normal(0.0, rt.sigma_range_m, n)
            m_az = wrap_angle(az[hit] + rng.normal(0.0, rt.sigma_azimuth_rad, n))
            m_el = el[hit] + rng.normal(0.0, rt.sigma_elevation_rad, n)
            if self._doppler:
                rr = np.einsum("ij,ij->i", rel[hit], picture.vel[hit]) / np.maximum(r_hit, 1.0)
                m_rr = rr + rng.normal(0.0, rt.sigma_range_rate_mps, n)
            else:
                m_rr = np.full(n, np.nan)
            m_pow = power[hit]
            labels = picture.label[hit]
            if rt.iff and picture.iff is not None:
                m_iff = picture.iff[hit] & (rng.random(n) < rt.p_iff_reply)
            else:
                m_iff = np.zeros(n, dtype=bool)
                if rt.iff:
                    rng.random(n)  # the reply draws are made (and lost) as for a picture with IFF
        k_fa = int(rng.poisson(rt.false_alarms_per_scan))
        if k_fa:
            f_r = rng.uniform(rt.min_range_m, rt.max_range_m, k_fa)
            f_az = rng.uniform(-np.pi, np.pi, k_fa)
            f_el = rng.uniform(rt.mask_elevation_rad, rt.max_elevation_rad, k_fa)
            f_pow = self._threshold + rng.exponential(1.0, k_fa)  # noise exceedances above threshold
            f_rr = rng.uniform(-150.0, 150.0, k_fa) if self._doppler else np.full(k_fa, np.nan)
            if n:
                cat = np.concatenate
                m_r, m_az, m_el = cat([m_r, f_r]), cat([m_az, f_az]), cat([m_el, f_el])
                m_rr, m_pow = cat([m_rr, f_rr]), cat([m_pow, f_pow])
                labels = cat([labels, np.full(k_fa, NOISE_LABEL)])
                m_iff = cat([m_iff, np.zeros(k_fa, dtype=bool)])
            else:
                m_r, m_az, m_el, m_rr, m_pow = f_r, f_az, f_el, f_rr, f_pow
                labels, m_iff = np.full(k_fa, NOISE_LABEL), np.zeros(k_fa, dtype=bool)
        elif not n:  # nothing to report
            return Detections.empty(t, self.site.index, iff=rt.iff), NO_LABELS
        order = rng.permutation(n + k_fa)
        m_r, m_az, m_el, m_rr, m_pow, labels, m_iff = (a[order] for a in (m_r, m_az, m_el, m_rr, m_pow, labels, m_iff))
        # RCS estimate a radar makes from its own calibration: (power - noise) scaled by R^4
        rcs_est = (
            np.maximum(m_pow - 1.0, 1e-3) / self._ref_snr * rt.ref_rcs_m2 * (np.maximum(m_r, 1.0) / rt.ref_range_m) ** 4
        )
        dets = Detections(t, self.site.index, m_r, m_az, m_el, m_rr, m_pow, rcs_est, m_iff if rt.iff else None)
        return dets, labels


_GNSS_SIGMA_M = NACP_EPU_M / 2.45 / 2.0
"""Per-axis sigma [m] of reported positions by NACp: real GNSS error is well inside the 95 % bound
(EPU = 2.45 sigma), at half of what the bound allows."""


class AdsbModel:
    """An ADS-B ground receiver decoding the squitters of cooperative aircraft."""

    PERIOD_S = 0.5

    def __init__(self, site: AdsbSite, origin: Origin, rng: np.random.Generator) -> None:
        self.site = site
        self.origin = origin
        self.rng = rng
        self._site_en = site.position[:2].copy()

    def receive(
        self,
        t0: float,
        t1: float,
        states,
        icao24: list[str],
        callsign: list[str],
        broadcasts: np.ndarray,
        nacp: np.ndarray,
    ) -> AdsbReports:
        """Reports received in (t0, t1]; ``states(t)`` gives truth positions, velocities, existence.

        The squitter instants of the interval (a few: one every ``PERIOD_S``) are gated in one batch
        of arrays (instant x aircraft); only the random draws go instant by instant, in the order a
        loop over instants takes them (losses, then reception-time jitter of what is heard). A call
        handles a handful of reports, so per-report bookkeeping is on Python lists."""
        rng = self.rng
        period = self.PERIOD_S
        times = [k * period for k in range(math.floor(t0 / period) + 1, math.floor(t1 / period) + 1)]
        if not times:
            return AdsbReports.empty()
        snaps = [states(tm) for tm in times]
        n_air = broadcasts.size
        pos_all = np.concatenate([s[0] for s in snaps])  # (instant * aircraft, 3)
        vel_all = np.concatenate([s[1] for s in snaps])
        offset = pos_all[:, :2] - self._site_en
        heard = np.concatenate([s[2] for s in snaps]) & (pos_all[:, 2] > 5.0)
        heard &= np.hypot(offset[:, 0], offset[:, 1]) <= self.site.range_m
        by_instant: list[list[int]] = [[] for _ in times]  # rows of pos_all heard, per instant
        for row in np.flatnonzero(heard.reshape(len(times), n_air) & broadcasts).tolist():
            by_instant[row // n_air].append(row)
        rows: list[int] = []  # rows received
        t: list[float] = []  # their reception times [s]
        for tm, heard_rows in zip(times, by_instant, strict=True):
            # 1090 MHz reception is not perfect: about 5 % of squitters are lost (garbling, fades)
            draws = rng.random(len(heard_rows)).tolist()
            kept = [row for row, u in zip(heard_rows, draws, strict=True) if u > 0.05]
            if kept:
                rows += kept
                t += [tm + u for u in rng.uniform(0.0, 0.05, len(kept)).tolist()]
        if not rows:
            return AdsbReports.empty()
        which_list = [r % n_air for r in rows]
        which = np.array(which_list)
        received = np.array(rows)
        pos, vel = pos_all[received], vel_all[received]
        nacp_w = nacp[which]
        sigma = _GNSS_SIGMA_M[nacp_w]
        pos_err = pos.copy()
        pos_err[:, :2] += rng.normal(0.0, 1.0, (which.size, 2)) * sigma[:, None]
        lat, lon, _ = self.origin.to_wgs84(pos_err)
        alt_msl = pos[:, 2] + self.origin.alt_m
        alt_q = np.rint(alt_msl / FT / 25.0) * 25.0 * FT  # (np.round to 0 decimals is rint)
        return AdsbReports(
            t=np.array(t),
            icao24=np.array([icao24[i] for i in which_list], dtype="<U6"),
            callsign=np.array([callsign[i] for i in which_list], dtype="<U8"),
            lat=np.atleast_1d(lat),
            lon=np.atleast_1d(lon),
            altitude_m=alt_q,
            velocity=vel + rng.normal(0.0, 0.5, vel.shape),
            nacp=nacp_w.astype(int),
        )
