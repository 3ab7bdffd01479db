"""Sensor models: truth in, :mod:`bastion.sense` data out (plus truth labels for the harness).

Radar: for every object in the air the model computes the geometry from the radar, applies the
coverage (minimum and maximum range, the masking elevation below which the site's clutter fence and
nearby buildings hide low targets, the maximum elevation, and where the site has a surface, the
terrain and obstacles between the radar and the target: :mod:`bastion.physics.terrain`), scales the
radar equation's mean SNR by the ground's multipath (two-ray, rough surface:
:mod:`bastion.physics.multipath`; for radars of known frequency) and divides it by the two-way rain
loss where rain falls (:mod:`bastion.physics.rain`), draws the target's Swerling fluctuation, the
receiver noise
and the square-law detector output (:mod:`bastion.physics.detection`): detection is the detector
crossing its threshold, so Pd follows from the radar equation, not from a table. Detected plots
get Gaussian measurement noise in range, azimuth, elevation (and range rate where measured), and,
where the radar classes its plots by micro-Doppler (``RadarType.micro_doppler_accuracy``), a bird /
not-bird class that is right with that probability, independently look by look (a bird's wing-beat
modulation against a drone's blade lines or a rigid body; shared/domain/ram-and-layers.md §7), drawn
from a stream of its own so that the other draws of a scan are those of a radar without it.
False alarms: a Poisson number per scan spread uniformly over the coverage. Plots are shuffled so
their order reveals nothing.

ADS-B: each airborne civil aircraft that broadcasts sends airborne position and velocity about
twice a second (DO-260B nominal 0.5 s; shared/domain/sensors.md §3); the receiver decodes those in
range. Reported positions carry GNSS error consistent with the aircraft's NACp (95 % bound =
2.45 sigma of a circular Gaussian); barometric altitude is quantised to 25 ft.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bastion.physics import detection, multipath
from bastion.physics.constants import FT
from bastion.physics.geodesy import Origin, enu_to_polar, wrap_angle
from bastion.physics.rain import RainLoss
from bastion.physics.terrain import Surface
from bastion.scenario.compiled import AdsbSite, RadarSite
from bastion.sense.types import MD_BIRD, MD_NOT_BIRD, NACP_EPU_M, AdsbReports, Detections
from bastion.world.labels import BIRD_LABEL
from bastion.world.readonly import EMPTY, NO_INDEX, frozen


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


class RadarModel:
    """A radar's scans of the truth, with its own random stream (see the module docstring)."""

    def __init__(
        self,
        site: RadarSite,
        rng: np.random.Generator,
        surface: Surface | None = None,
        roughness_m: float = multipath.DEFAULT_ROUGHNESS_M,
        rng_micro_doppler: np.random.Generator | None = None,
        rain: RainLoss | None = None,
    ) -> None:
        self.site = site
        self.rng = rng
        self.surface = surface  # terrain and obstacles that hide targets (None: the flat datum)
        self.roughness_m = roughness_m  # standard deviation of the ground's heights (multipath) [m]
        # the micro-Doppler classes' own stream, so that classing plots leaves the radar's other draws
        # as they are (None: one derived from ``rng``'s seed, without touching ``rng``)
        self.rng_micro_doppler = rng_micro_doppler if rng_micro_doppler is not None else _derived(rng, "micro-doppler")
        self.rain = rain  # the rain's two-way attenuation of the echoes (None: no rain)

    def observe(self, t: float, picture: AirPicture) -> tuple[Detections, np.ndarray]:
        """One scan at time ``t``: the plots, and the truth label of each plot (harness only)."""
        return observe_scans([self], t, [picture])[0]


def observe_scans(
    models: Sequence[RadarModel], t: float, pictures: Sequence[AirPicture]
) -> list[tuple[Detections, np.ndarray]]:
    """One scan at ``t`` of the same radar in several replications of a night, each with its own
    model (its own random stream) and picture: every replication's plots and truth labels.

    The geometry, detection and measurement arithmetic is done once over every replication's
    objects; the random draws are made per replication, in the order a scan of its own makes them
    (fluctuation, detector phase and noise, measurement noise of the plots, false alarms, shuffle),
    so each replication's scan is the one it would get alone, to the last bit."""
    site = models[0].site
    if any(m.site is not site for m in models):
        raise ValueError("observe_scans: the replications' models must be of one radar")
    rt = site.type
    doppler, iff = math.isfinite(rt.sigma_range_rate_mps), rt.iff
    md = math.isfinite(rt.micro_doppler_accuracy)  # a micro-Doppler bird / not-bird class with each plot
    pic = pictures[0] if len(pictures) == 1 else _concatenate_pictures(pictures)
    bounds = np.cumsum([0] + [len(p.rcs) for p in pictures]).tolist()
    rel = pic.pos - site.position
    r, az, el = enu_to_polar(rel)
    visible = (r >= rt.min_range_m) & (r <= rt.max_range_m) & (el >= rt.mask_elevation_rad)
    visible &= el <= rt.max_elevation_rad
    surface = models[0].surface
    if surface is not None:  # terrain and buildings hide what lies behind them (4/3 earth)
        seen = visible.nonzero()[0]
        visible[seen] = surface.clear(site.position, pic.pos[seen])
    snr_mean = detection.snr(pic.rcs, r, rt.ref_snr, rt.ref_rcs_m2, rt.ref_range_m)
    if math.isfinite(rt.frequency_ghz) and (vis := visible.nonzero()[0]).size:  # multipath near the horizon
        snr_mean[vis] *= _multipath(site.position, pic.pos[vis], surface, models[0].roughness_m, rt.frequency_ghz * 1e9)
    if models[0].rain is not None:  # rain attenuates the echo both ways (ITU-R P.838-3)
        snr_mean = snr_mean * models[0].rain.factor(r, el, float(site.position[2]))
    # first draws of each replication: the targets' fluctuation, then the detector's phase and noise
    factor, phase, noise = [], [], []
    for model, a, b in zip(models, bounds[:-1], bounds[1:], strict=True):
        factor.append(_fluctuation(pic.swerling[a:b], model.rng))
        p, q = detection.detector_draws((b - a,), model.rng)
        phase.append(p)
        noise.append(q)
    cat = np.concatenate
    if len(models) > 1:
        factor, phase, noise = cat(factor), cat(phase), cat(noise, axis=1)
    else:
        factor, phase, noise = factor[0], phase[0], noise[0]
    detected, power = detection.square_law(snr_mean * factor, phase, noise, rt.pfa)
    hit = (visible & detected).nonzero()[0]
    hit_bounds = [0, len(hit)] if len(models) == 1 else np.searchsorted(hit, bounds).tolist()
    # then each replication's measurement noise of its plots, its false alarms and its shuffle
    e_r, e_az, e_el, e_rr, iff_draw, md_draw = [], [], [], [], [], []
    f_r, f_az, f_el, f_pow, f_rr, f_md = [], [], [], [], [], []
    shuffles, n_plots, n_fa = [], [], []
    for r_, model in enumerate(models):
        rng = model.rng
        n = hit_bounds[r_ + 1] - hit_bounds[r_]
        if n:
            e_r.append(rng.normal(0.0, rt.sigma_range_m, n))
            e_az.append(rng.normal(0.0, rt.sigma_azimuth_rad, n))
            e_el.append(rng.normal(0.0, rt.sigma_elevation_rad, n))
            if doppler:
                e_rr.append(rng.normal(0.0, rt.sigma_range_rate_mps, n))
            if iff:
                iff_draw.append(rng.random(n))
            if md:
                md_draw.append(model.rng_micro_doppler.random(n))
        k = int(rng.poisson(rt.false_alarms_per_scan))
        if k:  # uniform over the coverage, noise exceedances above the threshold
            f_r.append(rng.uniform(rt.min_range_m, rt.max_range_m, k))
            f_az.append(rng.uniform(-np.pi, np.pi, k))
            f_el.append(rng.uniform(rt.mask_elevation_rad, rt.max_elevation_rad, k))
            f_pow.append(rng.exponential(1.0, k))
            if doppler:
                f_rr.append(rng.uniform(-150.0, 150.0, k))
            if md:  # noise has no modulation: the classifier's answer on it is a coin toss
                f_md.append(np.where(model.rng_micro_doppler.random(k) < 0.5, MD_BIRD, MD_NOT_BIRD).astype(np.int8))
        # the scan's plots (its hits, then its false alarms) shuffled, so that order reveals nothing
        shuffles.append(rng.permutation(n + k) if n + k else NO_INDEX)
        n_plots.append(n + k)
        n_fa.append(k)
    n_hits, n_false = len(hit), sum(n_fa)
    order = _scan_order(shuffles, n_plots, hit_bounds, n_fa, n_hits)
    r_hit = r[hit]
    m_r = [r_hit + cat(e_r)] if n_hits else []
    m_az = [wrap_angle(az[hit] + cat(e_az))] if n_hits else []
    m_el = [el[hit] + cat(e_el)] if n_hits else []
    if doppler:
        m_rr = [np.einsum("ij,ij->i", rel[hit], pic.vel[hit]) / np.maximum(r_hit, 1.0) + cat(e_rr)] if n_hits else []
        m_rr += f_rr
    else:
        m_rr = [np.full(n_hits + n_false, np.nan)]
    m_iff = [np.zeros(n_hits + n_false, dtype=bool)]
    if iff and n_hits and pic.iff is not None:
        m_iff = [pic.iff[hit] & (cat(iff_draw) < rt.p_iff_reply), np.zeros(n_false, dtype=bool)]
    labels = [pic.label[hit], np.full(n_false, NOISE_LABEL)]
    m_md = None
    if md:  # a bird's plot is classed bird, any other plot not bird, each right with the radar's accuracy
        parts = list(f_md)
        if n_hits:
            says_bird = (pic.label[hit] >= BIRD_LABEL) == (cat(md_draw) < rt.micro_doppler_accuracy)
            parts.insert(0, np.where(says_bird, MD_BIRD, MD_NOT_BIRD).astype(np.int8))
        m_md = frozen((cat(parts) if len(parts) > 1 else parts[0] if parts else np.zeros(0, np.int8))[order])
    m_pow = [power[hit]] + ([detection.threshold(rt.pfa) + cat(f_pow)] if n_false else [])
    fields = [m_r + f_r, m_az + f_az, m_el + f_el, m_rr, m_pow, labels, m_iff]
    m_r, m_az, m_el, m_rr, m_pow, labels, m_iff = (
        frozen((cat(f) if len(f) > 1 else f[0] if f else EMPTY)[order]) for f in fields
    )
    # RCS estimate a radar makes from its own calibration: (power - noise) scaled by R^4
    rcs_est = frozen(
        np.maximum(m_pow - 1.0, 1e-3) / rt.ref_snr * rt.ref_rcs_m2 * (np.maximum(m_r, 1.0) / rt.ref_range_m) ** 4
    )
    out = []
    end = 0
    for n in n_plots:
        s_ = slice(end, end := end + n)
        dets = Detections(
            t,
            site.index,
            m_r[s_],
            m_az[s_],
            m_el[s_],
            m_rr[s_],
            m_pow[s_],
            rcs_est[s_],
            m_iff[s_] if iff else None,
            m_md[s_] if md else None,
        )
        out.append((dets, labels[s_]))
    return out


def _derived(rng: np.random.Generator, name: str) -> np.random.Generator:
    """A generator of its own for the part ``name`` of a model seeded from ``rng``'s seed sequence (a
    child key of it, as :func:`bastion.engine.rng.stream` keys components), leaving ``rng`` untouched;
    a generator without a seed sequence gives its state jumped far ahead instead (still reproducible)."""
    seq = rng.bit_generator.seed_seq
    if getattr(seq, "entropy", None) is None:
        return np.random.Generator(rng.bit_generator.jumped())
    key = (*seq.spawn_key, zlib.crc32(name.encode("utf-8")))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seq.entropy, spawn_key=key)))


def _multipath(radar: np.ndarray, pos: np.ndarray, surface: Surface | None, roughness_m: float, frequency_hz: float):
    """The two-way multipath factor F^4 of every object (:mod:`bastion.physics.multipath`): heights
    above the terrain under the radar and under each object (the flat datum without a surface)."""
    h_radar, h_target = float(radar[2]), pos[:, 2]
    if surface is not None:
        h_radar -= float(surface.ground_at(radar[:1], radar[1:2])[0])
        h_target = h_target - surface.ground_at(pos[:, 0], pos[:, 1])
    ground_range = np.hypot(pos[:, 0] - radar[0], pos[:, 1] - radar[1])
    return multipath.snr_factor(h_radar, h_target, ground_range, frequency_hz, roughness_m)


def _scan_order(shuffles: list[np.ndarray], n_plots: list[int], hit_bounds: list[int], n_fa: list[int], n_hits: int):
    """Where each replication's shuffled plots come from, in rows of (every hit, then every false
    alarm): replication after replication, each one's shuffle of (its hits, then its false alarms)."""
    if len(shuffles) == 1:
        return shuffles[0]
    offsets = np.cumsum([0, *n_plots]).tolist()
    fa_offsets = np.cumsum([n_hits, *n_fa]).tolist()
    source = np.empty(offsets[-1], dtype=np.intp)
    for r, (start, n_fa_r) in enumerate(zip(offsets[:-1], n_fa, strict=True)):
        h0, h1 = hit_bounds[r], hit_bounds[r + 1]
        source[start : start + h1 - h0] = np.arange(h0, h1)
        source[start + h1 - h0 : offsets[r + 1]] = np.arange(fa_offsets[r], fa_offsets[r] + n_fa_r)
    return source[np.concatenate([s + o for s, o in zip(shuffles, offsets, strict=False)])]


def _fluctuation(swerling: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each target's RCS fluctuation factor, drawn case by case in increasing case order (one case,
    the usual picture, at once)."""
    if swerling.size and (swerling == swerling[0]).all():
        return detection.fluctuation(int(swerling[0]), swerling.shape, rng)
    factor = np.ones(swerling.shape)
    for case in sorted(set(swerling.tolist())):
        sel = swerling == case
        factor[sel] = detection.fluctuation(case, (int(sel.sum()),), rng)
    return factor


def _concatenate_pictures(pictures: Sequence[AirPicture]) -> AirPicture:
    cat = np.concatenate
    iff = [p.iff if p.iff is not None else np.zeros(len(p.rcs), dtype=bool) for p in pictures]
    return AirPicture(
        pos=cat([p.pos for p in pictures]),
        vel=cat([p.vel for p in pictures]),
        rcs=cat([p.rcs for p in pictures]),
        swerling=cat([p.swerling for p in pictures]),
        label=cat([p.label for p in pictures]),
        iff=cat(iff),
    )


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
        """Reports received in (t0, t1]; ``states(t)`` gives truth positions, velocities, existence of
        the aircraft (ICAO addresses ``icao24``, flight ids ``callsign``, whether each ``broadcasts``
        and its ``nacp``)."""
        return receive_batches([self], [t0], t1, [(states, icao24, callsign, broadcasts, nacp)])[0]

    def _squitters(self, t0: float, t1: float, states, broadcasts: np.ndarray) -> tuple | None:
        """The squitters sent in (t0, t1] and within the receiver's reach: their instants, the stacked
        instant x aircraft positions and velocities, and per instant the rows heard (or None).

        The squitter instants of the interval (a few: one every ``PERIOD_S``) are gated in one batch
        of arrays (instant x aircraft). This depends on the sky alone, not on the receiver's draws."""
        period = self.PERIOD_S
        times = [k * period for k in range(math.floor(t0 / period) + 1, math.floor(t1 / period) + 1)]
        if not times:
            return None
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
        return times, pos_all, vel_all, by_instant

    def _heard(self, squitters: tuple | None):
        """The squitters this receiver decodes: (reception times, rows of the stacked states,
        positions and velocities of those states), or None. Draws instant by instant, in the order a
        loop over instants takes them (losses, then reception-time jitter of what is heard)."""
        if squitters is None:
            return None
        times, pos_all, vel_all, by_instant = squitters
        rng = self.rng
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
            return None
        received = np.array(rows)
        return t, rows, pos_all[received], vel_all[received]


def receive_batches(
    models: Sequence[AdsbModel], t0: Sequence[float], t1: float, sources: Sequence[tuple]
) -> list[AdsbReports]:
    """The batches of reports several receivers hand over at ``t1`` (one per replication of a night,
    each with its own random stream and its own sky: ``sources`` as :meth:`AdsbModel.receive` takes
    them), each received since its ``t0``.

    Draws are made per receiver in the order a batch of its own makes them; the arithmetic, above all
    the conversion of the reported positions to WGS84 (a few tens of microseconds a call whatever its
    size), is done once for all, so each batch is the one its receiver would give alone, to the last
    bit. A call handles a handful of reports per receiver, so per-report bookkeeping is on lists."""
    heard = []
    skies: dict[tuple, tuple | None] = {}  # the squitters of a sky, heard by one receiver since one time
    for model, start, (states, _, _, broadcasts, nacp) in zip(models, t0, sources, strict=True):
        # replications whose sky is one object (civil traffic alone) share its squitters
        sky = (
            id(getattr(states, "__self__", states)),
            getattr(states, "__func__", None),
            broadcasts.tobytes(),
            id(model.site),
            start,
        )
        if sky not in skies:
            skies[sky] = model._squitters(start, t1, states, broadcasts)
        got = model._heard(skies[sky])
        if got is None:
            heard.append(None)
            continue
        t, rows, pos, vel = got
        which = [r % broadcasts.size for r in rows]
        nacp_w = nacp[which]
        gnss = model.rng.normal(0.0, 1.0, (len(rows), 2))
        vel_noise = model.rng.normal(0.0, 0.5, vel.shape)
        heard.append((t, which, pos, vel, nacp_w, gnss, vel_noise))
    some = [h for h in heard if h is not None]
    if not some:
        return [AdsbReports.empty() for _ in models]
    cat = np.concatenate
    pos, vel, nacp_w, gnss, vel_noise = (
        some[0][2:] if len(some) == 1 else [cat([h[k] for h in some]) for k in range(2, 7)]
    )
    origin = models[0].origin
    pos_err = pos.copy()
    pos_err[:, :2] += gnss * _GNSS_SIGMA_M[nacp_w][:, None]
    lat, lon, _ = origin.to_wgs84(pos_err)
    lat, lon = np.atleast_1d(lat), np.atleast_1d(lon)
    alt_q = np.rint((pos[:, 2] + origin.alt_m) / FT / 25.0) * 25.0 * FT  # barometric, 25 ft (rint: np.round)
    velocity = vel + vel_noise
    nacp_w = nacp_w.astype(int)
    out = []
    end = 0
    for h, (_, icao24, callsign, _, _) in zip(heard, sources, strict=True):
        if h is None:
            out.append(AdsbReports.empty())
            continue
        t, which = h[0], h[1]
        rows = slice(end, end := end + len(t))
        out.append(
            AdsbReports(
                t=np.array(t),
                icao24=np.array([icao24[i] for i in which], dtype="<U6"),
                callsign=np.array([callsign[i] for i in which], dtype="<U8"),
                lat=lat[rows],
                lon=lon[rows],
                altitude_m=alt_q[rows],
                velocity=velocity[rows],
                nacp=nacp_w[rows],
            )
        )
    return out
