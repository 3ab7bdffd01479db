"""The sweep report: one self-contained HTML file (plotly.js inlined) that works offline.

From ``results.parquet`` and ``points.parquet`` (aggregated by DuckDB, see
:mod:`bastion.sweep.analysis`): the civil-engagement count first and prominently; P(leak) and
P_RA with Wilson 95 % intervals per grid point, side by side with the mean leakers, rounds and
interceptors used and the cost per night and per kill; the rounds-per-kill distribution; the warning-time
distribution per zone; heat maps of fall of shot and of debris over the site map; failed runs.
Distributions are drawn from quantiles and binned counts computed in DuckDB, so the page stays
small however many runs the sweep holds.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np
import plotly.graph_objects as go

from bastion.report.site_map import _km, site_traces
from bastion.report.style import page_head
from bastion.scenario import ScenarioError, parse
from bastion.scenario.compiled import compile_scenario
from bastion.sweep import analysis

_CIVIL_CSS = ".civil { font-size: 20px; padding: 16px 24px; } .civil b { font-size: 40px; }\n"  # shown large

MAX_SERIES = 8  # grid points drawn as their own series or map; beyond, the first ones and a note
MAX_CELLS = 150  # heat-map cells along the longer side of the impact area
NICE_CELLS_M = (5.0, 10.0, 20.0, 25.0, 50.0, 100.0, 200.0, 250.0, 500.0, 1000.0)
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")


def _defence(folder: Path, meta: dict, point: int):
    entry = next((p for p in meta.get("points", []) if p["index"] == point), None)
    if entry is None:
        return None
    text = (folder / entry["scenario"]).read_text("utf-8")
    try:
        return compile_scenario(parse(text, f"sweep point {point}"), read_traffic=False).defence
    except ScenarioError:  # a grid point whose runs all failed on its scenario: no site to draw
        return None


def cell_size(extent: tuple[float, float, float, float]) -> float:
    """The smallest 'nice' cell [m] that keeps the longer side of ``extent`` within MAX_CELLS cells."""
    span = max(extent[1] - extent[0], extent[3] - extent[2], 1.0)
    return next((c for c in NICE_CELLS_M if span / c <= MAX_CELLS), NICE_CELLS_M[-1])


def _short(label: str, n: int = 60) -> str:
    return label if len(label) <= n else label[: n - 1] + "…"


def _probability_figure(stats: list[analysis.PointStats]) -> go.Figure:
    fig = go.Figure()
    x = [f"{s.point}: {_short(s.label, 40)}" for s in stats]
    for name, attr, colour in (
        ("P(leak)", "leak", "#d62728"),
        ("P_RA (raid annihilation)", "raid_annihilation", "#1f77b4"),
        ("P(populated fall)", "populated_fall", "#8c564b"),
    ):
        props = [getattr(s, attr) for s in stats]
        p = np.array([q.p for q in props])
        lo = np.array([q.lo for q in props])
        hi = np.array([q.hi for q in props])
        fig.add_trace(
            go.Scatter(
                x=x,
                y=p,
                mode="markers",
                name=name,
                marker={"size": 10, "color": colour},
                error_y={"type": "data", "symmetric": False, "array": hi - p, "arrayminus": p - lo},
                customdata=np.stack([lo, hi, [q.k for q in props], [q.n for q in props]], axis=1),
                hovertemplate="%{x}<br>" + name + " %{y:.3f} [%{customdata[0]:.3f}, %{customdata[1]:.3f}]"
                "<br>%{customdata[2]} of %{customdata[3]} runs<extra></extra>",
            )
        )
    fig.update_layout(
        title="P(leak), P_RA and P(populated fall) per grid point, Wilson 95 % intervals",
        scattermode="group",
        yaxis={"title": "probability", "range": [-0.02, 1.02]},
        xaxis={"title": "grid point"},
        height=460,
        template="plotly_white",
        margin={"l": 60, "r": 20, "t": 50, "b": 120},
    )
    return fig


def _box_trace(qs: list[analysis.Quantiles], x: list[str], name: str, colour: str) -> go.Box:
    q = np.array([v.q for v in qs], dtype=float).reshape(-1, 5)
    return go.Box(
        x=x,
        lowerfence=q[:, 0],
        q1=q[:, 1],
        median=q[:, 2],
        q3=q[:, 3],
        upperfence=q[:, 4],
        mean=[v.mean for v in qs],
        name=name,
        marker={"color": colour},
        boxpoints=False,
    )


def _rounds_figure(folder: Path, con, labels: dict[int, str]) -> go.Figure | None:
    qs = analysis.rounds_per_kill_quantiles(folder, con)
    edges, counts = analysis.rounds_per_kill_histogram(folder, con=con)
    if not qs:
        return None
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, column_widths=[0.45, 0.55], subplot_titles=("per grid point", "histogram"))
    box = _box_trace(qs, [f"{q.point}: {_short(labels.get(q.point, ''), 30)}" for q in qs], "rounds per kill", "#444")
    box.showlegend = False
    fig.add_trace(box, row=1, col=1)
    centres = 0.5 * (edges[:-1] + edges[1:])
    for k, (point, c) in enumerate(sorted(counts.items())[:MAX_SERIES]):
        fig.add_trace(
            go.Bar(
                x=centres,
                y=c,
                width=float(edges[1] - edges[0]) if edges.size > 1 else None,
                name=f"{point}: {_short(labels.get(point, ''), 30)}",
                marker={"color": COLOURS[k % len(COLOURS)]},
                opacity=0.6,
            ),
            row=1,
            col=2,
        )
    fig.update_layout(
        title="Rounds per kill (runs with at least one kill; box: 5-25-50-75-95th percentiles)",
        barmode="overlay",
        height=440,
        template="plotly_white",
        margin={"l": 60, "r": 20, "t": 70, "b": 100},
    )
    fig.update_yaxes(title_text="rounds per kill", row=1, col=1)
    fig.update_xaxes(title_text="rounds per kill", row=1, col=2)
    fig.update_yaxes(title_text="runs", row=1, col=2)
    return fig


def _warning_figure(folder: Path, con, labels: dict[int, str]) -> go.Figure | None:
    qs = analysis.warning_time_quantiles(folder, con)
    if not qs:
        return None
    fig = go.Figure()
    points = sorted({q.point for q in qs})[:MAX_SERIES]
    for k, p in enumerate(points):
        mine = [q for q in qs if q.point == p]
        trace = _box_trace(mine, [q.group for q in mine], f"{p}: {_short(labels.get(p, ''), 40)}", COLOURS[k % 8])
        trace.hovertext = [f"warned in {q.n} of {q.of} runs" for q in mine]
        fig.add_trace(trace)
    fig.update_layout(
        title="Warning time per zone [s] (runs that warned the zone; box: 5-25-50-75-95th percentiles)",
        boxmode="group",
        yaxis={"title": "warning time [s]"},
        height=440,
        template="plotly_white",
        margin={"l": 60, "r": 20, "t": 50, "b": 60},
    )
    return fig


def _heat_trace(g: analysis.ImpactGrid, extent, colourscale: str, zmax: float, visible: bool) -> go.Heatmap:
    """Cells with impacts, padded with empty cells along each axis so that Plotly keeps them square."""
    c = g.cell_m
    xs = (np.floor(extent[0] / c) + 0.5 + np.arange(int(np.ceil((extent[1] - extent[0]) / c)) + 2)) * c
    ys = (np.floor(extent[2] / c) + 0.5 + np.arange(int(np.ceil((extent[3] - extent[2]) / c)) + 2)) * c
    x = np.concatenate([g.east_m, xs, np.full(ys.size, xs[0])])
    y = np.concatenate([g.north_m, np.full(xs.size, ys[0]), ys])
    z = np.concatenate([g.per_run, np.full(xs.size + ys.size, np.nan)])
    _, first = np.unique(np.stack([x, y], axis=1).round(3), axis=0, return_index=True)  # data cells win
    first.sort()
    z_out = [None if not np.isfinite(v) else float(f"{v:.4g}") for v in z[first]]
    return go.Heatmap(
        x=np.round(_km(x[first]), 4),
        y=np.round(_km(y[first]), 4),
        z=z_out,
        colorscale=colourscale,
        zmin=0.0,
        zmax=zmax,
        hoverongaps=False,
        colorbar={"title": {"text": "per night"}, "x": 1.02},
        hovertemplate="east %{x:.2f} km, north %{y:.2f} km<br>%{z:.3g} per night in this "
        f"{c:g} m cell<extra></extra>",
        visible=visible,
        name=g.kind,
    )


def _map_figures(folder: Path, con, meta: dict, labels: dict[int, str]) -> list[go.Figure]:
    extent = analysis.impact_extent(folder, con)
    if extent is None:
        return []
    points = sorted(labels)
    shown = points[:MAX_SERIES] if len(points) > 1 else []
    cell = cell_size(extent)
    grids = analysis.impact_grids(folder, cell, shown, con)
    defences = {p: _defence(folder, meta, p) for p in [points[0], *shown]}
    figs = []
    for kind, title, scale in (
        ("fall_of_shot", "Fall of shot", "YlOrRd"),
        ("debris_impact", "Debris impacts", "Blues"),
    ):
        views = [g for g in grids if g.kind == kind]
        if not any(g.per_run.size for g in views):
            continue
        zmax = max(float(g.per_run.max()) for g in views if g.per_run.size)
        fig = go.Figure()
        groups: list[tuple[str, int, int]] = []
        for k, g in enumerate(views):
            start = len(fig.data)
            fig.add_trace(_heat_trace(g, extent, scale, zmax, visible=k == 0))
            d = defences.get(points[0] if g.point is None else g.point)
            for tr in site_traces(d) if d is not None else []:
                tr.visible = k == 0
                fig.add_trace(tr)
            label = "every grid point" if g.point is None else f"{g.point}: {_short(labels.get(g.point, ''), 50)}"
            groups.append((label, start, len(fig.data)))
        if len(groups) > 1:
            buttons = []
            for label, a, b in groups:
                vis = [a <= i < b for i in range(len(fig.data))]
                buttons.append({"label": label, "method": "update", "args": [{"visible": vis}]})
            menu = {"buttons": buttons, "x": 0.0, "y": 1.01, "xanchor": "left", "yanchor": "bottom"}
            fig.update_layout(updatemenus=[menu])
        fig.update_layout(
            title={
                "text": f"{title} per night, {cell:g} m cells, over the site (ENU km); guns and zones of the point",
                "y": 0.98,
            },
            height=720,
            xaxis={"title": "east [km]", "scaleanchor": "y", "scaleratio": 1},
            yaxis={"title": "north [km]"},
            template="plotly_white",
            legend={"x": 1.15},
            margin={"l": 50, "r": 20, "t": 110, "b": 40},
        )
        figs.append(fig)
    return figs


def write_report(folder: str | Path, out: str | Path | None = None) -> Path:
    """Write ``report.html`` for the sweep in ``folder`` (default: ``folder/report.html``)."""
    folder = Path(folder)
    out = Path(out) if out else folder / "report.html"
    meta = json.loads((folder / "sweep.json").read_text())
    con = analysis.connect(folder)
    try:
        stats = analysis.point_stats(folder, con)
        labels = {s.point: s.label for s in stats}
        civil = analysis.civil_safety(folder, con)
        failed = analysis.failures(folder, con)
        figures = [_probability_figure(stats)] if stats else []
        for f in (_rounds_figure(folder, con, labels), _warning_figure(folder, con, labels)):
            if f is not None:
                figures.append(f)
        figures += _map_figures(folder, con, meta, labels)
    finally:
        con.close()
    out.write_text(_page(meta, stats, civil, failed, figures), encoding="utf-8")
    return out


def _page(meta: dict, stats, civil: analysis.CivilSafety, failed, figures: list[go.Figure]) -> str:
    esc = html.escape
    spec = meta.get("spec", {})
    session = (meta.get("sessions") or [{}])[-1]
    n_ok = sum(s.runs for s in stats)
    n_failed = sum(s.failed for s in stats)
    civil_class = "ok" if civil.engaged == 0 else "bad"
    civil_which = (
        ""
        if civil.engaged == 0
        else "<p class='bad'>runs that engaged civil aircraft (grid point, seed): "
        + esc(", ".join(f"({p}, {s})" for p, s in civil.runs_with_engagement))
        + "</p>"
    )
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{esc(str(v))}</td>"
            for v in (
                s.point,
                s.label,
                s.runs,
                s.failed,
                s.leak.text(),
                s.raid_annihilation.text(),
                s.populated_fall.text(),
                s.civil_engaged,
                f"{s.mean_leakers:.2f}" if np.isfinite(s.mean_leakers) else "-",
                f"{s.mean_rounds_fired:.0f}" if np.isfinite(s.mean_rounds_fired) else "-",
                "-" if s.rounds_per_kill_median is None else f"{s.rounds_per_kill_median:.0f}",
                f"{s.mean_interceptors:.2f}" if np.isfinite(s.mean_interceptors) else "-",
                f"{s.mean_cost_usd:,.0f}" if np.isfinite(s.mean_cost_usd) else "-",
                "-" if s.cost_per_kill_median_usd is None else f"{s.cost_per_kill_median_usd:,.0f}",
            )
        )
        + "</tr>"
        for s in stats
    )
    fail_rows = "".join(f"<tr><td>{n}</td><td>{s}</td><td>{esc(e)}</td></tr>" for e, n, s in failed)
    fail_html = (
        f"<h2>Failed runs</h2><table><tr><th>runs</th><th>first seed</th><th>error</th></tr>{fail_rows}</table>"
        if failed
        else ""
    )
    plots = "".join(f.to_html(full_html=False, include_plotlyjs=(k == 0)) for k, f in enumerate(figures))
    seed = int(spec.get("seed", 0))
    sets = ", ".join(spec.get("sets", [])) or "none"
    grids = "; ".join(spec.get("grids", [])) or "none"
    throughput = (
        f" · last session: {session.get('runs', 0)} runs on {session.get('workers', '?')} workers, "
        f"{session.get('runs_per_minute', 0):,.0f} runs/min"
        if session.get("runs")
        else ""
    )
    return (
        page_head(f"bastion sweep — {spec.get('scenario', '')}", _CIVIL_CSS)
        + f"""<h1>Sweep of {esc(str(spec.get("scenario", "")))}</h1>
<p class="sub">{meta.get("runs", "?")} runs per grid point · {len(stats)} grid points ·
seeds {seed} to {seed + int(meta.get("runs", 0)) - 1} (replication r uses seed {seed} + r at every grid point)
· --set {esc(sets)} · --grid {esc(grids)} · bastion {esc(str(meta.get("bastion", "")))}{esc(throughput)}</p>
<div class="cards">
<div class="card civil {civil_class}"><b>{civil.engaged}</b>civil aircraft engaged in {civil.runs} runs
(must be 0); civil aircraft hit: {civil.hit}</div>
<div class="card"><b>{n_ok}</b>runs completed</div>
<div class="card {"bad" if n_failed else ""}"><b>{n_failed}</b>runs failed</div>
</div>
{civil_which}
<h2>Per grid point</h2>
<p class="sub">P(leak): at least one hostile reached the ground in a defended zone.
P_RA: every hostile defeated before impact (destroyed, or landed by its fail-safe after losing its link).
P(populated fall): a round or debris fell on a populated zone. Intervals: Wilson 95 %.
Cost: rounds x round cost, interceptors x unit cost, laser shots, jammers' operating hours (per night; the
figures and their sources: scenario/catalogue/effectors.py and guns.py).</p>
<table><tr><th>point</th><th>parameters</th><th>runs</th><th>failed</th><th>P(leak)</th><th>P_RA</th>
<th>P(populated fall)</th><th>civil engaged</th><th>mean leakers</th><th>mean rounds fired</th>
<th>median rounds per kill</th><th>mean interceptors</th><th>mean cost [$]</th><th>median cost per kill [$]</th></tr>
{rows}</table>
{plots}
{fail_html}
</body></html>
"""
    )
