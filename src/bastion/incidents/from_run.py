"""A run's incident: read a run's events and write its incident to the register.

The run's scenario text (kept with the run in the store) gives the site and its origin, so every
position is stored in site ENU metres and in WGS84. What is taken from which event kind:

* threats: ``launch`` (name, type, launch point); outcome from ``kill`` (intercepted), ``leak``
  (impacted), ``impact_open_ground`` (ignored-open-area if never fired at, impacted otherwise),
  else unknown; ``first_detection`` (range); the first ``warning`` of its tracks (warning time);
  ``tracks`` (the last predicted impact point and 95 % ellipse while hostile, before its end);
* tracks are tied to threats by the engagement record (``hit`` -> ``fire_order`` -> track) and, where
  the run recorded ``truth``, by the nearest truth threat to each hostile track at each scan
  (majority vote, within :data:`ASSOCIATION_GATE_M`): a harness association, as the run summary does;
* engagements: ``fire_order`` with the ``kill_assessment`` of the same order and any ``hit``;
* debris: ``debris_impact``; search areas: one per destroyed threat (see :func:`search_area`);
* damage: ``damage``; origins: ``point_of_origin`` (its position and ellipse).

The call is idempotent: a run already in the register returns its existing incident.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path

import numpy as np

from bastion.engine.effector_summary import rounds_fired_by_order
from bastion.incidents.register import Incident, Register
from bastion.incidents.sites import match_site, place_of
from bastion.physics.geodesy import Origin
from bastion.scenario.compiled import compile_stored
from bastion.store import EventStore

ASSOCIATION_GATE_M = 300.0  # a hostile track within this of a truth threat at a scan votes for it
SEARCH_MARGIN_M = 25.0  # added to the farthest recorded debris piece (placement error of a find)
MIN_SEARCH_RADIUS_M = 100.0
THREAT_LABEL_LIMIT = 10_000  # truth labels below this are threats (bastion.world.world.CIVIL_LABEL)

KINDS = (
    "launch",
    "first_detection",
    "identification",
    "threat",
    "warning",
    "fire_order",
    "gun_fired",
    "gun_ceased",
    "hit",
    "kill",
    "leak",
    "impact_open_ground",
    "detonation",
    "damage",
    "debris_impact",
    "fall_of_shot",
    "kill_assessment",
    "point_of_origin",
    "tracks",
    "truth",
)


def events_digest(store: EventStore, run_id: str) -> str:
    """SHA-256 over a run's stored events (seq, t, kind, source, payload text, in order)."""
    h = hashlib.sha256()
    for seq, t, kind, source, payload in store.db.execute(
        "SELECT seq, t, kind, source, payload FROM events WHERE run_id = ? ORDER BY seq", (run_id,)
    ):
        h.update(f"{seq}\t{t!r}\t{kind}\t{source}\t{payload}\n".encode())
    return h.hexdigest()


def search_area(kill_enu: np.ndarray, debris_en: np.ndarray) -> tuple[np.ndarray, float, str]:
    """Centre (east, north) [m], radius [m] and basis of the area to search for a threat's debris.

    Centred below the kill point. With recorded pieces, the radius reaches the farthest of them
    plus :data:`SEARCH_MARGIN_M`; without, it is the kill height (pieces gliding down at up to 45
    degrees, an engineering rule of thumb, L), and never below :data:`MIN_SEARCH_RADIUS_M`."""
    c = np.asarray(kill_enu[:2], dtype=float)
    if len(debris_en):
        r = float(np.max(np.hypot(*(np.asarray(debris_en)[:, :2] - c).T))) + SEARCH_MARGIN_M
        basis = f"below the kill point, to the farthest of {len(debris_en)} recorded pieces + {SEARCH_MARGIN_M:g} m"
    else:
        r = float(kill_enu[2])
        basis = "below the kill point, radius = kill height (45 degree glide, L)"
    return c, max(r, MIN_SEARCH_RADIUS_M), basis


def _origin_fields(p) -> tuple[list[float], tuple[float, float, float] | None]:
    """Position [e, n] and 95 % ellipse (semi-major, semi-minor [m], orientation [rad clockwise from
    north]) of a ``point_of_origin`` payload (:class:`bastion.event_types.PointOfOrigin`)."""
    ell = None
    if p.ellipse:
        a, b, o = p.ellipse[:3]
        ell = (float(a), float(b), float(o))
    return p.position, ell


def record_incident_from_run(events_db: str | Path, run_id: str, register_db: str | Path | None = None) -> int:
    """Create the incident of run ``run_id`` stored in ``events_db``; return its id.

    ``register_db`` defaults to ``events_db`` itself (the incident tables sit beside the events).
    Raises FileNotFoundError if the database does not exist, KeyError if it holds no such run."""
    events_db = Path(events_db)
    if not events_db.is_file():
        raise FileNotFoundError(f"{events_db}: no such events database")
    with EventStore(events_db) as store:
        run = next((r for r in store.runs() if r.run_id == run_id), None)
        if run is None:
            raise KeyError(f"{events_db} holds no run {run_id!r}")
        with Register(register_db or events_db) as reg:
            existing = reg.id_by_link("run", run_id)
            if existing is not None:
                return existing
        text = store.scenario_text(run_id)
        events = list(store.events(run_id, KINDS))
        digest = events_digest(store, run_id)
    compiled = compile_stored(text, f"run {run_id}")
    inc = build_incident(compiled, events, run_id, run.scenario_sha256, digest, str(events_db.resolve()), run.seed)
    with Register(register_db or events_db) as reg:
        existing = reg.id_by_link("run", run_id)
        return existing if existing is not None else reg.add(inc)


def _associate(events) -> dict[int, int]:
    """Track id -> threat index, from the engagement record and the truth-at-scan vote."""
    order_track = {e.payload.order: e.payload.track for e in events if e.kind == "fire_order"}
    votes: dict[int, Counter] = defaultdict(Counter)
    for e in events:
        if e.kind == "hit" and e.payload.order in order_track:
            votes[order_track[e.payload.order]][e.payload.threat] += 1_000  # decisive
    truth_at = {e.t: e.payload for e in events if e.kind == "truth"}
    for e in events:
        if e.kind != "tracks" or e.t not in truth_at:
            continue
        p, tr = e.payload, truth_at[e.t]
        lab = np.asarray(tr.label, dtype=int)
        keep = lab < THREAT_LABEL_LIMIT
        keep &= lab >= 0
        if not keep.any():
            continue
        tpos = np.asarray(tr.position, dtype=float)[keep]
        tlab = lab[keep]
        hostile = np.array([i in ("hostile", "unknown") for i in p.identity])
        if not hostile.any():
            continue
        ids = np.asarray(p.id)[hostile]
        pos = np.asarray(p.position, dtype=float)[hostile]
        d = np.linalg.norm(pos[:, None, :] - tpos[None, :, :], axis=2)  # (tracks, truths)
        j = np.argmin(d, axis=1)
        close = d[np.arange(len(ids)), j] <= ASSOCIATION_GATE_M
        for tid, k in zip(ids[close].tolist(), tlab[j[close]].tolist(), strict=True):
            votes[tid][k] += 1
    return {tid: c.most_common(1)[0][0] for tid, c in votes.items()}


def build_incident(
    compiled, events, run_id: str, scenario_sha256: str, events_sha256: str, db_path: str, seed: int
) -> Incident:
    """The incident record of a run from its compiled scenario and events (see the module doc)."""
    d = compiled.defence
    raid = compiled.raid
    origin: Origin = d.origin

    def wgs(e: float, n: float) -> tuple[float, float]:
        lat, lon, _ = origin.to_wgs84(np.array([e, n, 0.0]))
        return round(float(lat), 7), round(float(lon), 7)

    by_kind: dict[str, list] = defaultdict(list)
    for e in events:
        by_kind[e.kind].append(e)
    track_threat = _associate(events)
    tracks_of: dict[int, list[int]] = defaultdict(list)
    for tid, k in sorted(track_threat.items()):
        tracks_of[k].append(tid)
    order_track = {e.payload.order: e.payload.track for e in by_kind["fire_order"]}
    launch = {e.payload.threat: e for e in by_kind["launch"]}
    kill = {e.payload.threat: e for e in by_kind["kill"]}
    leak = {e.payload.threat: e for e in by_kind["leak"]}
    open_ground = {e.payload.threat: e for e in by_kind["impact_open_ground"]}
    first_det = {e.payload.threat: e for e in by_kind["first_detection"]}
    engaged_tracks = {e.payload.track for e in by_kind["fire_order"]}
    rounds_of_order = rounds_fired_by_order(by_kind["gun_fired"], by_kind["gun_ceased"])
    end_t = {k: e.t for k, e in {**open_ground, **leak, **kill}.items()}

    threats = []
    for i, plan in enumerate(raid.threats):
        tids = tracks_of.get(i, [])
        rec: dict = {
            "seq": i,
            "name": plan.name,
            "type": plan.type.name,
            "count": 1,
            "basis": "tracked" if tids or i in first_det else "untracked",
            "tracks": tids,
            "rounds_fired": int(sum(rounds_of_order.get(o, 0) for o, t in order_track.items() if t in tids)),
        }
        if i in launch:
            lp = launch[i].payload.position
            rec.update(launch_t_s=launch[i].t, launch_east_m=lp[0], launch_north_m=lp[1])
            rec["launch_lat"], rec["launch_lon"] = wgs(lp[0], lp[1])
        if i in kill:
            rec["outcome"] = "intercepted"
            kp = kill[i].payload.position
            rec.update(kill_east_m=kp[0], kill_north_m=kp[1], kill_height_m=kp[2])
            rec["kill_lat"], rec["kill_lon"] = wgs(kp[0], kp[1])
        elif i in leak or i in open_ground:
            ev = leak.get(i) or open_ground[i]
            fired = any(t in engaged_tracks for t in tids)
            rec["outcome"] = "impacted" if i in leak or fired else "ignored-open-area"
            ip = ev.payload.position
            rec.update(impact_east_m=ip[0], impact_north_m=ip[1], impact_zone=ev.payload.zone)
            rec["impact_lat"], rec["impact_lon"] = wgs(ip[0], ip[1])
        else:
            rec["outcome"] = "unknown"
        if i in first_det:
            rec["first_detection_range_m"] = first_det[i].payload.range_m
        warns = [e for e in by_kind["warning"] if e.payload.track in tids]
        if warns:
            rec["warning_time_s"] = warns[0].payload.warning_time_s
        pred = _last_prediction(by_kind["tracks"], set(tids), end_t.get(i, np.inf))
        if pred is not None:
            (pe, pn), ell = pred
            rec.update(predicted_east_m=pe, predicted_north_m=pn)
            rec["predicted_lat"], rec["predicted_lon"] = wgs(pe, pn)
            if ell is not None:
                rec.update(
                    predicted_semi_major_m=ell[0],
                    predicted_semi_minor_m=ell[1],
                    predicted_orientation_deg=round(float(np.degrees(ell[2])), 2),
                )
        threats.append(rec)

    assessment = {e.payload.order: e.payload for e in by_kind["kill_assessment"]}
    hit_of_order = {e.payload.order: e.payload for e in by_kind["hit"]}
    engagements = []
    for n, e in enumerate(by_kind["fire_order"]):
        p = e.payload
        o = p.order
        if o in hit_of_order:
            result = "hit, destroyed" if hit_of_order[o].killed else "hit, survived"
        elif o in assessment:
            a = assessment[o]
            result = f"assessed {'destroyed' if a.destroyed else 'survived'} ({a.reason})"
        else:
            result = "unknown"
        engagements.append(
            {
                "seq": n,
                "t_s": e.t,
                "gun": str(p.gun),
                "track": p.track,
                "threat_seq": track_threat.get(p.track),
                "rounds": int(rounds_of_order.get(o, 0)),  # that left the muzzle
                "pk": p.pk,
                "range_m": p.range_m,
                "result": result,
            }
        )

    debris, pieces_of = [], defaultdict(list)
    for n, e in enumerate(by_kind["debris_impact"]):
        p = e.payload
        lat, lon = wgs(p.position[0], p.position[1])
        debris.append(
            {
                "seq": n,
                "threat_seq": p.threat,
                "piece": p.piece,
                "east_m": p.position[0],
                "north_m": p.position[1],
                "lat": lat,
                "lon": lon,
                "zone": p.zone,
                "t_s": e.t,
            }
        )
        pieces_of[p.threat].append(p.position)
    search_areas = []
    for i, e in sorted(kill.items()):
        c, r, basis = search_area(
            np.asarray(e.payload.position, dtype=float), np.asarray(pieces_of.get(i, [])).reshape(-1, 3)
        )
        lat, lon = wgs(c[0], c[1])
        search_areas.append(
            {
                "seq": len(search_areas),
                "threat_seq": i,
                "east_m": round(float(c[0]), 1),
                "north_m": round(float(c[1]), 1),
                "lat": lat,
                "lon": lon,
                "radius_m": round(r, 1),
                "basis": basis,
            }
        )

    damage = [
        {
            "seq": n,
            "threat_seq": e.payload.threat,
            "zone": e.payload.zone,
            "kind": e.payload.kind,
            "distance_m": e.payload.distance_m,
            "how": e.payload.how,
            "description": f"warhead {e.payload.how} {e.payload.distance_m} m from {e.payload.zone}",
        }
        for n, e in enumerate(by_kind["damage"])
    ]
    origins = []
    for e in by_kind["point_of_origin"]:
        pos, ell = _origin_fields(e.payload)
        lat, lon = wgs(float(pos[0]), float(pos[1]))
        trk = e.payload.track
        origins.append(
            {
                "seq": len(origins),
                "threat_seq": track_threat.get(trk),
                "track": trk,
                "east_m": float(pos[0]),
                "north_m": float(pos[1]),
                "lat": lat,
                "lon": lon,
                "semi_major_m": None if ell is None else ell[0],
                "semi_minor_m": None if ell is None else ell[1],
                "orientation_deg": None if ell is None else round(float(np.degrees(ell[2])), 2),
                "confidence": None,
                "method": "back-propagated track",
            }
        )

    kinds = {plan.type.kind for plan in raid.threats}
    weapon = (
        "unknown"
        if not kinds
        else {"drone": "drone", "rocket": "rocket", "mortar": "mortar"}.get(next(iter(kinds)), "unknown")
        if len(kinds) == 1
        else "mixed"
    )
    outcomes = [t["outcome"] for t in threats]
    intercepted = "yes" if "intercepted" in outcomes else "no" if outcomes and "unknown" not in outcomes else "unknown"
    t0 = min((e.t for e in by_kind["launch"]), default=0.0)
    t_end = max(
        (e.t for k in ("kill", "leak", "impact_open_ground", "debris_impact", "detonation") for e in by_kind[k]),
        default=d.duration_s,
    )
    start = d.start
    w0, w1 = start + timedelta(seconds=t0), start + timedelta(seconds=t_end)
    offset = w0.strftime("%z")
    offset = f"{offset[:3]}:{offset[3:]}" if offset else "+00:00"
    targets = sorted({e.payload.zone for e in by_kind["threat"] if e.payload.zone})
    lat0, lon0 = origin.lat_deg, origin.lon_deg
    site = match_site(d.site_name, lat0, lon0)
    dmg = "; ".join(f"{x['zone']} ({x['kind']}) {x['how']} at {x['distance_m']} m" for x in damage) or "none"
    return Incident(
        natural_key=f"run:{run_id}",
        origin="run",
        location=d.site_name,
        date_local=w0.date().isoformat(),
        weapon=weapon,
        place=place_of(d.site_name, site, lat0, lon0),
        site=site,
        lat=lat0,
        lon=lon0,
        time_local=w0.strftime("%H:%M"),
        utc_offset=offset,
        window_start=w0.isoformat(timespec="seconds"),
        window_end=w1.isoformat(timespec="seconds"),
        target=", ".join(targets),
        count=len(raid.threats),
        intercepted=intercepted,
        casualties="not modelled",
        damage=dmg,
        claimed="unknown",
        investigation_status="open",
        notes=f"simulated: scenario {d.name} ({scenario_sha256[:12]}), seed {seed}",
        threats=threats,
        engagements=engagements,
        damage_items=damage,
        origins=origins,
        debris=debris,
        search_areas=search_areas,
        links=[
            {
                "kind": "run",
                "ref": run_id,
                "db_path": db_path,
                "scenario_sha256": scenario_sha256,
                "events_sha256": events_sha256,
                "start_local": start.isoformat(),
            }
        ],
    )


def _last_prediction(tracks_events, tids: set[int], before: float):
    """Last (impact point (e, n), ellipse or None) of any of ``tids`` while hostile, before ``before``."""
    if not tids:
        return None
    best = None
    for e in tracks_events:
        if e.t >= before:
            break
        p = e.payload
        for k, tid in enumerate(p.id):
            if tid in tids and p.identity[k] == "hostile" and p.impact_point[k] is not None:
                ell = p.ellipse[k] if p.ellipse else None
                best = (tuple(p.impact_point[k][:2]), tuple(ell) if ell else None)
    return best
