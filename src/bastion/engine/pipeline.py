"""The decision pipeline: sensor data in, orders and events out. Never sees truth.

Per radar scan: track (EKF + GNN + M-of-N) -> classify (kinematics, then birds by micro-Doppler) ->
evaluate threats (impact point, zone, probability, value) -> identify (ADS-B correlation, hostile
criteria) -> engage (kill assessment, assignment, fire control, safety, weapons control) -> warn
(zones at risk, all-clears). ADS-B reports update the identifier's cooperative picture between
scans. The same object runs behind the simulator and behind a live feed; only its inputs differ.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np

from bastion import event_types as ev
from bastion.assess.arcs import ArcEstimator
from bastion.assess.birds import BirdClassifier
from bastion.assess.classify import classify
from bastion.assess.identify import Identifier
from bastion.assess.threat import evaluate, with_arcs
from bastion.assess.types import Identity, ThreatPicture, TrackClass
from bastion.assess.warning import WarningBoard
from bastion.engage.assign import Assigner
from bastion.engage.availability import SENSOR_HOLD
from bastion.engage.manager import EngagementManager
from bastion.engage.wta.fast import FastAssigner
from bastion.orders import AimUpdate, EffectorOrder, FireOrder
from bastion.scenario.compiled import Defence
from bastion.sense.health import SensorHealth
from bastion.sense.types import AdsbReports, Detections, FireControlReport
from bastion.track import Tracker, TrackerConfig, Tracks
from bastion.track.types import TrackChanges, TrackStatus

Emit = Callable[[float, str, ev.Payload], object]  # (time [s], source, payload): EventLog.emit

ENGINE_TRACKER = TrackerConfig(filter="imm", imm_ballistic=True, max_initial_speed=400.0)
"""The engine's tracker: an IMM of nearly constant velocity (drones and airliners in straight flight),
coordinated turn (manoeuvres) and free flight under gravity (rockets and mortar rounds), EKF mode
filters, GNN, 3-of-4 confirmation; new tracks may move at up to 400 m/s (2 sigma per axis) so a
rocket's second plot still gates. Chosen on the built-in nights: on Baghdad (seeds 1-6) it destroys
both drones in every seed like the single-model CV EKF it replaced (q = 1 m^2/s^3, itself chosen over
q = 2-8 for the observed burst hit rate) with fewer bursts; on the rocket salvo only the free-flight
mode holds a track on a rocket (a CV track breaks every scan), giving impact predictions within a
few metres and points of origin within ~10 m."""


ADSB_FUSION_S = 6.0

# plain ints for the per-scan masks (an enum attribute look-up costs more than the comparison)
_PENDING = int(Identity.PENDING)
_HARMLESS = frozenset((Identity.CIVIL, Identity.FRIENDLY))
_HARMLESS_CODE = np.array([Identity(v) in _HARMLESS for v in range(len(Identity))])  # identity code -> civil/friendly
_AIRCRAFT, _BALLISTIC, _FALLING = int(TrackClass.AIRCRAFT), int(TrackClass.BALLISTIC), int(TrackClass.FALLING)
_TENTATIVE = int(TrackStatus.TENTATIVE)
_IDENTITY_NAMES = {int(v): v.name.lower() for v in Identity}
_CLASS_NAMES = {int(v): v.name.lower() for v in TrackClass}


def _r(a: np.ndarray, nd: int = 2) -> list:
    return np.round(a, nd).tolist()


class DecisionPipeline:
    """Decision side of the kill chain for one defended site."""

    def __init__(
        self,
        defence: Defence,
        emit: Emit,
        tracker_config: TrackerConfig | None = None,
        assigner: Assigner | None = None,
        record_plots: bool = True,
        tracker: Tracker | None = None,
        replica: int = 0,
    ) -> None:
        """``tracker`` and ``replica``: a tracker shared by several replications of a night (one
        pipeline each, stepped together by :func:`bastion.engine.simulation.run_batch`) and this
        pipeline's replication in it; by default the pipeline has a tracker of its own."""
        self.defence = defence
        self.emit = emit
        self.record_plots = record_plots
        self.tracker = tracker or Tracker(defence.radars, tracker_config or ENGINE_TRACKER)
        self.replica = replica
        self.identifier = Identifier(
            defence.origin, defence.doctrine.min_updates_hostile, defence.radars, defence.corridors
        )
        self.engagements = EngagementManager(defence, assigner or FastAssigner())
        self.birds = BirdClassifier(defence.radars)
        self.arcs = ArcEstimator(defence.radars, defence.air)
        self.engagements.arcs = self.arcs  # the plots behind a ballistic round's kill assessment
        self._last_fusion = -np.inf
        self.debris_of: dict[int, int] = {}  # track -> the engaged track it is debris of
        self._origin_reported: dict[int, int] = {}
        self.warnings = WarningBoard(
            defence.zones,
            defence.doctrine.warning_probability,
            defence.doctrine.warning_horizon_s,
            min_updates=defence.doctrine.min_updates_hostile,
        )
        self._zone_names = [z.name for z in defence.zones]
        self.tracks: Tracks | None = None
        self.picture: ThreatPicture | None = None
        self.stage_seconds = {"track": 0.0, "assess": 0.0, "engage": 0.0, "warn": 0.0, "fire_control": 0.0}
        self.health = SensorHealth(defence.radars, [a.name for a in defence.adsb])

    # -- inputs --------------------------------------------------------------------------------
    def on_adsb(self, reports: AdsbReports, receiver: int = 0, now: float | None = None) -> None:
        """Receiver ``receiver``'s batch of ``reports``, handed over at ``now`` by the system's clock
        (given: the batch, even an empty one, is the receiver's heartbeat for :meth:`check_sensors`)."""
        if now is not None:
            for payload in self.health.heard_adsb(receiver, now):
                self.emit(now, "sensor", payload)
        if len(reports):
            # the radar updates every track each scan; ADS-B refreshes the tracks of cooperative
            # aircraft (and keys them by ICAO address) every ADSB_FUSION_S with each aircraft's newest
            # report, which keeps the fusion's cost a small part of a scan's; the tracker fuses them as
            # the next scan begins, with the reports of the other nights of a batch (Tracker.queue_adsb)
            t_newest = float(reports.t.max())
            newest = self.identifier.on_adsb(reports)  # the rows reports.latest() keeps
            if t_newest - self._last_fusion >= ADSB_FUSION_S:
                self._last_fusion = t_newest
                # (every report as it is when each aircraft sent one: no copy)
                latest = reports if len(newest) == len(reports) else reports.rows(np.array(newest))
                self.tracker.queue_adsb(latest, self.defence.origin, self.replica)
            if self.record_plots:
                heard = sorted(set(reports.icao24.tolist()))
                self.emit(t_newest, "sensor", ev.Adsb(icao24=heard, reports=len(reports)))

    def on_gun_status(
        self, gun: int, ammunition: int, available: bool = True, reason: str = "", t: float | None = None
    ) -> None:
        """A mount's status report at ``t``: rounds left, and whether it can fire (its built-in test:
        ``reason`` when not, e.g. jammed, mount failed, magazine empty)."""
        for payload in self.engagements.gun_status(gun, ammunition, available, reason, t):
            self.emit(t if t is not None else 0.0, "decision", payload)

    def on_effector_report(self, kind: str, effector: int, order: int, rounds: int | None, t: float) -> None:
        """An effector other than a gun reports at ``t`` (``kind``: what happened): its rounds left
        (interceptors, laser shots), or that the interceptor of ``order`` detonated or destroyed itself,
        or that its laser stopped (:meth:`bastion.engage.layers.Layers.report`)."""
        layers = self.engagements.layers
        if layers is not None:
            for payload in layers.report(kind, effector, order, rounds, t):
                self.emit(t, "decision", payload)

    def admit(self, det: Detections, now: float | None = None) -> bool:
        """The input check of a radar scan received at ``now`` by the system's clock: refused (with an
        event saying why) when its time is out of order, far from the clock, or an unconfirmed jump
        (:class:`~bastion.sense.health.SensorHealth`); a refused scan must not be passed on."""
        ok, events = self.health.admit(det.sensor, det.t, now)
        for payload in events:
            self.emit(det.t if now is None else now, "sensor", payload)
        return ok

    def check_sensors(self, now: float) -> None:
        """At ``now`` by the system's clock: declare out the sensors silent too long (event
        ``sensor_outage`` with the reason). With no radar left, hostile tracks only coast: hold fire
        on each and say why (a stale track is never engaged in any case)."""
        events, radars = self.health.check(now)
        for payload in events:
            self.emit(now, "sensor", payload)
        if radars and self.health.all_radars_out and self.picture is not None:
            names = ", ".join(r.name for r in self.defence.radars)
            for tid, identity in zip(self.picture.track_id.tolist(), self.picture.identity.tolist(), strict=True):
                if identity == int(Identity.HOSTILE) and tid not in self.engagements.destroyed:
                    for payload in self.engagements._say(tid, "hold_fire", f"{SENSOR_HOLD}: {names} out"):
                        self.emit(now, "decision", payload)

    def on_fire_control(self, reports: list[FireControlReport]) -> list[AimUpdate]:
        """The mounts' fire-control radar reports (closed-loop fire control): new aim schedules for
        the bursts in progress (none in open loop)."""
        c0 = time.perf_counter()
        updates, events = self.engagements.on_fire_control(reports)
        for payload in events:
            self.emit(reports[0].t, "decision", payload)
        self.stage_seconds["fire_control"] += time.perf_counter() - c0
        return updates

    def authorise(self, request_id: int, approved: bool, user: str, t: float) -> None:
        for payload in self.engagements.authorise(request_id, approved, user, t):
            self.emit(t, "operator", payload)

    def set_weapons_control(self, status: str, user: str, t: float) -> None:
        old = self.engagements.weapons_control
        self.engagements.set_weapons_control(status)
        self.emit(t, "operator", ev.WeaponsControl(from_=old, to=status, user=user))

    def on_radar(self, det: Detections) -> list[FireOrder | EffectorOrder]:
        """Process one radar scan; return the orders to send to the guns and other effectors."""
        c0 = time.perf_counter()
        tracks, changes = self.tracker.step(det)
        self.stage_seconds["track"] += time.perf_counter() - c0
        return self.on_tracks(det, tracks, changes)

    def on_tracks(self, det: Detections, tracks: Tracks, changes: TrackChanges) -> list[FireOrder]:
        """Every stage after tracking, for the scan ``det`` the tracker has just turned into ``tracks``
        and ``changes`` (:meth:`on_radar` steps the tracker first); returns the fire orders.

        A batch of nights in lock-step calls its parts itself: :meth:`record_tracks`, then
        :func:`~bastion.assess.classify.classify` and :func:`~bastion.assess.threat.evaluate` (pure
        functions of the tracks) once over every night's tracks, then :meth:`on_assessed`."""
        self.record_tracks(det, tracks, changes)
        c1 = time.perf_counter()
        klass = classify(tracks)
        g = evaluate(tracks, klass, self.defence.zones, skip=self.harmless(tracks))
        return self.on_assessed(det, tracks, changes, klass, g, c1)

    def record_tracks(self, det: Detections, tracks: Tracks, changes: TrackChanges) -> None:
        """The scan's plots (with per-scan records), confirmed tracks (and which are debris of an
        engaged target), and deleted tracks that had been identified."""
        t = det.t
        emit = self.emit
        if self.record_plots:
            emit(
                t,
                "sensor",
                ev.Detections(
                    sensor=det.sensor,
                    n=len(det),
                    range=_r(det.range, 1),
                    azimuth=_r(det.azimuth, 5),
                    elevation=_r(det.elevation, 5),
                ),
            )
        c0 = time.perf_counter()
        # tentative tracks (``changes.initiated``) are numerous — every false alarm starts one —
        # so they are recorded only once confirmed
        for tid in changes.confirmed:
            i = tracks.index_of(tid)
            if i is None:  # confirmed and ended within the same scan: nothing left to record
                continue
            parent = self.engagements.engaged_near(tracks.x[i, :3], t)
            if parent is not None:  # a new track where an engaged target was: its debris, not a new threat
                self.debris_of[tid] = parent
            emit(t, "decision", ev.TrackConfirmed(track=tid, position=_r(tracks.x[i, :3], 1)))
        for tid, reason in changes.deleted:
            if self.identifier.identity.get(tid, _PENDING) != _PENDING:
                emit(t, "decision", ev.TrackDeleted(track=tid, reason=reason))
        self.stage_seconds["track"] += time.perf_counter() - c0

    def harmless(self, tracks: Tracks) -> np.ndarray:
        """Tracks (N,) already identified civil or friendly, or classified birds at their last scan: no
        threat, nothing to predict for them."""
        known = self.identifier.identity
        return np.array([known.get(k) in _HARMLESS for k in tracks.id.tolist()], dtype=bool) | self.birds.birds(tracks)

    def on_assessed(
        self, det: Detections, tracks: Tracks, changes: TrackChanges, klass: np.ndarray, g, c1: float
    ) -> list[FireOrder]:
        """The stages after threat evaluation (classes ``klass``, geometry ``g`` of ``tracks``): arcs,
        identification, engagement, warnings; ``c1`` the time the assessment began (stage timing)."""
        t = det.t
        emit = self.emit
        arcs = self.arcs.update(tracks, det, klass != _AIRCRAFT)
        # every scan, even with no arc left: fire control must never aim from an arc that has ended
        self.engagements.arc_fits = {tid: st.fit for tid, st in arcs.items()}
        if arcs:
            for tid in arcs:
                klass[tracks.index_of(tid)] = _BALLISTIC
            g = with_arcs(g, tracks, arcs, self.defence.zones)
            self._emit_arcs(t, tracks, arcs, g)
        # birds: slow small tracks classed by the radars' micro-Doppler looks (undecided: never hostile)
        klass, birds = self.birds.update(tracks, det, klass)
        for payload in birds:
            emit(t, "decision", payload)
        # IFF replies and debris per track, left out (None) in the usual scan that has neither
        ids = tracks.id.tolist()
        iff = debris = None
        if det.iff is not None and det.iff.any():
            iff = np.zeros(len(tracks), dtype=bool)
            used = tracks.detection >= 0
            iff[used] = det.iff[tracks.detection[used]]
        if self.debris_of:
            debris = np.fromiter((k in self.debris_of for k in ids), dtype=bool, count=len(ids))
            klass[debris] = _FALLING
        identity, id_changes, flags = self.identifier.update(tracks, klass, g.p_reach, g.value, iff, debris)
        for payload in flags:
            emit(t, "decision", payload)
        threat_value = np.where(_HARMLESS_CODE[identity], 0.0, g.value * g.p_reach)
        picture = ThreatPicture.of(
            t,
            tracks.id,
            identity,
            klass,
            g.zone,
            g.impact_point,
            g.impact_time,
            g.ellipse_axes,
            g.ellipse_orientation,
            g.p_reach,
            g.value,
            threat_value,
            g.p_zone,
            g.t_zone,
        )
        for tid, old, new, reason in id_changes:
            icao = callsign = None
            if new == Identity.CIVIL:
                icao = self.identifier.icao_of.get(tid)
                callsign = self.identifier.aircraft[icao].callsign if icao else ""
            change = ev.Identification(
                track=tid, from_=old.name.lower(), to=new.name.lower(), reason=reason, icao24=icao, callsign=callsign
            )
            emit(t, "decision", change)
            if new == Identity.HOSTILE:
                i = tracks.index_of(tid)
                emit(t, "decision", self._threat_payload(picture, tracks, i))
        c2 = time.perf_counter()
        if self.engagements.looking and changes.initiated:
            self.engagements.note_new_plots(tracks, changes.initiated)
        orders, events, ended = self.engagements.step(tracks, picture, self.defence.radars[det.sensor].scan_period_s)
        for payload in events:
            emit(t, "decision", payload)
        for tid, _reason in changes.deleted:
            ended.setdefault(tid, "track lost")
        for tid, k in zip(ids, klass.tolist(), strict=True):
            if k == _FALLING:
                ended.setdefault(tid, "fallen")
        for tid in self.engagements.destroyed:  # also for the other radars' scans at the same time
            ended.setdefault(tid, "assessed destroyed")
        c3 = time.perf_counter()
        debris_from = self.engagements.debris_from
        for payload in self.warnings.update(picture, ended, tracks.updates, tracks.x[:, 2], debris_from):
            emit(t, "decision", payload)
        c4 = time.perf_counter()
        if self.record_plots:
            self._emit_picture(tracks, picture)
        self.tracks, self.picture = tracks, picture
        st = self.stage_seconds
        st["assess"] += c2 - c1
        st["engage"] += c3 - c2
        st["warn"] += c4 - c3
        return orders

    # -- records ---------------------------------------------------------------------------------
    def _emit_arcs(self, t: float, tracks: Tracks, arcs: dict, g) -> None:
        """Impact predictions every scan, the point of origin when first known and as it firms up
        (every 4 more plots), and open-ground threats logged once."""
        for tid, st in arcs.items():
            i = tracks.index_of(tid)
            imp = st.impact
            if imp is not None:
                self.emit(
                    t,
                    "decision",
                    ev.ImpactPrediction(
                        track=tid,
                        impact_point=_r(imp.point, 1),
                        impact_time=round(imp.time, 2),
                        ellipse=[*_r(imp.axes, 1), round(imp.orientation, 3)],
                        zone=self.defence.zones[g.zone[i]].name if g.zone[i] >= 0 else None,
                        p_reach=round(float(g.p_reach[i]), 3),
                        plots=st.fit.n_plots,
                    ),
                )
                engaged = tid in self.engagements.fired_at or tid in self.engagements.destroyed
                if g.zone[i] < 0 and not engaged:  # not the debris of a kill
                    for payload in self.engagements.ignore(tid, impact_point=_r(imp.point, 1)):
                        self.emit(t, "decision", payload)
            n = st.fit.n_plots
            org = self.arcs.origin(st) if n >= self._origin_reported.get(tid, 0) + 4 else None
            if org is not None:
                self._origin_reported[tid] = n
                lat, lon, _ = self.defence.origin.to_wgs84(np.array([org.point[0], org.point[1], 0.0]))
                self.emit(
                    t,
                    "decision",
                    ev.PointOfOrigin(
                        track=tid,
                        position=_r(org.point, 1),
                        lat=round(float(lat), 6),
                        lon=round(float(lon), 6),
                        ellipse=[*_r(org.axes, 1), round(org.orientation, 3)],
                        launch_time=round(org.time, 2),
                        plots=n,
                    ),
                )

    def _threat_payload(self, picture: ThreatPicture, tracks: Tracks, i: int) -> ev.Threat:
        z = picture.zone[i]
        return ev.Threat(
            track=int(tracks.id[i]),
            klass=TrackClass(picture.klass[i]).name.lower(),
            zone=self.defence.zones[z].name if z >= 0 else None,
            p_reach=round(float(picture.p_reach[i]), 3),
            threat_value=round(float(picture.threat_value[i]), 2),
            impact_point=_r(picture.impact_point[i], 1),
            time_to_impact_s=round(float(picture.impact_time[i] - picture.t), 1)
            if np.isfinite(picture.impact_time[i])
            else None,
        )

    def _emit_picture(self, tracks: Tracks, picture: ThreatPicture) -> None:
        show = tracks.status != _TENTATIVE
        if not show.any():
            return
        # whole-array conversions, then Python lists: this runs every scan when plots are recorded
        i = show.nonzero()[0]
        tti = (picture.impact_time[i] - picture.t).tolist()
        points = picture.impact_point[i]
        has_point = np.isfinite(points).all(axis=1).tolist()
        axes = picture.ellipse_axes[i]
        has_axes = np.isfinite(axes).all(axis=1).tolist()
        zone_names = self._zone_names
        self.emit(
            picture.t,
            "decision",
            ev.Tracks(
                id=tracks.id[i].tolist(),
                position=_r(tracks.x[i, :3], 1),
                velocity=_r(tracks.x[i, 3:6], 1),
                sigma_m=_r(np.sqrt(tracks.P[i, :3, :3].trace(axis1=1, axis2=2)), 1),
                identity=[_IDENTITY_NAMES[v] for v in picture.identity[i].tolist()],
                klass=[_CLASS_NAMES[v] for v in picture.klass[i].tolist()],
                zone=[zone_names[z] if z >= 0 else None for z in picture.zone[i].tolist()],
                time_to_impact_s=[round(v, 1) if math.isfinite(v) else None for v in tti],
                impact_point=[p if ok else None for p, ok in zip(_r(points, 1), has_point, strict=True)],
                ellipse=[
                    [*a, round(o, 3)] if ok else None
                    for a, o, ok in zip(_r(axes, 1), picture.ellipse_orientation[i].tolist(), has_axes, strict=True)
                ],
                threat_value=_r(picture.threat_value[i], 2),
                icao24=[self.identifier.icao_of.get(k) for k in tracks.id[i].tolist()],
            ),
        )
