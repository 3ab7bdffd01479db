// The map: the site drawn from its own geometry in its local east-north frame (metres), on a canvas.
// No tiles, no internet. Tracks are dead-reckoned between updates from their estimated velocity.

export const ID_COLOUR = {
  hostile: "#ff4d4d", civil: "#3ddc84", friendly: "#4da3ff", unknown: "#ffd23f", pending: "#9aa4ae",
};
export const ZONE_STYLE = {
  populated: ["rgba(199,125,255,0.20)", "#c77dff"],
  military: ["rgba(77,143,214,0.22)", "#5b9be0"],
  infrastructure: ["rgba(141,153,174,0.20)", "#9aa6b8"],
  open: ["rgba(82,121,111,0.18)", "#52796f"],
};
const LEADER_S = 30;        // velocity leader: where the track will be in 30 s
const MAX_DEAD_RECKON_S = 2; // never extrapolate a track further than this past its last update
const DEG = Math.PI / 180;

function boxOf(points, pad) {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const [x, y] of points) { x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y); }
  return [x0 - pad, y0 - pad, x1 + pad, y1 + pad];
}

export class MapView {
  constructor(canvas, { onUserView, onPick } = {}) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.onUserView = onUserView || (() => {});
    this.onPick = onPick || (() => {});
    this.site = null;
    this.cx = 0; this.cy = 0; this.k = 0.05;   // view centre [m] and scale [px per m]
    this.target = null;                        // {cx, cy, k} being eased toward
    this.auto = true;
    this.showPlots = false;
    this.selected = null;
    this.hover = null;
    this.W = 0; this.H = 0;
    this.margins = { top: 100, bottom: 110, left: 30, right: 30 };
    this._drawn = [];                          // [x, y, track] of the last frame, for picking
    this._bindInput();
    this.resize();
  }

  // -- view ---------------------------------------------------------------------------------------------
  resize() {
    const r = this.canvas.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    this.W = Math.max(r.width, 10); this.H = Math.max(r.height, 10);
    this.canvas.width = Math.round(this.W * dpr); this.canvas.height = Math.round(this.H * dpr);
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  }

  setSite(site) {
    const first = !this.site;
    this.site = site;
    this.siteBox = boxOf(this._sitePoints(), 800);
    if (first) { const v = this._fitView(this.siteBox); this.cx = v.cx; this.cy = v.cy; this.k = v.k; }
  }

  _sitePoints() {
    const s = this.site, pts = [];
    for (const z of s.zones) for (const p of z.ring) pts.push(p);
    for (const r of s.runways) for (const p of r.ends) pts.push(p);
    for (const g of s.guns) { pts.push([g.position[0] - g.reach_m, g.position[1] - g.reach_m]); pts.push([g.position[0] + g.reach_m, g.position[1] + g.reach_m]); }
    for (const r of s.radars) pts.push(r.position);
    return pts;
  }

  _fitView([x0, y0, x1, y1]) {
    // fit inside the part of the canvas the overlays (counters, tools, legend) leave clear
    const m = this.margins;
    const w = Math.max(this.W - m.left - m.right, 50), h = Math.max(this.H - m.top - m.bottom, 50);
    const k = Math.min(w / Math.max(x1 - x0, 1), h / Math.max(y1 - y0, 1));
    const sx = m.left + w / 2, sy = m.top + h / 2;
    return { cx: (x0 + x1) / 2 - (sx - this.W / 2) / k, cy: (y0 + y1) / 2 + (sy - this.H / 2) / k, k };
  }

  fit(box, animate = true) {
    const v = this._fitView(box);
    if (animate) this.target = v; else { Object.assign(this, v); this.target = null; }
  }

  fitSite() { this.setAuto(false); this.fit(this.siteBox); }

  fitCoverage() {
    this.setAuto(false);
    const pts = [];
    for (const r of this.site.radars) {
      const R = r.detection_ring_m;
      pts.push([r.position[0] - R, r.position[1] - R], [r.position[0] + R, r.position[1] + R]);
    }
    this.fit(boxOf(pts.length ? pts : this._sitePoints(), 500));
  }

  zoom(f, x = this.W / 2, y = this.H / 2) {
    const [e, n] = this.toWorld(x, y);
    this.k = Math.min(Math.max(this.k * f, 1e-4), 5);
    this.cx = e - (x - this.W / 2) / this.k;
    this.cy = n + (y - this.H / 2) / this.k;
    this.target = null;
  }

  setAuto(on) { this.auto = on; this.onUserView(on); }

  /** Follow the threats: the site plus every hostile, unknown or pending track and its predicted impact. */
  autoFrame(picture) {
    if (!this.auto || !this.site) return;
    const pts = this._sitePoints();
    const c = [(this.siteBox[0] + this.siteBox[2]) / 2, (this.siteBox[1] + this.siteBox[3]) / 2];
    for (const tr of picture.tracks.values()) {
      const d = Math.hypot(tr.pos[0] - c[0], tr.pos[1] - c[1]);
      const threat = tr.identity === "hostile" || ((tr.identity === "unknown" || tr.identity === "pending") && tr.value > 0);
      if (threat ? d > 25000 : d > 4000) continue;
      pts.push(tr.pos);
      if (threat && tr.impact) pts.push(tr.impact);
    }
    const box = boxOf(pts, 600);
    const v = this._fitView(box);
    v.k = Math.min(v.k, 0.5);
    const t = this.target || this;
    if (Math.abs(v.k / t.k - 1) > 0.04 || Math.hypot(v.cx - t.cx, v.cy - t.cy) * v.k > 20) this.target = v;
  }

  /** Ease toward the target view; true while moving. */
  step() {
    if (!this.target) return false;
    const t = this.target, a = 0.18;
    this.cx += (t.cx - this.cx) * a; this.cy += (t.cy - this.cy) * a;
    this.k *= Math.pow(t.k / this.k, a);
    if (Math.abs(t.k / this.k - 1) < 0.002 && Math.hypot(t.cx - this.cx, t.cy - this.cy) * this.k < 0.5) {
      Object.assign(this, { cx: t.cx, cy: t.cy, k: t.k }); this.target = null;
    }
    return true;
  }

  toScreen(e, n) { return [this.W / 2 + (e - this.cx) * this.k, this.H / 2 - (n - this.cy) * this.k]; }
  toWorld(x, y) { return [this.cx + (x - this.W / 2) / this.k, this.cy - (y - this.H / 2) / this.k]; }

  _bindInput() {
    const c = this.canvas;
    let drag = null;
    c.addEventListener("wheel", (ev) => {
      ev.preventDefault();
      const r = c.getBoundingClientRect();
      this.setAuto(false);
      this.zoom(Math.exp(-ev.deltaY * 0.0015), ev.clientX - r.left, ev.clientY - r.top);
      this.dirty = true;
    }, { passive: false });
    c.addEventListener("mousedown", (ev) => { drag = { x: ev.clientX, y: ev.clientY, cx: this.cx, cy: this.cy, moved: false }; });
    window.addEventListener("mouseup", (ev) => {
      if (drag && !drag.moved) {
        const r = c.getBoundingClientRect();
        this.onPick(this.pick(ev.clientX - r.left, ev.clientY - r.top));
      }
      drag = null; c.classList.remove("dragging");
    });
    c.addEventListener("mousemove", (ev) => {
      const r = c.getBoundingClientRect();
      if (drag) {
        const dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
        if (Math.hypot(dx, dy) > 3) {
          drag.moved = true; c.classList.add("dragging"); this.setAuto(false); this.target = null;
          this.cx = drag.cx - dx / this.k; this.cy = drag.cy + dy / this.k; this.dirty = true;
        }
      }
      this.hover = this.pick(ev.clientX - r.left, ev.clientY - r.top);
      this.hoverXY = [ev.clientX - r.left, ev.clientY - r.top];
      this.dirty = true;
    });
    c.addEventListener("mouseleave", () => { this.hover = null; this.dirty = true; });
  }

  pick(x, y) {
    let best = null, bd = 12;
    for (const [sx, sy, tr] of this._drawn) {
      const d = Math.hypot(sx - x, sy - y);
      if (d < bd) { bd = d; best = tr; }
    }
    return best;
  }

  // -- drawing ---------------------------------------------------------------------------------------------
  draw(picture, now, playing) {
    const ctx = this.ctx;
    ctx.fillStyle = "#0b0f14";
    ctx.fillRect(0, 0, this.W, this.H);
    if (!this.site) return;
    this._grid();
    this._coverage();
    this._zones(picture, now);
    this._runways();
    this._guns();
    this._observed(picture, now);
    if (this.showPlots) this._plots(picture);
    this._fire(picture, now);
    this._tracks(picture, now, playing);
    this._requests(picture);
    this._sensors();
    this._scale();
  }

  _grid() {
    const ctx = this.ctx;
    const steps = [100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000];
    const s = steps.find((v) => v * this.k >= 90) || 50000;
    const [e0, n1] = this.toWorld(0, 0), [e1, n0] = this.toWorld(this.W, this.H);
    ctx.strokeStyle = "#141c26"; ctx.lineWidth = 1;
    ctx.beginPath();
    for (let e = Math.ceil(e0 / s) * s; e <= e1; e += s) { const [x] = this.toScreen(e, 0); ctx.moveTo(x, 0); ctx.lineTo(x, this.H); }
    for (let n = Math.ceil(n0 / s) * s; n <= n1; n += s) { const [, y] = this.toScreen(0, n); ctx.moveTo(0, y); ctx.lineTo(this.W, y); }
    ctx.stroke();
  }

  _ring(e, n, r) { const [x, y] = this.toScreen(e, n); this.ctx.beginPath(); this.ctx.arc(x, y, r * this.k, 0, 2 * Math.PI); }

  _wedge(e, n, r, azFromDeg, azToDeg) {
    // azimuths clockwise from north; canvas angle = azimuth - 90 deg (y down)
    const [x, y] = this.toScreen(e, n);
    let span = (azToDeg - azFromDeg) % 360; if (span <= 0) span += 360;
    const a0 = (azFromDeg - 90) * DEG;
    this.ctx.beginPath(); this.ctx.moveTo(x, y);
    this.ctx.arc(x, y, r * this.k, a0, a0 + span * DEG);
    this.ctx.closePath();
  }

  _coverage() {
    const ctx = this.ctx;
    ctx.font = "11px system-ui, sans-serif";
    for (const r of this.site.radars) {
      ctx.setLineDash([6, 6]); ctx.lineWidth = 1;
      ctx.strokeStyle = "rgba(120, 200, 255, 0.45)";
      this._ring(r.position[0], r.position[1], r.detection_ring_m); ctx.stroke();
      ctx.strokeStyle = "rgba(120, 200, 255, 0.18)";
      this._ring(r.position[0], r.position[1], r.max_range_m); ctx.stroke();
      ctx.setLineDash([]);
      const [x, y] = this.toScreen(r.position[0], r.position[1] + r.detection_ring_m);
      ctx.fillStyle = "rgba(120, 200, 255, 0.75)"; ctx.textAlign = "center";
      ctx.fillText(`${r.name}: 90% detection of a ${r.detection_ring_rcs_m2} m² drone, ${(r.detection_ring_m / 1000).toFixed(1)} km`, x, y - 4);
    }
  }

  _path(ring) {
    const ctx = this.ctx;
    ctx.beginPath();
    ring.forEach(([e, n], i) => { const [x, y] = this.toScreen(e, n); if (i) ctx.lineTo(x, y); else ctx.moveTo(x, y); });
    ctx.closePath();
  }

  _zones(picture, now) {
    const ctx = this.ctx;
    const warned = new Set([...picture.warnings.values()].map((w) => w.zone));
    const pulse = 0.5 + 0.5 * Math.sin(performance.now() / 250);
    for (const z of this.site.zones) {
      const [fill, line] = ZONE_STYLE[z.kind] || ZONE_STYLE.open;
      this._path(z.ring);
      ctx.fillStyle = warned.has(z.name) ? `rgba(255, 60, 60, ${0.25 + 0.25 * pulse})` : fill;
      ctx.fill();
      ctx.lineWidth = warned.has(z.name) ? 2.5 : 1.2;
      ctx.strokeStyle = warned.has(z.name) ? "#ff4d4d" : line;
      ctx.stroke();
    }
    ctx.font = "12px system-ui, sans-serif"; ctx.textAlign = "center";
    for (const z of this.site.zones) {
      if (z.name.startsWith("Runway")) continue;
      // above the zone's top point, clear of the sensors and guns drawn inside it
      let e = 0, top = -Infinity; for (const p of z.ring) { e += p[0]; top = Math.max(top, p[1]); }
      const [x, y] = this.toScreen(e / z.ring.length, top);
      ctx.fillStyle = warned.has(z.name) ? "#fff" : "#c9d3de";
      ctx.fillText(z.name, x, y - 6);
    }
  }

  _runways() {
    const ctx = this.ctx;
    ctx.font = "11px system-ui, sans-serif"; ctx.textAlign = "center";
    for (const r of this.site.runways) {
      const [a, b] = r.ends.map(([e, n]) => this.toScreen(e, n));
      ctx.strokeStyle = "#3b4654"; ctx.lineWidth = Math.max(r.width_m * this.k, 3); ctx.lineCap = "butt";
      ctx.beginPath(); ctx.moveTo(a[0], a[1]); ctx.lineTo(b[0], b[1]); ctx.stroke();
      ctx.fillStyle = "#8793a1";
      const dx = b[0] - a[0], dy = b[1] - a[1], L = Math.hypot(dx, dy) || 1;
      ctx.fillText(r.idents[0], a[0] - (dx / L) * 14, a[1] - (dy / L) * 14 + 4);
      ctx.fillText(r.idents[1], b[0] + (dx / L) * 14, b[1] + (dy / L) * 14 + 4);
    }
  }

  _guns() {
    const ctx = this.ctx;
    for (const g of this.site.guns) {
      const [e, n] = g.position;
      const full = ((g.arc_deg[1] - g.arc_deg[0]) % 360 + 360) % 360 < 1e-6;
      if (full) this._ring(e, n, g.reach_m); else this._wedge(e, n, g.reach_m, g.arc_deg[0], g.arc_deg[1]);
      ctx.fillStyle = "rgba(255, 255, 255, 0.03)"; ctx.fill();
      ctx.strokeStyle = "rgba(230, 230, 230, 0.35)"; ctx.lineWidth = 1; ctx.setLineDash([3, 4]); ctx.stroke(); ctx.setLineDash([]);
      for (const nf of g.no_fire) {
        this._wedge(e, n, g.reach_m, nf.azimuth_deg[0], nf.azimuth_deg[1]);
        ctx.fillStyle = "rgba(255, 77, 77, 0.07)"; ctx.fill();
        ctx.strokeStyle = "rgba(255, 77, 77, 0.35)"; ctx.stroke();
      }
    }
    // one label per distinct no-fire sector, at its middle
    ctx.font = "11px system-ui, sans-serif"; ctx.textAlign = "center"; ctx.fillStyle = "rgba(255, 130, 130, 0.85)";
    const said = new Set();
    for (const g of this.site.guns) {
      for (const nf of g.no_fire) {
        const key = `${nf.azimuth_deg}|${nf.reason}`;
        if (said.has(key)) continue;
        said.add(key);
        let span = (nf.azimuth_deg[1] - nf.azimuth_deg[0]) % 360; if (span <= 0) span += 360;
        const mid = (nf.azimuth_deg[0] + span / 2) * DEG;
        const [x, y] = this.toScreen(g.position[0] + 0.8 * g.reach_m * Math.sin(mid), g.position[1] + 0.8 * g.reach_m * Math.cos(mid));
        ctx.fillText(`no fire below ${nf.below_elevation_deg.toFixed(0)}°`, x, y);
        ctx.fillText(nf.reason, x, y + 13);
      }
    }
  }

  _sensors() {
    const ctx = this.ctx;
    ctx.font = "11px system-ui, sans-serif"; ctx.textAlign = "left";
    for (const r of this.site.radars) {
      const [x, y] = this.toScreen(r.position[0], r.position[1]);
      ctx.fillStyle = "#b48cff"; ctx.beginPath();
      ctx.moveTo(x, y - 7); ctx.lineTo(x + 7, y); ctx.lineTo(x, y + 7); ctx.lineTo(x - 7, y); ctx.closePath(); ctx.fill();
      ctx.textAlign = "right"; ctx.fillText(r.name, x - 10, y - 6); ctx.textAlign = "left";
    }
    for (const a of this.site.adsb) {
      const [x, y] = this.toScreen(a.position[0], a.position[1]);
      ctx.strokeStyle = "#7fd1b9"; ctx.lineWidth = 1.5; ctx.beginPath(); ctx.arc(x, y, 4, 0, 2 * Math.PI); ctx.stroke();
      ctx.fillStyle = "#7fd1b9"; ctx.fillText(a.name, x + 7, y + 12);
    }
    for (const g of this.site.guns) {
      const [x, y] = this.toScreen(g.position[0], g.position[1]);
      ctx.fillStyle = "#f0f0f0"; ctx.fillRect(x - 5, y - 5, 10, 10);
      ctx.fillStyle = "#e6e6e6"; ctx.fillText(g.name, x + 8, y + 14);
    }
  }

  _observed(picture, now) {
    const ctx = this.ctx, o = picture.observed;
    ctx.lineWidth = 1;
    ctx.strokeStyle = "rgba(170, 170, 170, 0.7)";
    ctx.beginPath();
    for (const s of o.shots) { const [x, y] = this.toScreen(s.position[0], s.position[1]); ctx.moveTo(x - 2.5, y - 2.5); ctx.lineTo(x + 2.5, y + 2.5); ctx.moveTo(x + 2.5, y - 2.5); ctx.lineTo(x - 2.5, y + 2.5); }
    ctx.stroke();
    ctx.fillStyle = "#c08a4a";
    for (const d of o.debris) {
      const [x, y] = this.toScreen(d.position[0], d.position[1]);
      ctx.beginPath(); ctx.moveTo(x, y - 4); ctx.lineTo(x + 4, y + 3); ctx.lineTo(x - 4, y + 3); ctx.closePath(); ctx.fill();
    }
    for (const d of o.detonations) {
      const [x, y] = this.toScreen(d.position[0], d.position[1]);
      ctx.strokeStyle = "rgba(255, 120, 60, 0.8)"; ctx.lineWidth = 1.5; ctx.beginPath(); ctx.arc(x, y, 9, 0, 2 * Math.PI); ctx.stroke();
    }
    ctx.font = "11px system-ui, sans-serif"; ctx.textAlign = "left";
    for (const k of o.kills) {
      const [x, y] = this.toScreen(k.position[0], k.position[1]);
      const fresh = now - k.t < 8;
      ctx.strokeStyle = fresh ? "#ffb347" : "rgba(255, 179, 71, 0.75)"; ctx.lineWidth = 2;
      ctx.beginPath();
      for (let i = 0; i < 8; i++) { const a = (i * Math.PI) / 4, r0 = 3, r1 = fresh ? 12 : 8; ctx.moveTo(x + r0 * Math.cos(a), y + r0 * Math.sin(a)); ctx.lineTo(x + r1 * Math.cos(a), y + r1 * Math.sin(a)); }
      ctx.stroke();
      ctx.fillStyle = "#ffb347"; ctx.fillText("destroyed", x + 12, y - 8);
    }
    for (const im of o.impacts) {
      const [x, y] = this.toScreen(im.position[0], im.position[1]);
      ctx.strokeStyle = im.leak ? "#ff4d4d" : "#aa6666"; ctx.lineWidth = 3;
      ctx.beginPath(); ctx.moveTo(x - 8, y - 8); ctx.lineTo(x + 8, y + 8); ctx.moveTo(x + 8, y - 8); ctx.lineTo(x - 8, y + 8); ctx.stroke();
    }
  }

  _plots(picture) {
    const ctx = this.ctx;
    ctx.fillStyle = "rgba(200, 210, 220, 0.5)";
    for (const p of picture.plots.values()) for (const [e, n] of p.points) { const [x, y] = this.toScreen(e, n); ctx.fillRect(x - 1, y - 1, 2, 2); }
  }

  _fire(picture, now) {
    const ctx = this.ctx;
    const guns = new Map(this.site.guns.map((g) => [g.name, g]));
    for (const f of picture.fireOrders) {
      if (now < f.t_start - 3 || now > f.t_end + f.tof_s + 0.5) continue;
      const g = guns.get(f.gun);
      if (!g) continue;
      const [x0, y0] = this.toScreen(g.position[0], g.position[1]);
      const [x1, y1] = this.toScreen(f.intercept[0], f.intercept[1]);
      const firing = now >= f.t_start && now <= f.t_end + f.tof_s;
      ctx.strokeStyle = firing ? "#ffffff" : "rgba(255, 255, 255, 0.5)"; ctx.lineWidth = firing ? 2.5 : 1.5;
      ctx.setLineDash(firing ? [8, 5] : [2, 4]); ctx.lineDashOffset = -performance.now() / 30;
      ctx.beginPath(); ctx.moveTo(x0, y0); ctx.lineTo(x1, y1); ctx.stroke();
      ctx.setLineDash([]); ctx.lineDashOffset = 0;
      ctx.beginPath(); ctx.arc(x1, y1, 5, 0, 2 * Math.PI); ctx.stroke();
    }
  }

  _tracks(picture, now, playing) {
    // Batched by identity (one path per colour for trails, leaders and symbols): a thousand tracks
    // cost a handful of canvas calls, not thousands.
    const ctx = this.ctx;
    const many = picture.tracks.size > 150;
    const drawn = [];
    const groups = new Map();
    for (const tr of picture.tracks.values()) {
      const dt = playing ? Math.min(Math.max(now - tr.t, 0), MAX_DEAD_RECKON_S) : 0;
      const e = tr.pos[0] + tr.vel[0] * dt, n = tr.pos[1] + tr.vel[1] * dt;
      const [x, y] = this.toScreen(e, n);
      const [lx, ly] = this.toScreen(e + tr.vel[0] * LEADER_S, n + tr.vel[1] * LEADER_S);
      const threat = tr.identity === "hostile" || (tr.identity === "unknown" && tr.value > 0);
      let g = groups.get(tr.identity);
      if (!g) { g = []; groups.set(tr.identity, g); }
      g.push({ tr, x, y, lx, ly, threat });
      drawn.push([x, y, tr]);
    }
    ctx.lineCap = "round"; ctx.lineJoin = "round";
    const order = ["pending", "civil", "friendly", "unknown", "hostile"]; // threats drawn last, on top
    const ranked = [...groups].sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]));
    for (const [identity, items] of ranked) {
      const colour = ID_COLOUR[identity] || "#999";
      // trails
      ctx.strokeStyle = colour; ctx.globalAlpha = 0.45; ctx.lineWidth = 1.2;
      ctx.beginPath();
      const step = many ? 2 : 1; // a busy picture: every other point of the trail (half the rasterising)
      for (const { tr } of items) {
        const trail = picture.trails.get(tr.id);
        if (!trail || trail.length < 2) continue;
        const last = trail.length - 1;
        for (let i = last % step; i <= last; i += step) {
          const [x, y] = this.toScreen(trail[i][1], trail[i][2]);
          if (i === last % step) ctx.moveTo(x, y); else ctx.lineTo(x, y);
        }
      }
      ctx.stroke();
      ctx.globalAlpha = 1;
      // predicted impact: a dashed line to the impact point and the 95 % ellipse (threats only: few)
      for (const { tr, x, y, threat } of items) {
        if (!threat || !tr.impact) continue;
        const [ix, iy] = this.toScreen(tr.impact[0], tr.impact[1]);
        ctx.globalAlpha = 0.6; ctx.lineWidth = 1; ctx.setLineDash([4, 4]);
        ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(ix, iy); ctx.stroke(); ctx.setLineDash([]);
        if (tr.ellipse) {
          const [a, b, o] = tr.ellipse;
          ctx.beginPath();
          ctx.ellipse(ix, iy, Math.max(a * this.k, 2), Math.max(b * this.k, 2), Math.atan2(-Math.cos(o), Math.sin(o)), 0, 2 * Math.PI);
          ctx.fillStyle = "rgba(255, 77, 77, 0.12)"; ctx.fill(); ctx.stroke();
        }
        ctx.globalAlpha = 1;
      }
      // velocity leaders
      ctx.lineWidth = 1.5; ctx.beginPath();
      for (const { x, y, lx, ly } of items) { ctx.moveTo(x, y); ctx.lineTo(lx, ly); }
      ctx.stroke();
      // symbols: pre-drawn sprites, blitted (measured ~20 % cheaper to rasterise than a thousand paths)
      for (const { x, y, threat } of items) {
        const sp = this._sprite(identity, colour, threat ? 8 : 6);
        ctx.drawImage(sp, Math.round(x - sp.half), Math.round(y - sp.half), sp.drawW, sp.drawW);
      }
      // labels: every track when few, else only threats and the selected one
      for (const { tr, x, y, threat } of items) {
        if (many && !threat && tr !== this.selected) continue;
        ctx.font = threat ? "bold 12px system-ui, sans-serif" : "11px system-ui, sans-serif";
        ctx.textAlign = "left"; ctx.fillStyle = colour;
        const name = picture.callsigns.get(tr.id) || "";
        ctx.fillText(`T${tr.id} ${name}`.trim(), x + 10, y - 4);
        ctx.fillStyle = "#aab4c0"; ctx.font = "10px system-ui, sans-serif";
        ctx.fillText(`${Math.round(tr.pos[2])} m  ${Math.round(Math.hypot(tr.vel[0], tr.vel[1]))} m/s`, x + 10, y + 8);
      }
    }
    ctx.lineCap = "butt"; ctx.lineJoin = "miter";
    for (const tr of [this.selected, this.hover]) {
      if (!tr) continue;
      const d = drawn.find((v) => v[2].id === tr.id);
      if (!d) continue;
      ctx.strokeStyle = "#ffffff"; ctx.lineWidth = 1.5; ctx.beginPath(); ctx.arc(d[0], d[1], 13, 0, 2 * Math.PI); ctx.stroke();
    }
    this._drawn = drawn;
  }

  /** A pending authorisation request: a pulsing ring on the track and a dotted line from the gun. */
  _requests(picture) {
    if (!picture.requests.size) return;
    const ctx = this.ctx;
    const guns = new Map(this.site.guns.map((g) => [g.name, g]));
    const pulse = 0.5 + 0.5 * Math.sin(performance.now() / 180);
    ctx.font = "bold 12px system-ui, sans-serif"; ctx.textAlign = "left";
    for (const r of picture.requests.values()) {
      const d = this._drawn.find((v) => v[2].id === r.track);
      const g = guns.get(r.gun);
      if (!d) continue;
      if (g) {
        const [gx, gy] = this.toScreen(g.position[0], g.position[1]);
        ctx.strokeStyle = "rgba(255, 77, 77, 0.8)"; ctx.lineWidth = 1.5; ctx.setLineDash([2, 4]);
        ctx.beginPath(); ctx.moveTo(gx, gy); ctx.lineTo(d[0], d[1]); ctx.stroke(); ctx.setLineDash([]);
      }
      ctx.strokeStyle = `rgba(255, 77, 77, ${0.4 + 0.6 * pulse})`; ctx.lineWidth = 3;
      ctx.beginPath(); ctx.arc(d[0], d[1], 16 + 4 * pulse, 0, 2 * Math.PI); ctx.stroke();
      ctx.fillStyle = "#ff4d4d";
      ctx.fillText(`AUTHORISE? #${r.request}`, d[0] + 24, d[1] + 22);
    }
  }

  _sprite(identity, colour, r) {
    const key = `${identity}|${r}`;
    this._sprites = this._sprites || new Map();
    let sp = this._sprites.get(key);
    if (!sp) {
      const dpr = window.devicePixelRatio || 1, size = 2 * r + 4;
      sp = document.createElement("canvas");
      sp.width = Math.ceil(size * dpr); sp.height = Math.ceil(size * dpr);
      const c = sp.getContext("2d");
      c.scale(dpr, dpr);
      const save = this.ctx;
      this.ctx = c;
      c.fillStyle = colour; c.strokeStyle = "#0b0f14"; c.lineWidth = 1;
      c.beginPath(); this._symbol(size / 2, size / 2, identity, r); c.fill(); c.stroke();
      this.ctx = save;
      sp.half = size / 2;
      sp.drawW = size;
      this._sprites.set(key, sp);
    }
    return sp;
  }

  /** Add one APP-6 frame to the current path: hostile diamond, neutral (civil) square, friend circle,
   *  unknown quatrefoil. */
  _symbol(x, y, identity, r) {
    const ctx = this.ctx;
    if (identity === "hostile") { ctx.moveTo(x, y - r); ctx.lineTo(x + r, y); ctx.lineTo(x, y + r); ctx.lineTo(x - r, y); ctx.closePath(); }
    else if (identity === "civil") ctx.rect(x - r * 0.8, y - r * 0.8, r * 1.6, r * 1.6);
    else if (identity === "friendly") { ctx.moveTo(x + r * 0.85, y); ctx.arc(x, y, r * 0.85, 0, 2 * Math.PI); }
    else { const q = r * 0.45; for (const [dx, dy] of [[0, -q], [q, 0], [0, q], [-q, 0]]) { ctx.moveTo(x + dx + q, y + dy); ctx.arc(x + dx, y + dy, q, 0, 2 * Math.PI); } }
  }

  _scale() {
    const ctx = this.ctx;
    const steps = [100, 200, 500, 1000, 2000, 5000, 10000, 20000];
    const s = steps.find((v) => v * this.k >= 80) || 20000;
    const x = 16, y = this.H - 18, w = s * this.k;
    ctx.strokeStyle = "#c9d3de"; ctx.lineWidth = 2;
    ctx.beginPath(); ctx.moveTo(x, y - 5); ctx.lineTo(x, y); ctx.lineTo(x + w, y); ctx.lineTo(x + w, y - 5); ctx.stroke();
    ctx.fillStyle = "#c9d3de"; ctx.font = "11px system-ui, sans-serif"; ctx.textAlign = "center";
    ctx.fillText(s >= 1000 ? `${s / 1000} km` : `${s} m`, x + w / 2, y - 6);
    // north arrow
    const nx = x + 8, ny = y - 44;
    ctx.beginPath(); ctx.moveTo(nx, ny - 12); ctx.lineTo(nx + 6, ny + 4); ctx.lineTo(nx, ny); ctx.lineTo(nx - 6, ny + 4); ctx.closePath(); ctx.fill();
    ctx.fillText("N", nx, ny - 15);
  }
}
