"""The run report: one self-contained HTML file (plotly.js inlined) that works offline.

It reads only the event store (events and the scenario text kept with the run): a map of the
site with zones, runways, sensors, guns with their reach and no-fire sectors, truth paths, tracks
coloured by identity, engagements, kills, fall of shot and debris; a timeline of the night; the
summary; and the log of decisions.
"""

from __future__ import annotations

import html
from collections import defaultdict
from pathlib import Path

import numpy as np
import plotly.graph_objects as go

from bastion.report.coverage_map import coverage_traces
from bastion.report.describe import QUIET, describe
from bastion.report.site_map import _km, site_extent_km, site_traces, track_traces
from bastion.report.style import page_head
from bastion.scenario import parse
from bastion.scenario.compiled import compile_stored
from bastion.scenario.terrain import ground_used
from bastion.store import EventStore
from bastion.world.labels import BIRD_LABEL

_LOG_CSS = ".log { max-height: 480px; overflow-y: auto; display: block; }\n"  # the event log scrolls


def write_report(db_path: str | Path, run_id: str, out: str | Path) -> Path:
    with EventStore(db_path) as store:
        text = store.scenario_text(run_id)
        run = next(r for r in store.runs() if r.run_id == run_id)
        events = list(store.events(run_id))
    defence = compile_stored(text, f"run {run_id}").defence  # (without the DEM file: the map does not need it)
    map_fig = _map(defence, events)
    timeline = _timeline(events)
    summary = run.summary or {}
    ground = summary.get("ground")  # the ground the night ran on
    if not ground:  # a run of an older bastion: from its scenario
        dem = parse(text, f"run {run_id}").model.terrain.dem
        ground = f"DEM {dem}" if dem else ground_used(defence.surface, defence.origin.alt_m)
    page = _page(defence, run, summary, map_fig, timeline, events, str(ground))
    out = Path(out)
    out.write_text(page, encoding="utf-8")
    return out


def _map(d, events) -> go.Figure:
    fig = go.Figure()
    for tr in site_traces(d) + coverage_traces(d):
        fig.add_trace(tr)
    # truth paths
    paths: dict[int, list] = defaultdict(list)
    for e in events:
        if e.kind == "truth":
            for lab, p in zip(e.payload.label, e.payload.position, strict=True):
                paths[lab].append(p)
    birds = [np.array(paths.pop(lab)) for lab in sorted(paths) if lab >= BIRD_LABEL]
    if birds:  # every bird and flock in one trace (there may be hundreds), paths split by gaps
        gap = np.full((1, 3), np.nan)
        a = np.vstack([np.vstack([b, gap]) for b in birds])
        fig.add_trace(
            go.Scatter(
                x=_km(a[:, 0]),
                y=_km(a[:, 1]),
                mode="lines",
                name=f"truth: birds ({len(birds)} birds and flocks)",
                legendgroup="truth",
                legendgrouptitle_text="Truth",
                line={"color": "#8c564b", "width": 1, "dash": "dot"},
                opacity=0.5,
                hoverinfo="name",
                visible="legendonly",
            )
        )
    for lab, pts in sorted(paths.items()):
        a = np.array(pts)
        name = "truth: threat" if lab < 10_000 else "truth: civil" if lab < 20_000 else "truth: debris"
        fig.add_trace(
            go.Scatter(
                x=_km(a[:, 0]),
                y=_km(a[:, 1]),
                mode="lines",
                name=name,
                legendgroup="truth",
                legendgrouptitle_text="Truth",
                showlegend=False,
                line={"color": "#000", "width": 1, "dash": "dash"},
                opacity=0.4,
                hoverinfo="name",
            )
        )
    # tracks coloured by the most severe identity they held
    for tr in track_traces(events):
        fig.add_trace(tr)
    # engagements, kills, fall of shot, debris
    gun_pos = {g.name: g.position for g in d.guns}
    for e in events:
        if e.kind == "fire_order":
            g = gun_pos[e.payload.gun]
            p = e.payload.intercept
            fig.add_trace(
                go.Scatter(
                    x=_km([g[0], p[0]]),
                    y=_km([g[1], p[1]]),
                    mode="lines",
                    line={"color": "#e377c2", "width": 2},
                    name="burst (gun to intercept)",
                    legendgroup="fire",
                    showlegend=False,
                    hovertext=f"order {e.payload.order}: {e.payload.rounds} rds, Pk {e.payload.pk}",
                    hoverinfo="text",
                )
            )
    for kind, symbol, colour, label in (
        ("kill", "star", "#ff7f0e", "kill (truth)"),
        ("fall_of_shot", "x", "#8c564b", "fall of shot"),
        ("debris_impact", "triangle-down", "#17becf", "debris impact"),
        ("detonation", "circle-open", "#d62728", "detonation"),
    ):
        pts = np.array([e.payload.position for e in events if e.kind == kind]).reshape(-1, 3)
        if pts.size:
            fig.add_trace(
                go.Scatter(
                    x=_km(pts[:, 0]),
                    y=_km(pts[:, 1]),
                    mode="markers",
                    name=label,
                    marker={"symbol": symbol, "size": 11 if kind == "kill" else 8, "color": colour},
                    legendgroup="outcome",
                    legendgrouptitle_text="Outcome",
                )
            )
    x0, x1, y0, y1 = site_extent_km(d)
    fig.update_layout(
        title="Site map (local ENU, km from the site origin; double-click to see every track)",
        height=760,
        xaxis={"title": "east [km]", "scaleanchor": "y", "scaleratio": 1, "range": [x0, x1]},
        yaxis={"title": "north [km]", "range": [y0, y1]},
        legend={"groupclick": "toggleitem"},
        margin={"l": 50, "r": 20, "t": 50, "b": 40},
        template="plotly_white",
    )
    return fig


def _timeline(events) -> go.Figure:
    fig = go.Figure()
    t_det = [e.t for e in events if e.kind == "detections"]
    n_det = [e.payload.n for e in events if e.kind == "detections"]
    t_trk = [e.t for e in events if e.kind == "tracks"]
    n_trk = [len(e.payload.id) for e in events if e.kind == "tracks"]
    fig.add_trace(
        go.Scatter(x=t_det, y=n_det, mode="lines", name="radar plots per scan", yaxis="y2", line={"color": "#c7c7c7"})
    )
    fig.add_trace(
        go.Scatter(x=t_trk, y=n_trk, mode="lines", name="confirmed tracks", yaxis="y2", line={"color": "#9467bd"})
    )
    lanes = ["warnings", "identification", "authorisation", "bursts", "kills / leaks", "debris"]
    lane_of = {
        "warning": 0,
        "all_clear": 0,
        "identification": 1,
        "authorisation_request": 2,
        "authorisation": 2,
        "authorisation_timeout": 2,
        "gun_fired": 3,
        "kill": 4,
        "leak": 4,
        "kill_assessment": 4,
        "debris_impact": 5,
    }
    colours = {
        "warning": "#d62728",
        "all_clear": "#2ca02c",
        "identification": "#ff7f0e",
        "authorisation_request": "#1f77b4",
        "authorisation": "#2ca02c",
        "authorisation_timeout": "#7f7f7f",
        "gun_fired": "#e377c2",
        "kill": "#ff7f0e",
        "leak": "#d62728",
        "kill_assessment": "#8c564b",
        "debris_impact": "#17becf",
    }
    by_kind = defaultdict(list)
    for e in events:
        if e.kind in lane_of:
            by_kind[e.kind].append(e)
    for kind, evs in by_kind.items():
        fig.add_trace(
            go.Scatter(
                x=[e.t for e in evs],
                y=[lanes[lane_of[kind]]] * len(evs),
                mode="markers",
                name=kind.replace("_", " "),
                marker={
                    "size": 10,
                    "color": colours[kind],
                    "symbol": "line-ns-open" if kind == "gun_fired" else "circle",
                },
                hovertext=[describe(e) for e in evs],
                hoverinfo="text+x",
            )
        )
    for e in by_kind.get("gun_fired", []):
        fig.add_trace(
            go.Scatter(
                x=[e.payload.t_first, e.payload.t_last],
                y=["bursts", "bursts"],
                mode="lines",
                line={"color": "#e377c2", "width": 8},
                showlegend=False,
                hoverinfo="skip",
            )
        )
    fig.update_layout(
        title="Timeline (seconds from scenario start)",
        height=420,
        template="plotly_white",
        xaxis={"title": "time [s]"},
        yaxis={"categoryorder": "array", "categoryarray": lanes[::-1]},
        yaxis2={"overlaying": "y", "side": "right", "title": "count", "showgrid": False},
        margin={"l": 120, "r": 60, "t": 50, "b": 40},
    )
    return fig


def _unfinished_banner(run) -> str:
    """A visible warning at the top of the report of a run that did not finish ('' otherwise)."""
    note = run.unfinished_note()
    if note is None:
        return ""
    style = "background:#fde2e1;border:2px solid #b3261e;color:#410e0b;padding:.6em 1em;margin:.5em 0;font-weight:bold"
    return (
        f'<div class="unfinished" role="alert" style="{style}">UNFINISHED RUN: {html.escape(note)}. '
        "The summary below is missing or partial; the map and log show the events stored until then.</div>\n"
    )


def _page(d, run, summary: dict, map_fig: go.Figure, timeline: go.Figure, events, ground: str) -> str:
    esc = html.escape
    rows = "".join(
        f"<tr><th>{esc(k.replace('_', ' '))}</th><td>{esc(str(v))}</td></tr>"
        for k, v in summary.items()
        if k not in ("threats",)
    )
    threat_rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{esc(str(t.get(c)))}</td>"
            for c in ("name", "type", "outcome", "first_detection_range_m", "detection_to_fire_s")
        )
        + "</tr>"
        for t in summary.get("threats", [])
    )
    log_rows = "".join(
        f"<tr><td>{e.t:8.2f}</td><td>{esc(e.source)}</td><td>{esc(e.kind)}</td><td>{esc(describe(e))}</td></tr>"
        for e in events
        if e.kind not in QUIET
    )
    civil = summary.get("civil_engaged", "?")
    civil_class = "ok" if civil == 0 else "bad"
    return (
        page_head(f"bastion — {d.name} seed {run.seed}", _LOG_CSS)
        + f"""<h1>{esc(d.site_name)}</h1>
{_unfinished_banner(run)}<p class="sub">scenario <b>{esc(d.name)}</b> · start {esc(d.start.isoformat())} · seed {run.seed} · run {esc(run.run_id)} · bastion {esc(run.version)}</p>
<p class="sub">ground: <b>{esc(ground)}</b></p>
<div class="cards">
<div class="card"><b>{summary.get("hostiles_destroyed", "?")} / {summary.get("hostiles", "?")}</b>hostiles destroyed</div>
<div class="card"><b>{summary.get("leakers", "?")}</b>leakers</div>
<div class="card {civil_class}"><b>{civil}</b>civil aircraft engaged</div>
<div class="card"><b>{summary.get("rounds_fired", "?")}</b>rounds fired</div>
<div class="card"><b>{summary.get("damage_events", "?")}</b>damage events</div>
<div class="card"><b>{summary.get("min_warning_time_s", "?")}</b>min warning time [s]</div>
</div>
{map_fig.to_html(full_html=False, include_plotlyjs=True)}
{timeline.to_html(full_html=False, include_plotlyjs=False)}
<h2>Threats</h2>
<table><tr><th>name</th><th>type</th><th>outcome</th><th>first detection range [m]</th><th>detection to fire [s]</th></tr>{threat_rows}</table>
<h2>Summary</h2><table>{rows}</table>
<h2>Event log</h2><p class="sub">per-scan plots, tracks and truth positions omitted; all are in events.sqlite</p>
<table class="log"><tr><th>t [s]</th><th>source</th><th>kind</th><th>what</th></tr>{log_rows}</table>
</body></html>
"""
    )
