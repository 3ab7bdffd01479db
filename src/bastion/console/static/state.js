// The picture as the console knows it, folded from the server's events (decision side, plus what a
// trainer observes). One reducer for live nights and replays: a snapshot resets it, events update it.

export const TRAIL_POINTS = 60;
const LOG_MAX = 400;
const OBSERVED_MAX = 2000;

export class Picture {
  constructor() { this.reset(null); }

  reset(site) {
    this.site = site;
    this.t = 0;
    this.lastSeq = -1;
    this.weaponsControl = site ? site.doctrine.weapons_control : "";
    this.tracks = new Map();      // id -> latest track state
    this.tracksT = -1;
    this.trails = new Map();      // id -> [[t, e, n], ...]
    this.callsigns = new Map();   // id -> callsign (from identification)
    this.requests = new Map();    // request id -> {request, track, gun, pk, tti, zone, t, answered}
    this.warnings = new Map();    // "zone|track" -> warning payload + t
    this.engagement = new Map();  // track -> {gun, status, level, t}
    this.fireOrders = [];         // active lines of fire
    this.plots = new Map();       // radar index -> {t, points: [[e, n], ...]}
    this.observed = { kills: [], debris: [], shots: [], detonations: [], impacts: [] };
    this.counters = { rounds: 0, kills: 0, assessed: 0, impacts: 0, warnings: 0 };
    this.log = [];                // newest last
    this.version = 0;             // bumped on every change (for renderers)
    this.logVersion = 0;
  }

  // -- messages -------------------------------------------------------------------------------------
  applySnapshot(msg) {
    this.reset(msg.site || this.site);
    for (const [id, pts] of Object.entries(msg.trails || {})) this.trails.set(Number(id), pts.slice(-TRAIL_POINTS));
    for (const e of msg.events) this.apply(e, true);
    this.lastSeq = msg.seq;
    this.t = Math.max(this.t, msg.t || 0);
    this.version++; this.logVersion++;
  }

  applyEvents(events) {
    let tracksEvent = null;
    for (const e of events) {
      if (e.seq !== null && e.seq !== undefined) {
        if (e.seq <= this.lastSeq) continue;
        this.lastSeq = e.seq;
      }
      this.apply(e, false);
      if (e.kind === "tracks") tracksEvent = e;
    }
    this.version++;
    return tracksEvent;
  }

  apply(e, fromSnapshot) {
    const p = e.p;
    this.t = Math.max(this.t, e.t);
    switch (e.kind) {
      case "run_start":
        this.weaponsControl = p.weapons_control; break;
      case "tracks": this._tracks(e.t, p); break;
      case "detections": this._plots(e.t, p); break;
      case "identification":
        if (p.callsign) this.callsigns.set(p.track, p.callsign);
        break;
      case "track_deleted":
        this.tracks.delete(p.track); this.trails.delete(p.track); break;
      case "weapons_control":
        this.weaponsControl = p.to; break;
      case "authorisation_request":
        this.requests.set(p.request, { ...p, t: e.t, answered: null });
        this._engage(p.track, p.gun, "awaiting authorisation", "alert", e.t); break;
      case "authorisation": {
        this.requests.delete(p.request);
        this._engage(p.track, p.gun, p.approved ? `authorised by ${p.user}` : `denied by ${p.user}`,
          p.approved ? "action" : "", e.t);
        break;
      }
      case "authorisation_timeout":
        this.requests.delete(p.request);
        this._engage(p.track, p.gun, "request lapsed: not fired", "alert", e.t); break;
      case "authorisation_ignored":
        this.requests.delete(p.request); break;
      case "fire_order":
        this.fireOrders.push({ ...p, t: e.t });
        this._engage(p.track, p.gun, `firing ${p.rounds} rds`, "action", e.t); break;
      case "kill_assessment":
        this._engage(p.track, p.gun, p.destroyed ? "destroyed (assessed)" : "survived: re-engage",
          p.destroyed ? "good" : "", e.t);
        if (p.destroyed) this.counters.assessed++;
        break;
      case "engagement_refused": case "hold_fire": case "cannot_engage":
        this._engage(p.track, null, p.reason, "", e.t, true); break;
      case "threat_ignored":
        this._engage(p.track, null, "not engaged: open ground", "", e.t); break;
      case "warning":
        this.warnings.set(`${p.zone}|${p.track}`, { ...p, t: e.t }); this.counters.warnings++; break;
      case "all_clear":
        this.warnings.delete(`${p.zone}|${p.track}`); break;
      case "gun_fired":
        this.counters.rounds += p.rounds || 0; break;
      case "kill":
        this._observe("kills", { t: e.t, position: p.position }); this.counters.kills++; break;
      case "debris_impact":
        this._observe("debris", { t: e.t, position: p.position, piece: p.piece }); break;
      case "fall_of_shot":
        this._observe("shots", { t: e.t, position: p.position, dud: p.dud }); break;
      case "detonation":
        this._observe("detonations", { t: e.t, position: p.position, how: p.how }); break;
      case "leak": case "impact_open_ground":
        this._observe("impacts", { t: e.t, position: p.position, zone: p.zone, leak: e.kind === "leak" });
        if (e.kind === "leak") this.counters.impacts++;
        break;
      default: break;
    }
    if (e.text !== undefined) {
      this.log.push({ t: e.t, kind: e.kind, source: e.source, text: e.text, level: e.level });
      if (this.log.length > LOG_MAX) this.log.splice(0, this.log.length - LOG_MAX);
      if (!fromSnapshot) this.logVersion++;
    }
  }

  _tracks(t, p) {
    const seen = new Set();
    const n = p.id.length;
    for (let i = 0; i < n; i++) {
      const id = p.id[i];
      seen.add(id);
      const pos = p.position[i];
      this.tracks.set(id, {
        id, t, pos, vel: p.velocity[i], sigma: p.sigma_m[i], identity: p.identity[i], klass: p["class"][i],
        zone: p.zone[i], tti: p.time_to_impact_s[i], impact: p.impact_point[i], ellipse: p.ellipse[i],
        value: p.threat_value[i], icao24: p.icao24[i],
      });
      let trail = this.trails.get(id);
      if (!trail) { trail = []; this.trails.set(id, trail); }
      if (!trail.length || trail[trail.length - 1][0] < t) {
        trail.push([t, pos[0], pos[1]]);
        if (trail.length > TRAIL_POINTS) trail.shift();
      }
    }
    for (const id of this.tracks.keys()) if (!seen.has(id)) { this.tracks.delete(id); this.trails.delete(id); }
    this.tracksT = t;
    // lines of fire end when the last round has flown
    this.fireOrders = this.fireOrders.filter((f) => t <= f.t_end + f.tof_s + 1.0);
  }

  _plots(t, p) {
    const radar = this.site && this.site.radars[p.sensor];
    if (!radar) return;
    const points = [];
    for (let i = 0; i < p.n; i++) {
      const ground = p.range[i] * Math.cos(p.elevation[i]);
      points.push([radar.position[0] + ground * Math.sin(p.azimuth[i]), radar.position[1] + ground * Math.cos(p.azimuth[i])]);
    }
    this.plots.set(p.sensor, { t, points });
  }

  _engage(track, gun, status, level, t, onlyIfIdle = false) {
    const cur = this.engagement.get(track);
    if (onlyIfIdle && cur && (cur.level === "alert" || cur.level === "action" || cur.level === "good") && t - cur.t < 10) return;
    this.engagement.set(track, { gun: gun || (cur && cur.gun) || null, status, level, t });
  }

  _observe(list, item) {
    const a = this.observed[list];
    a.push(item);
    if (a.length > OBSERVED_MAX) a.shift();
  }

  // -- derived views ----------------------------------------------------------------------------------
  /** Tracks a defender must look at, soonest impact first. */
  threatQueue() {
    const rows = [];
    for (const tr of this.tracks.values()) {
      const eng = this.engagement.get(tr.id);
      const threat = tr.identity === "hostile" || (tr.identity === "unknown" && tr.value > 0) || eng;
      if (!threat || tr.identity === "civil" || tr.identity === "friendly") continue;
      rows.push({ track: tr, eng });
    }
    const key = (r) => (r.track.tti === null || r.track.tti === undefined ? Infinity : r.track.tti - (this.t - r.track.t));
    rows.sort((a, b) => key(a) - key(b) || a.track.id - b.track.id);
    return rows;
  }

  /** Every warned zone kind with its active warnings (soonest impact first). */
  zoneWarnings(now) {
    const out = [];
    if (!this.site) return out;
    for (const z of this.site.zones) {
      if (!["populated", "military", "infrastructure"].includes(z.kind)) continue;
      const active = [];
      for (const w of this.warnings.values()) {
        if (w.zone !== z.name) continue;
        const tr = this.tracks.get(w.track);
        let impact = w.impact_time;
        if (tr && tr.tti !== null && tr.tti !== undefined && tr.zone === w.zone) impact = tr.t + tr.tti;
        active.push({ ...w, left: impact - now });
      }
      active.sort((a, b) => a.left - b.left);
      out.push({ zone: z, active });
    }
    return out;
  }

  pendingRequests() { return [...this.requests.values()].sort((a, b) => a.t - b.t); }

  identityCounts() {
    const c = { hostile: 0, civil: 0, friendly: 0, unknown: 0, pending: 0 };
    for (const tr of this.tracks.values()) c[tr.identity] = (c[tr.identity] || 0) + 1;
    return c;
  }
}
