# ruff: noqa: E501  (the HTML template reads better unwrapped, as in bastion.report.html)
"""The after-action report of an incident: one self-contained HTML page (plotly.js inlined, offline).

Sections: the incident (what, where, when, outcome, attribution, investigation), a timeline, a map
of the site (drawn with :func:`bastion.report.site_map.site_traces` from the run's scenario or the
site catalogue's layout) with launch points, tracks, predicted impacts with their 95 % ellipses,
actual impacts, kill points, debris, debris search areas and point-of-origin ellipses, then the
threat, engagement, damage, debris and evidence tables and the links to the run that produced it.
Tracks and the detailed timeline need the run's events database (its path is in the incident's
link); without it the report draws what the register holds and says so.
"""

from __future__ import annotations

import html
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import plotly.graph_objects as go

from bastion.event_types import EventSchemaError
from bastion.incidents.register import Incident
from bastion.incidents.sites import SITES
from bastion.physics.geodesy import Origin
from bastion.report.site_map import _km, site_traces, track_traces
from bastion.report.style import page_head
from bastion.scenario import parse
from bastion.scenario.compiled import compile_scenario
from bastion.store import EventStore

TIMELINE_LANES = {
    "launch": "launch",
    "first_detection": "detection",
    "identification": "identification",
    "threat": "identification",
    "warning": "warning",
    "all_clear": "warning",
    "authorisation_request": "authorisation",
    "authorisation": "authorisation",
    "fire_order": "fire",
    "gun_fired": "fire",
    "hit": "hit / kill",
    "kill": "hit / kill",
    "kill_assessment": "hit / kill",
    "leak": "impact",
    "impact_open_ground": "impact",
    "detonation": "impact",
    "damage": "damage",
    "debris_impact": "debris",
    "point_of_origin": "origin",
}
LANE_ORDER = [
    "launch",
    "detection",
    "identification",
    "warning",
    "authorisation",
    "fire",
    "hit / kill",
    "impact",
    "damage",
    "debris",
    "origin",
    "reported",
]


def ellipse_ring(e: float, n: float, a: float, b: float, orientation_deg: float, k: int = 60) -> np.ndarray:
    """(k, 2) points of an ellipse centred at (e, n) [m] with semi-axes a (major), b [m], the major
    axis at ``orientation_deg`` clockwise from north."""
    th = np.radians(orientation_deg)
    t = np.linspace(0.0, 2 * np.pi, k)
    major = np.array([np.sin(th), np.cos(th)])
    minor = np.array([np.cos(th), -np.sin(th)])
    return np.array([e, n]) + np.outer(a * np.cos(t), major) + np.outer(b * np.sin(t), minor)


def _run_context(inc: Incident):
    """(defence, events, start datetime, note) from the incident's run link, where readable."""
    link = next((x for x in inc.links if x.get("kind") == "run"), None)
    if link is None:
        return None, [], None, ""
    db = Path(link.get("db_path", ""))
    if not db.is_file():
        return None, [], None, f"the run's events database {db} is not available: tracks and timeline are omitted"
    with EventStore(db) as store:
        if link["ref"] not in {r.run_id for r in store.runs()}:
            return None, [], None, f"{db} no longer holds run {link['ref']}"
        text = store.scenario_text(link["ref"])
        try:
            events = list(store.events(link["ref"]))
        except EventSchemaError as exc:  # a run this bastion cannot read: the report says why
            return None, [], None, f"the run's events are not readable: {exc}; tracks and timeline are omitted"
    defence = compile_scenario(parse(text, f"run {link['ref']}"), read_traffic=False).defence
    return defence, events, defence.start, ""


def catalogue_defence(site_id: str):
    """The compiled Defence of a catalogued site's notional layout (for drawing)."""
    import tomli_w

    from bastion.incidents.scenario_builder import site_layout

    start = datetime(2000, 1, 1, tzinfo=timezone(timedelta(hours=3)))
    doc = {"scenario": {"name": f"site-{site_id}", "start": start, "duration_s": 1.0}, **site_layout(SITES[site_id])}
    text = tomli_w.dumps(doc)
    return compile_scenario(parse(text, f"site catalogue: {site_id}"), read_traffic=False).defence


def _circle(e: float, n: float, r: float, k: int = 60) -> np.ndarray:
    t = np.linspace(0.0, 2 * np.pi, k)
    return np.stack([e + r * np.sin(t), n + r * np.cos(t)], axis=1)


def _map(inc: Incident, defence, events) -> go.Figure | None:
    fig = go.Figure()
    origin = None
    if defence is not None:
        origin = defence.origin
        for tr in site_traces(defence):
            fig.add_trace(tr)
    elif inc.lat is not None and inc.lon is not None:
        origin = Origin(inc.lat, inc.lon, 0.0)
    else:
        return None
    if inc.lat is not None and inc.lon is not None:
        p = origin.to_enu(inc.lat, inc.lon, origin.alt_m)
        fig.add_trace(
            go.Scatter(
                x=[_km(p[0])],
                y=[_km(p[1])],
                mode="markers",
                marker={"symbol": "circle-open", "size": 16, "color": "#000"},
                name=f"reported position ({inc.lat:.4f}, {inc.lon:.4f})",
            )
        )
    # tracks, coloured by the most severe identity they held; truth paths dashed
    paths: dict[int, list] = defaultdict(list)
    for e in events:
        if e.kind == "truth":
            for lab, p in zip(e.payload.label, e.payload.position, strict=True):
                if 0 <= lab < 10_000:
                    paths[lab].append(p)
    for lab, pts in sorted(paths.items()):
        a = np.array(pts)
        fig.add_trace(
            go.Scatter(
                x=_km(a[:, 0]),
                y=_km(a[:, 1]),
                mode="lines",
                line={"color": "#000", "width": 1, "dash": "dash"},
                opacity=0.5,
                name="threat path (simulation truth)",
                legendgroup="truth",
                showlegend=lab == min(paths),
            )
        )
    for tr in track_traces(events, markers=False):
        fig.add_trace(tr)

    # threats: launch, predicted impact + ellipse, actual impact, kill
    def markers(pts, label, symbol, colour, size=10, text=None):
        pts = [p for p in pts if p[0] is not None and p[1] is not None]
        if pts:
            a = np.array(pts, dtype=float)
            fig.add_trace(
                go.Scatter(
                    x=_km(a[:, 0]),
                    y=_km(a[:, 1]),
                    mode="markers",
                    marker={"symbol": symbol, "size": size, "color": colour},
                    name=label,
                    hovertext=text,
                    hoverinfo="text+name" if text else "name",
                )
            )

    th = inc.threats
    markers([(t.get("launch_east_m"), t.get("launch_north_m")) for t in th], "launch point", "triangle-up", "#9467bd")
    markers(
        [(t.get("predicted_east_m"), t.get("predicted_north_m")) for t in th],
        "predicted impact (last, while hostile)",
        "x",
        "#ff7f0e",
        text=[t["name"] for t in th if t.get("predicted_east_m") is not None],
    )
    for t in th:
        if t.get("predicted_semi_major_m"):
            ring = ellipse_ring(
                t["predicted_east_m"],
                t["predicted_north_m"],
                t["predicted_semi_major_m"],
                t["predicted_semi_minor_m"],
                t["predicted_orientation_deg"] or 0.0,
            )
            fig.add_trace(
                go.Scatter(
                    x=_km(ring[:, 0]),
                    y=_km(ring[:, 1]),
                    mode="lines",
                    line={"color": "#ff7f0e", "width": 1},
                    name="predicted impact 95 % ellipse",
                    legendgroup="pred",
                    showlegend=t is next(x for x in th if x.get("predicted_semi_major_m")),
                )
            )
    markers(
        [(t.get("impact_east_m"), t.get("impact_north_m")) for t in th],
        "actual impact",
        "circle",
        "#d62728",
        12,
        text=[
            f"{t['name']} ({t.get('impact_zone') or 'open ground'})" for t in th if t.get("impact_east_m") is not None
        ],
    )
    markers(
        [(t.get("kill_east_m"), t.get("kill_north_m")) for t in th],
        "kill (intercept)",
        "star",
        "#ff7f0e",
        14,
        text=[f"{t['name']} at {t.get('kill_height_m')} m" for t in th if t.get("kill_east_m") is not None],
    )
    markers(
        [(d.get("east_m"), d.get("north_m")) for d in inc.debris],
        "debris impact",
        "triangle-down",
        "#17becf",
        8,
        text=[f"{d['piece']} of threat {d.get('threat_seq')}" for d in inc.debris if d.get("east_m") is not None],
    )
    for k, s in enumerate(inc.search_areas):
        if s.get("east_m") is None:
            continue
        ring = _circle(s["east_m"], s["north_m"], s["radius_m"])
        fig.add_trace(
            go.Scatter(
                x=_km(ring[:, 0]),
                y=_km(ring[:, 1]),
                mode="lines",
                fill="toself",
                fillcolor="rgba(23,190,207,0.12)",
                line={"color": "#17becf", "width": 1, "dash": "dot"},
                name="debris search area",
                legendgroup="search",
                showlegend=k == 0,
                hovertext=f"threat {s.get('threat_seq')}: radius {s['radius_m']} m ({s['basis']})",
                hoverinfo="text",
            )
        )
    for k, o in enumerate(inc.origins):
        if o.get("east_m") is None:
            continue
        markers([(o["east_m"], o["north_m"])], "point of origin", "diamond-x", "#8c564b", 12)
        if o.get("semi_major_m"):
            ring = ellipse_ring(
                o["east_m"], o["north_m"], o["semi_major_m"], o["semi_minor_m"], o["orientation_deg"] or 0.0
            )
            fig.add_trace(
                go.Scatter(
                    x=_km(ring[:, 0]),
                    y=_km(ring[:, 1]),
                    mode="lines",
                    line={"color": "#8c564b", "width": 2},
                    name="point-of-origin 95 % ellipse",
                    legendgroup="origin",
                    showlegend=k == 0,
                )
            )
    fig.update_layout(
        title="Site map (local ENU, km from the site reference point)",
        height=760,
        xaxis={"title": "east [km]", "scaleanchor": "y", "scaleratio": 1},
        yaxis={"title": "north [km]"},
        margin={"l": 50, "r": 20, "t": 50, "b": 40},
        template="plotly_white",
    )
    return fig


def _timeline(inc: Incident, events, start: datetime | None) -> go.Figure:
    fig = go.Figure()
    by_lane: dict[str, list] = defaultdict(list)
    if start is not None:
        for e in events:
            lane = TIMELINE_LANES.get(e.kind)
            if lane:
                by_lane[lane].append((start + timedelta(seconds=e.t), f"{e.kind}: {_brief(e.payload)}"))
    else:
        when = f"{inc.date_local}T{inc.time_local or '12:00'}:00{inc.utc_offset}"
        by_lane["reported"].append((datetime.fromisoformat(when), f"reported: {inc.weapon} x{inc.count or '?'}"))
    for lane in LANE_ORDER:
        pts = by_lane.get(lane)
        if not pts:
            continue
        fig.add_trace(
            go.Scatter(
                x=[p[0] for p in pts],
                y=[lane] * len(pts),
                mode="markers",
                marker={"size": 10},
                name=lane,
                hovertext=[p[1] for p in pts],
                hoverinfo="text+x",
            )
        )
    lanes = [x for x in LANE_ORDER if x in by_lane]
    fig.update_layout(
        title=f"Timeline (local time, UTC{inc.utc_offset})" + ("" if start is not None else ": reported time only"),
        height=380,
        template="plotly_white",
        yaxis={"categoryorder": "array", "categoryarray": lanes[::-1]},
        margin={"l": 120, "r": 30, "t": 50, "b": 40},
    )
    return fig


def _brief(p) -> str:
    """The scalar fields of a payload, as ``key=value`` (its JSON keys)."""
    return ", ".join(f"{k}={v}" for k, v in p.to_dict().items() if not isinstance(v, list | dict))[:160]


def _table(rows: list[dict], cols: list[str]) -> str:
    if not rows:
        return "<p class='sub'>none recorded</p>"
    esc = html.escape
    head = "".join(f"<th>{esc(c.replace('_', ' '))}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f"<td>{esc(_fmt(r.get(c)))}</td>" for c in cols) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _fmt(v) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, list):
        return ", ".join(map(str, v))
    return str(v)


def write_after_action(inc: Incident, out_dir: str | Path) -> Path:
    """Write ``incident-ID.html`` into ``out_dir``; return its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    defence, events, start, note = _run_context(inc)
    if defence is None and inc.site in SITES:
        defence = catalogue_defence(inc.site)
    map_fig = _map(inc, defence, events)
    timeline = _timeline(inc, events, start)
    page = _page(inc, map_fig, timeline, note, defence)
    path = out_dir / f"incident-{inc.incident_id}.html"
    path.write_text(page, encoding="utf-8")
    return path


def _page(inc: Incident, map_fig, timeline, note: str, defence) -> str:
    esc = html.escape
    facts = [
        ("site", f"{inc.location}" + (f" (catalogued: {inc.site})" if inc.site else " (not a catalogued site)")),
        ("place", inc.place),
        ("date / time (local)", f"{inc.date_local} {inc.time_local or '(time not reported)'} UTC{inc.utc_offset}"),
        ("window", f"{inc.window_start or '–'} to {inc.window_end or '–'}"),
        ("target", inc.target or "–"),
        ("weapon / count", f"{inc.weapon} / {inc.count if inc.count is not None else 'not reported'}"),
        ("intercepted", inc.intercepted),
        ("damage", inc.damage or "–"),
        ("casualties", inc.casualties or "–"),
        ("claimed", f"{inc.claimed}" + (f" by {inc.claimed_by}" if inc.claimed_by else "")),
        ("attribution confidence", inc.attribution_confidence or "–"),
        ("suspected", inc.suspected or "–"),
        ("investigation", inc.investigation_status),
        ("notes", inc.notes or "–"),
        ("recorded from", inc.origin),
    ]
    fact_rows = "".join(f"<tr><th>{esc(k)}</th><td>{esc(str(v))}</td></tr>" for k, v in facts)
    if inc.source_url:
        fact_rows += f"<tr><th>source</th><td><a href='{esc(inc.source_url)}'>{esc(inc.source_url)}</a></td></tr>"
    outcomes = [t.get("outcome") for t in inc.threats]
    rounds = sum(int(t.get("rounds_fired") or 0) for t in inc.threats)
    n_threats = sum(int(t.get("count") or 1) for t in inc.threats)
    cards = [
        (str(n_threats), "threats"),
        (str(outcomes.count("intercepted")), "intercepted"),
        (str(outcomes.count("impacted")), "impacted"),
        (str(rounds), "rounds fired"),
        (str(len(inc.debris)), "debris pieces"),
        (str(len(inc.evidence)), "evidence items"),
    ]
    card_html = "".join(f"<div class='card'><b>{esc(a)}</b>{esc(b)}</div>" for a, b in cards)
    notional = ""
    if defence is not None and any(z.notional for z in defence.zones):
        notional = "<p class='sub'>Zones marked notional (and the sensor and gun siting of catalogued layouts) are not public positions.</p>"
    figs = ""
    if map_fig is not None:
        figs += map_fig.to_html(full_html=False, include_plotlyjs=True)
        figs += timeline.to_html(full_html=False, include_plotlyjs=False)
    else:
        figs += "<p class='sub'>No position recorded: no map.</p>"
        figs += timeline.to_html(full_html=False, include_plotlyjs=True)
    threat_cols = [
        "seq", "name", "type", "count", "basis", "outcome", "tracks", "first_detection_range_m", "warning_time_s",
        "rounds_fired", "predicted_lat", "predicted_lon", "impact_lat", "impact_lon", "impact_zone", "kill_lat",
        "kill_lon", "kill_height_m",
    ]  # fmt: skip
    eng_cols = ["seq", "t_s", "gun", "track", "threat_seq", "rounds", "pk", "range_m", "result"]
    evidence_rows = [{**e, "file": Path(e["path"]).name, "sha256": e["sha256"]} for e in inc.evidence]
    return (
        page_head(f"bastion — incident {inc.incident_id}")
        + f"""<h1>After-action report: incident {inc.incident_id}</h1>
<p class="sub">{esc(inc.location)} · {esc(inc.date_local)} · {esc(inc.weapon)} · investigation {esc(inc.investigation_status)}</p>
<div class="cards">{card_html}</div>
{f"<p class='note'>{esc(note)}</p>" if note else ""}
<h2>Incident</h2><table>{fact_rows}</table>
{figs}
{notional}
<h2>Threats</h2>{_table(inc.threats, threat_cols)}
<h2>Engagements</h2>{_table(inc.engagements, eng_cols)}
<h2>Damage</h2>{_table(inc.damage_items, ["seq", "threat_seq", "zone", "kind", "distance_m", "how", "description"])}
<h2>Points of origin</h2>{_table(inc.origins, ["seq", "threat_seq", "track", "lat", "lon", "semi_major_m", "semi_minor_m", "orientation_deg", "confidence", "method"])}
<h2>Debris</h2>{_table(inc.debris, ["seq", "threat_seq", "piece", "lat", "lon", "zone", "t_s", "inscription", "recovered"])}
<h3>Search areas</h3>{_table(inc.search_areas, ["seq", "threat_seq", "lat", "lon", "radius_m", "basis"])}
<h2>Evidence</h2>{_table(evidence_rows, ["evidence_id", "description", "file", "sha256", "size_bytes", "inscription", "lat", "lon", "added_utc"])}
<h2>Links</h2>{_table(inc.links, ["kind", "ref", "db_path", "scenario_sha256", "events_sha256", "start_local"])}
</body></html>
"""
    )
