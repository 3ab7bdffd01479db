"""Plotly traces of a site drawn from its own geometry (ENU kilometres): no tiles, works offline."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import shapely

from bastion.scenario.compiled import Defence

ZONE_COLOURS = {"populated": "#d62728", "military": "#1f77b4", "infrastructure": "#7f7f7f", "open": "#2ca02c"}
IDENTITY_COLOURS = {
    "hostile": "#d62728",
    "civil": "#2ca02c",
    "friendly": "#1f77b4",
    "unknown": "#ff7f0e",
    "pending": "#bbbbbb",
}


def _km(a) -> np.ndarray:
    return np.asarray(a, dtype=float) / 1000.0


def wedge(center: np.ndarray, radius: float, az_from: float, az_to: float, n: int = 40) -> np.ndarray:
    """Polygon (K, 2) of a sector clockwise from ``az_from`` to ``az_to`` [rad]."""
    full = az_to - az_from >= 2 * np.pi - 1e-9
    span = 2 * np.pi if full else (az_to - az_from) % (2 * np.pi) or 2 * np.pi
    a = az_from + np.linspace(0.0, span, n)
    ring = center + radius * np.stack([np.sin(a), np.cos(a)], axis=1)
    return ring if full else np.vstack([center, ring, center])


def site_traces(d: Defence) -> list[go.Scatter]:
    """Zones, runways, radars, and guns with their reach and no-fire sectors."""
    traces: list[go.Scatter] = []
    for z in d.zones:
        ring = np.asarray(shapely.get_exterior_ring(z.geometry).coords)
        label = f"{z.name} ({z.kind}, value {z.value:g}{', notional' if z.notional else ''})"
        traces.append(
            go.Scatter(
                x=_km(ring[:, 0]),
                y=_km(ring[:, 1]),
                mode="lines",
                fill="toself",
                name=z.name,
                line={"color": ZONE_COLOURS.get(z.kind, "#999"), "width": 1},
                opacity=0.35,
                hoverinfo="text",
                text=label,
                legendgroup="zones",
                legendgrouptitle_text="Zones",
            )
        )
    for rw in d.runways:
        traces.append(
            go.Scatter(
                x=_km(rw.thresholds[:, 0]),
                y=_km(rw.thresholds[:, 1]),
                mode="lines+text",
                text=list(rw.idents),
                line={"color": "#555", "width": 4},
                name=f"runway {rw.name}",
                legendgroup="zones",
            )
        )
    for r in d.radars:
        traces.append(
            go.Scatter(
                x=[_km(r.position[0])],
                y=[_km(r.position[1])],
                mode="markers+text",
                text=[r.name],
                textposition="top center",
                marker={"symbol": "diamond", "size": 11, "color": "#9467bd"},
                name=f"radar {r.name}",
                legendgroup="sensors",
                legendgrouptitle_text="Sensors",
            )
        )
    for g in d.guns:
        reach = g.type.max_engage_range_m
        ring = wedge(g.position[:2], reach, g.arc_from, g.arc_to)
        traces.append(
            go.Scatter(
                x=_km(ring[:, 0]),
                y=_km(ring[:, 1]),
                mode="lines",
                line={"color": "#444", "width": 1, "dash": "dot"},
                name=f"{g.name} reach {reach:.0f} m",
                legendgroup="guns",
                legendgrouptitle_text="Guns",
                hoverinfo="name",
            )
        )
        for nf in g.no_fire:
            w = wedge(g.position[:2], reach, nf.azimuth_from, nf.azimuth_to)
            traces.append(
                go.Scatter(
                    x=_km(w[:, 0]),
                    y=_km(w[:, 1]),
                    mode="lines",
                    fill="toself",
                    fillcolor="rgba(0,0,0,0.08)",
                    line={"color": "rgba(0,0,0,0.3)", "width": 0.5},
                    name=f"{g.name} no-fire: {nf.reason}",
                    legendgroup="guns",
                    hoverinfo="name",
                    showlegend=False,
                )
            )
        traces.append(
            go.Scatter(
                x=[_km(g.position[0])],
                y=[_km(g.position[1])],
                mode="markers+text",
                text=[g.name],
                textposition="bottom center",
                marker={"symbol": "square", "size": 10, "color": "#111"},
                name=g.name,
                legendgroup="guns",
            )
        )
    return traces


def site_extent_km(d: Defence, margin_m: float = 2_500.0) -> tuple[float, float, float, float]:
    """(east min, east max, north min, north max) [km] of the zones, runways, sensors and guns plus a
    margin: the map's first view, on what is defended rather than on every track."""
    pts = [np.asarray(shapely.get_exterior_ring(z.geometry).coords) for z in d.zones]
    pts += [rw.thresholds[:, :2] for rw in d.runways]
    pts += [np.array([s.position[:2]]) for s in (*d.radars, *d.guns)]
    if not pts:
        return (-5.0, 5.0, -5.0, 5.0)
    a = np.vstack(pts)
    lo, hi = a.min(axis=0) - margin_m, a.max(axis=0) + margin_m
    return (float(lo[0]) / 1e3, float(hi[0]) / 1e3, float(lo[1]) / 1e3, float(hi[1]) / 1e3)


SEVERITY = ["pending", "unknown", "civil", "friendly", "hostile"]


def track_traces(events, markers: bool = True) -> list[go.Scatter]:
    """One line per track from the run's per-scan ``tracks`` events, coloured by the most severe
    identity the track held (hostile over friendly over civil over unknown)."""
    tracks: dict[int, list] = {}
    ident: dict[int, str] = {}
    for e in events:
        if e.kind == "tracks":
            for tid, p, idn in zip(e.payload.id, e.payload.position, e.payload.identity, strict=True):
                tracks.setdefault(tid, []).append(p)
                if SEVERITY.index(idn) > SEVERITY.index(ident.get(tid, "pending")):
                    ident[tid] = idn
    traces, shown = [], set()
    for tid, pts in sorted(tracks.items()):
        a = np.array(pts)
        idn = ident.get(tid, "pending")
        traces.append(
            go.Scatter(
                x=_km(a[:, 0]),
                y=_km(a[:, 1]),
                mode="lines+markers" if markers else "lines",
                marker={"size": 3},
                line={"color": IDENTITY_COLOURS[idn], "width": 2},
                name=f"tracks: {idn}",
                legendgroup=f"trk-{idn}",
                showlegend=idn not in shown,
                hovertext=f"track {tid} ({idn})",
                hoverinfo="text",
            )
        )
        shown.add(idn)
    return traces
