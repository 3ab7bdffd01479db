// bastion console: login, the picture's WebSocket, the panels and the controls. Vanilla JS, no
// third-party code, nothing fetched from outside this server.
import { Picture } from "./state.js";
import { MapView, ID_COLOUR, ZONE_STYLE } from "./map.js";

const $ = (id) => document.getElementById(id);
const RANK = { observer: 0, operator: 1, commander: 2 };
const ui = { user: null, role: null, csrf: null, mode: null, status: null, statusRecv: 0, ws: null, retry: 0 };
const picture = new Picture();
let map = null;
let dirty = true;
let lastDraw = 0, lastPanels = 0, panelsVersion = -1, logVersion = -1, lastAuto = 0;
let drawMark = null;

// what benchmarks and tests read: server-to-browser latency of each tracks update, time to handle and draw
const stats = { recv: [], drawn: [], painted: [], handle: [], draw: [], panels: [], messages: 0 };
window.__bastion = { stats, picture, ui };

const may = (role) => ui.role !== null && RANK[ui.role] >= RANK[role];

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function fmtT(t) {
  const s = Math.max(0, Math.floor(t));
  return `T+${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

function localTime(t) {
  if (!picture.site) return "";
  const start = new Date(picture.site.start);
  const m = /([+-]\d\d):?(\d\d)$/.exec(picture.site.start);
  const offMin = m ? Math.sign(parseInt(m[1], 10)) * (Math.abs(parseInt(m[1], 10)) * 60 + parseInt(m[2], 10)) : 0;
  const d = new Date(start.getTime() + t * 1000 + offMin * 60000);
  return `${d.toISOString().slice(11, 19)} local`;
}

async function api(path, body) {
  const opts = body === undefined
    ? { credentials: "same-origin" }
    : { method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json", "X-CSRF-Token": ui.csrf || "" }, body: JSON.stringify(body) };
  const r = await fetch(path, opts);
  let data = null;
  try { data = await r.json(); } catch { data = null; }
  if (!r.ok) {
    let msg = data && data.detail;
    if (Array.isArray(msg)) msg = msg.map((d) => `${(d.loc || []).slice(1).join(".")}: ${d.msg}`).join("; ");
    const err = new Error(msg || r.statusText);
    err.status = r.status;
    throw err;
  }
  return data;
}

// -- login ------------------------------------------------------------------------------------------------
function showLogin(message) {
  ui.user = null;
  if (ui.ws) { const ws = ui.ws; ui.ws = null; ws.close(); }
  $("console").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message || "";
  $("login-name").focus();
}

$("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  $("login-error").textContent = "";
  $("login-submit").disabled = true;
  try {
    const me = await api("/api/login", { name: $("login-name").value, password: $("login-password").value });
    $("login-password").value = "";
    enter(me);
  } catch (err) {
    $("login-error").textContent = err.status === 401 ? "Wrong name or password." : err.message;
  } finally {
    $("login-submit").disabled = false;
  }
});

function enter(me) {
  ui.user = me.user; ui.role = me.role; ui.csrf = me.csrf;
  $("login").hidden = true;
  $("console").hidden = false;
  $("user-name").textContent = me.user;
  $("user-role").textContent = me.role;
  if (!map) {
    map = new MapView($("map"), {
      onUserView: (on) => $("view-auto").classList.toggle("on", on),
      onPick: (tr) => { map.selected = tr; dirty = true; panelsVersion = -1; },
    });
    window.__bastion.map = map;
    buildLegend();
    new ResizeObserver(() => { map.resize(); dirty = true; }).observe($("mapwrap"));
  }
  connect();
}

$("logout").addEventListener("click", async () => {
  try { await api("/api/logout", {}); } catch { /* the session may already be gone */ }
  showLogin("Logged out.");
});

// -- the picture's stream ---------------------------------------------------------------------------------
function setConn(text, cls) { const c = $("conn"); c.textContent = text; c.className = `conn ${cls || ""}`; }

function connect() {
  const proto = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${proto}://${location.host}/ws`);
  ui.ws = ws;
  setConn("connecting…");
  ws.onopen = () => { ui.retry = 0; setConn("connected", "ok"); };
  ws.onmessage = (ev) => onMessage(JSON.parse(ev.data));
  ws.onclose = async (ev) => {
    if (ui.ws !== ws) return;
    ui.ws = null;
    setConn("disconnected", "bad");
    if (ev.code === 4401) { showLogin("Your session has ended: log in again."); return; }
    try { await api("/api/me"); } catch (err) { if (err.status === 401) { showLogin("Your session has ended: log in again."); return; } }
    ui.retry = Math.min(ui.retry + 1, 5);
    if (ui.user) setTimeout(() => { if (ui.user && !ui.ws) connect(); }, 500 * ui.retry);
  };
}

function send(msg) { if (ui.ws && ui.ws.readyState === WebSocket.OPEN) ui.ws.send(JSON.stringify(msg)); }

function onMessage(msg) {
  stats.messages++;
  switch (msg.type) {
    case "hello":
      ui.mode = msg.mode; ui.role = msg.role;
      setupControls();
      break;
    case "snapshot":
      picture.applySnapshot(msg);
      if (msg.site) { map.setSite(msg.site); $("site-name").textContent = msg.site.site; }
      if (msg.state) setStatus(msg.state);
      document.body.dataset.ready = "1";
      dirty = true; panelsVersion = -1; logVersion = -1; lastPanels = 0;
      break;
    case "events": {
      const t0 = performance.now();
      const tracks = picture.applyEvents(msg.events);
      if (tracks && msg.wall_ms) {
        stats.handle.push(performance.now() - t0);
        stats.recv.push(Date.now() - msg.wall_ms);
        drawMark = msg.wall_ms;
      }
      dirty = true;
      break;
    }
    case "status":
      setStatus(msg);
      break;
    case "error":
      $("controls-note").textContent = msg.message;
      break;
    default:
      break;
  }
}

// -- clock and status ---------------------------------------------------------------------------------------
function setStatus(s) {
  ui.status = s;
  ui.statusRecv = performance.now();
  $("run-id").textContent = s.run_id ? `${s.run_id}` : "";
  $("mode").textContent = s.mode === "live" ? "LIVE SIMULATION" : "REPLAY";
  $("mode").classList.toggle("replay", s.mode === "replay");
  $("play").textContent = s.paused ? "▶" : "❚❚";
  $("play").title = s.paused ? "play" : "pause";
  const sel = $("speed");
  if (![...sel.options].some((o) => Number(o.value) === s.speed)) {
    const o = el("option", "", `×${s.speed}`); o.value = String(s.speed); sel.append(o);
  }
  if (document.activeElement !== sel) sel.value = String(s.speed);
  const eff = s.effective_speed;
  $("clock-speed").textContent = s.paused ? "paused" : (eff < s.speed ? `×${eff} — decision pending` : `×${eff}`);
  const seek = $("seek");
  seek.max = String(s.duration_s || 0);
  if (document.activeElement !== seek) seek.value = String(s.t);
  banner(s);
  dirty = true;
}

function simNow() {
  const s = ui.status;
  if (!s) return picture.t;
  let t = s.t;
  if (!s.paused) t += ((performance.now() - ui.statusRecv) / 1000) * s.effective_speed;
  t = Math.min(t, s.t + 1.5 * Math.max(s.effective_speed, 1));
  return Math.max(t, 0);
}

function banner(s) {
  const b = $("banner");
  b.className = "banner";
  const sum = s.summary;
  if ((s.status === "ended" || s.status === "stopped" || (s.mode === "replay" && sum)) && sum) {
    b.replaceChildren(
      el("b", "", s.status === "stopped" ? "Night stopped — debrief" : "Night over — debrief"), el("br"),
      el("span", "", `hostiles destroyed ${sum.hostiles_destroyed} / ${sum.hostiles} · leakers ${sum.leakers} · civil aircraft engaged ${sum.civil_engaged} · damage events ${sum.damage_events} · rounds fired ${sum.rounds_fired}`),
    );
    b.classList.add("ended");
    b.dataset.destroyed = `${sum.hostiles_destroyed}/${sum.hostiles}`;
    b.hidden = false;
  } else if (s.status === "failed") {
    b.replaceChildren(el("b", "", "The simulation failed"), el("br"), el("span", "", s.error || ""));
    b.hidden = false;
  } else if (s.mode === "live" && s.status === "ready") {
    b.replaceChildren(el("b", "", "Night ready"), el("br"),
      el("span", "", may("operator") ? "Press ▶ (bottom left) to start the night." : "Waiting for an operator to start the night."));
    b.hidden = false;
  } else {
    b.hidden = true;
  }
}

// -- controls ---------------------------------------------------------------------------------------------
let controlsBound = false;
function setupControls() {
  const live = ui.mode === "live";
  const driver = live ? may("operator") : true;
  $("play").disabled = !driver;
  $("speed").disabled = !driver;
  $("seek").disabled = live;
  $("restart").hidden = !(live && may("operator"));
  $("run-select").hidden = live;
  $("wcs-buttons").hidden = !(live && may("commander"));
  $("controls-note").textContent = live && !driver ? "observers watch: an operator drives the night" : "";
  if (!live) loadRuns();
  if (controlsBound) return;
  controlsBound = true;
  $("play").addEventListener("click", () => control(ui.status && ui.status.paused ? "play" : "pause"));
  $("speed").addEventListener("change", (ev) => control("speed", { speed: Number(ev.target.value) }));
  $("seek").addEventListener("change", (ev) => { if (ui.mode === "replay") send({ type: "replay", action: "seek", t: Number(ev.target.value) }); });
  $("seek").addEventListener("input", (ev) => { $("seek-label").textContent = fmtT(Number(ev.target.value)); });
  $("run-select").addEventListener("change", (ev) => send({ type: "replay", action: "load", run: ev.target.value }));
  $("restart").addEventListener("click", async () => {
    try { await api("/api/restart", {}); } catch (err) { $("controls-note").textContent = err.message; }
  });
  for (const b of $("wcs-buttons").querySelectorAll("button")) {
    b.addEventListener("click", async () => {
      try { await api("/api/weapons-control", { status: b.dataset.status }); $("controls-note").textContent = `weapons ${b.dataset.status} sent`; }
      catch (err) { $("controls-note").textContent = err.message; }
    });
  }
  $("view-auto").addEventListener("click", () => { map.setAuto(true); map.autoFrame(picture); dirty = true; });
  $("view-site").addEventListener("click", () => { map.fitSite(); dirty = true; });
  $("view-all").addEventListener("click", () => { map.fitCoverage(); dirty = true; });
  $("zoom-in").addEventListener("click", () => { map.setAuto(false); map.zoom(1.5); dirty = true; });
  $("zoom-out").addEventListener("click", () => { map.setAuto(false); map.zoom(1 / 1.5); dirty = true; });
  $("toggle-plots").addEventListener("click", (ev) => { map.showPlots = !map.showPlots; ev.target.classList.toggle("on", map.showPlots); dirty = true; });
  document.addEventListener("keydown", (ev) => {
    if (ev.key === " " && ev.target === document.body) { ev.preventDefault(); $("play").click(); }
  });
}

async function control(action, extra = {}) {
  if (ui.mode === "replay") { send({ type: "replay", action, ...extra }); return; }
  try { setStatus(await api("/api/clock", { action, ...extra })); }
  catch (err) { $("controls-note").textContent = err.message; }
}

async function loadRuns() {
  try {
    const r = await api("/api/runs");
    const sel = $("run-select");
    sel.replaceChildren(...r.runs.map((run) => {
      const o = el("option", "", `${run.run_id} (${run.status})`); o.value = run.run_id; return o;
    }));
    sel.value = (ui.status && ui.status.run_id) || r.default;
    sel.hidden = r.runs.length < 2;
  } catch { /* replay list is a convenience */ }
}

// -- panels -----------------------------------------------------------------------------------------------
const requestCards = new Map(); // request id -> {card, left, bar, note, approve, deny}

function renderRequests(now) {
  const reqs = picture.pendingRequests();
  const list = $("requests");
  $("requests-panel").classList.toggle("active", reqs.length > 0);
  $("requests-count").textContent = reqs.length ? `${reqs.length} pending` : "";
  const timeout = picture.site ? picture.site.doctrine.authorisation_timeout_s : 15;
  const ids = new Set(reqs.map((r) => r.request));
  for (const [id, c] of requestCards) if (!ids.has(id)) { c.card.remove(); requestCards.delete(id); }
  if (!reqs.length) {
    if (!list.querySelector(".empty")) list.replaceChildren(el("p", "empty", "none pending"));
    return;
  }
  const empty = list.querySelector(".empty");
  if (empty) empty.remove();
  for (const r of reqs) {
    let c = requestCards.get(r.request);
    if (!c) {
      const card = el("div", "request");
      card.dataset.request = String(r.request);
      const left = el("span", "left");
      const what = el("div", "what", `#${r.request}  ${r.gun} → track T${r.track}`);
      const detail = el("div", "detail");
      const bar = el("div", "bar"); const fill = el("div"); bar.append(fill);
      const buttons = el("div", "buttons");
      const approve = el("button", "approve", "APPROVE — fire"); approve.type = "button";
      const deny = el("button", "deny", "DENY"); deny.type = "button";
      buttons.append(approve, deny);
      const note = el("div", "note");
      if (!may("operator")) note.textContent = "Observers cannot authorise engagements (operator or commander role).";
      approve.disabled = deny.disabled = !may("operator") || ui.mode !== "live";
      card.append(left, what, detail, bar, buttons, note);
      list.append(card);
      c = { card, left, fill, note, approve, deny, detail };
      requestCards.set(r.request, c);
      const answer = async (approved) => {
        approve.disabled = deny.disabled = true;
        note.textContent = approved ? "approval sent — the engine applies it at its next update" : "denial sent";
        try { await api("/api/authorise", { request: r.request, approved }); }
        catch (err) { note.textContent = `refused: ${err.message}`; card.classList.add("answered"); }
      };
      approve.addEventListener("click", () => answer(true));
      deny.addEventListener("click", () => answer(false));
    }
    const leftS = Math.max(0, timeout - (now - r.t));
    c.left.textContent = `${leftS.toFixed(0)} s`;
    c.fill.style.width = `${(100 * leftS) / timeout}%`;
    const tr = picture.tracks.get(r.track);
    const tti = tr && tr.tti !== null ? tr.tti - (now - tr.t) : r.time_to_impact_s - (now - r.t);
    const what = tr ? `${tr.identity} ${tr.klass}` : "track";
    c.detail.textContent = `${what} · impact ${r.zone || "?"} in ${tti !== null && isFinite(tti) ? Math.max(0, tti).toFixed(0) : "?"} s · Pk ${r.pk}`;
  }
}

function renderThreats(now) {
  const rows = picture.threatQueue().slice(0, 40);
  const tbody = $("threats").tBodies[0];
  const frag = document.createDocumentFragment();
  for (const { track: tr, eng } of rows) {
    const trow = el("tr");
    trow.dataset.track = String(tr.id);
    if (map && map.selected && map.selected.id === tr.id) trow.className = "sel";
    const tti = tr.tti === null || tr.tti === undefined ? null : tr.tti - (now - tr.t);
    trow.append(
      el("td", `id-${tr.identity}`, `T${tr.id}`),
      el("td", `id-${tr.identity}`, `${tr.identity} ${tr.klass === "unknown" ? "" : tr.klass}`),
      el("td", "", tr.zone || "—"),
      el("td", tti !== null && tti < 60 ? "st-alert" : "", tti === null ? "—" : `${Math.max(0, tti).toFixed(0)} s`),
      el("td", "", (eng && eng.gun) || "—"),
      el("td", eng && eng.level ? `st-${eng.level}` : "", eng ? eng.status : "tracking"),
    );
    trow.addEventListener("click", () => { map.selected = tr; dirty = true; panelsVersion = -1; });
    frag.append(trow);
  }
  if (!rows.length) { const r = el("tr"); r.append(el("td", "empty", "no threats")); frag.append(r); }
  tbody.replaceChildren(frag);
}

function renderWarnings(now) {
  const box = $("warnings");
  const frag = document.createDocumentFragment();
  for (const { zone, active } of picture.zoneWarnings(now)) {
    const row = el("div", "zone");
    row.dataset.zone = zone.name;
    const name = el("span", "name", zone.name);
    let state;
    if (active.length) {
      const w = active[0];
      row.classList.add("warned");
      if (w.left < 30) row.classList.add("imminent");
      state = el("span", "state", `WARNING · impact in ${Math.max(0, w.left).toFixed(0)} s · T${w.track}${active.length > 1 ? ` +${active.length - 1}` : ""}`);
    } else {
      row.classList.add("clear");
      state = el("span", "state", "clear");
    }
    row.append(name, state);
    frag.append(row);
  }
  box.replaceChildren(frag);
}

function renderLog() {
  if (picture.logVersion === logVersion) return;
  logVersion = picture.logVersion;
  const frag = document.createDocumentFragment();
  for (let i = picture.log.length - 1; i >= Math.max(0, picture.log.length - 300); i--) {
    const e = picture.log[i];
    const li = el("li", `${e.level || ""} ${e.source === "observed" ? "observed" : ""}`);
    li.dataset.kind = e.kind;
    li.append(el("span", "t", fmtT(e.t)), el("span", "", e.text));
    frag.append(li);
  }
  $("log").replaceChildren(frag);
}

function renderCounters() {
  const c = picture.identityCounts();
  const box = $("counters");
  const item = (value, label, colour) => {
    const d = el("div", "c"); const b = el("b", "", String(value));
    if (colour) b.style.color = colour;
    d.append(b, el("span", "", label)); return d;
  };
  box.replaceChildren(
    item(picture.tracks.size, "tracks"),
    item(c.hostile, "hostile", ID_COLOUR.hostile),
    item(c.unknown + c.pending, "unknown", ID_COLOUR.unknown),
    item(c.civil, "civil", ID_COLOUR.civil),
    item(picture.counters.kills, "observed kills", "#ffb347"),
    item(picture.counters.rounds, "rounds fired"),
    item(picture.counters.impacts, "impacts", picture.counters.impacts ? ID_COLOUR.hostile : undefined),
  );
  box.dataset.kills = String(picture.counters.kills);
  box.dataset.assessed = String(picture.counters.assessed);
}

function renderWcs() {
  const s = picture.weaponsControl || (ui.status && ui.status.weapons_control) || "";
  const w = $("wcs");
  w.className = `wcs ${s}`;
  $("wcs-status").textContent = s.toUpperCase() || "—";
  for (const b of $("wcs-buttons").querySelectorAll("button")) b.classList.toggle("current", b.dataset.status === s);
}

function renderTooltip(now) {
  const tip = $("tooltip");
  const tr = map && map.hover;
  if (!tr) { tip.hidden = true; return; }
  const cur = picture.tracks.get(tr.id) || tr;
  const eng = picture.engagement.get(cur.id);
  const speed = Math.hypot(cur.vel[0], cur.vel[1]);
  const heading = ((Math.atan2(cur.vel[0], cur.vel[1]) * 180) / Math.PI + 360) % 360;
  const lines = [
    `track T${cur.id}  ${cur.identity.toUpperCase()} ${cur.klass}${picture.callsigns.get(cur.id) ? "  " + picture.callsigns.get(cur.id) : ""}${cur.icao24 ? "  (" + cur.icao24 + ")" : ""}`,
    `position ${(cur.pos[0] / 1000).toFixed(2)} E, ${(cur.pos[1] / 1000).toFixed(2)} N km, height ${cur.pos[2].toFixed(0)} m`,
    `speed ${speed.toFixed(0)} m/s, heading ${heading.toFixed(0)}°, σ ${cur.sigma} m`,
  ];
  if (cur.zone) lines.push(`at risk: ${cur.zone}, impact in ${cur.tti === null ? "?" : Math.max(0, cur.tti - (now - cur.t)).toFixed(0)} s, threat value ${cur.value}`);
  if (eng) lines.push(`engagement: ${eng.gun || ""} ${eng.status}`);
  tip.textContent = lines.join("\n");
  const [x, y] = map.hoverXY || [0, 0];
  tip.style.left = `${Math.min(x + 16, map.W - 320)}px`;
  tip.style.top = `${y + 16}px`;
  tip.hidden = false;
}

function buildLegend() {
  const box = $("legend");
  const add = (colour, label, round) => {
    const d = el("div"); const i = el("i"); i.style.background = colour; if (round) i.style.borderRadius = "50%";
    d.append(i, el("span", "", label)); box.append(d);
  };
  add(ID_COLOUR.hostile, "hostile ◆"); add(ZONE_STYLE.populated[1], "populated zone");
  add(ID_COLOUR.unknown, "unknown / pending"); add(ZONE_STYLE.military[1], "military zone");
  add(ID_COLOUR.civil, "civil (ADS-B) ■"); add(ZONE_STYLE.infrastructure[1], "infrastructure");
  add(ID_COLOUR.friendly, "friendly ●"); add("rgba(255,77,77,0.5)", "no-fire sector");
  add("#ffffff", "line of fire (dashed)"); add("#ffb347", "observed kill ✸");
  add("#c08a4a", "debris ▲"); add("#aaaaaa", "fall of shot ×");
}

// -- the frame loop -----------------------------------------------------------------------------------------
function frame() {
  requestAnimationFrame(frame);
  if (!map || $("console").hidden) return;
  const nowMs = performance.now();
  const now = simNow();
  const playing = !!(ui.status && !ui.status.paused);
  if (map.auto && (picture.version !== map._autoVersion || nowMs - lastAuto > 1000)) {
    map._autoVersion = picture.version; lastAuto = nowMs;
    map.autoFrame(picture);
  }
  const moving = map.step();
  const many = picture.tracks.size > 300;
  const interval = many ? 250 : 40; // a busy map is redrawn (dead-reckoned) 4 times a second, a light one 25
  const animate = playing || picture.warnings.size > 0 || picture.fireOrders.length > 0;
  if (dirty || moving || map.dirty || (animate && nowMs - lastDraw > interval)) {
    const t0 = performance.now();
    map.draw(picture, now, playing);
    const t1 = performance.now();
    dirty = false; map.dirty = false; lastDraw = nowMs;
    if (drawMark !== null) {
      const mark = drawMark;
      stats.draw.push(t1 - t0); stats.drawn.push(Date.now() - mark); drawMark = null;
      // the next frame's callback runs once this frame is rasterised and presented: the time to pixels
      requestAnimationFrame(() => stats.painted.push(Date.now() - mark));
    }
    renderTooltip(now);
  }
  // panels: on news (at most 10 times a second, so a fast replay does not rebuild them every frame),
  // and four times a second for the countdowns
  if ((picture.version !== panelsVersion && nowMs - lastPanels > 100) || nowMs - lastPanels > 250) {
    panelsVersion = picture.version; lastPanels = nowMs;
    const p0 = performance.now();
    renderRequests(now);
    renderThreats(now);
    renderWarnings(now);
    renderCounters();
    renderWcs();
    renderLog();
    if (ui.status && document.activeElement !== $("seek")) {
      $("seek").value = String(now);
      $("seek-label").textContent = `${fmtT(now)} / ${fmtT(ui.status.duration_s || 0)}`;
    }
    $("clock-t").textContent = fmtT(now);
    $("clock-local").textContent = localTime(now);
    stats.panels.push(performance.now() - p0);
    if (stats.panels.length > 1000) stats.panels.splice(0, 500);
  }
}

async function boot() {
  requestAnimationFrame(frame);
  try { enter(await api("/api/me")); } catch { showLogin(); }
}

boot();
