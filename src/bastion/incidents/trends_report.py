# ruff: noqa: E501  (the HTML template reads better unwrapped, as in bastion.report.html)
"""The trends report: trends.html (self-contained, plotly.js inlined), trends.json and counts.csv."""

from __future__ import annotations

import csv
import html
import json
from datetime import date, timedelta
from pathlib import Path

import plotly.graph_objects as go

from bastion.incidents.trends import INTERVAL, TrendAnalysis, next_period

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]


def _bars(a: TrendAnalysis, key: str, title: str) -> go.Figure:
    fig = go.Figure()
    x = a.counts["start"]
    for k, (name, ys) in enumerate(a.counts[key].items()):
        fig.add_trace(go.Bar(x=x, y=ys, name=name, marker_color=PALETTE[k % len(PALETTE)]))
    fig.update_layout(
        barmode="stack",
        title=title,
        height=380,
        template="plotly_white",
        xaxis={"title": f"{a.by} starting"},
        yaxis={"title": "reported incidents"},
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
    )
    return fig


def _calendar_lines(fig: go.Figure, a: TrendAnalysis) -> None:
    for c in a.calendar:
        for o in c.occurrences:
            fig.add_vline(x=o, line={"color": "#d62728", "width": 1, "dash": "dot"})
            fig.add_annotation(x=o, y=1.0, yref="paper", text=o, showarrow=False, font={"size": 9, "color": "#d62728"})


def _rate(a: TrendAnalysis) -> go.Figure:
    m = a.model
    x = a.counts["start"]
    obs = [30.0 * n / e for n, e in zip(a.counts["total"], a.counts["exposure_days"], strict=True)]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=x + x[::-1],
            y=m.fitted_hi_per_30d + m.fitted_lo_per_30d[::-1],
            fill="toself",
            fillcolor="rgba(31,119,180,0.15)",
            line={"width": 0},
            name=f"model {int(INTERVAL * 100)} % interval",
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=m.fitted_per_30d,
            mode="lines",
            line={"shape": "hv", "color": "#1f77b4"},
            name="model: posterior mean rate",
        )
    )
    fig.add_trace(go.Scatter(x=x, y=obs, mode="markers", marker={"color": "#222"}, name="observed (reported) rate"))
    _calendar_lines(fig, a)
    fig.update_layout(
        title="Reported attacks per 30 days: observed and the change-point model (model-averaged)",
        height=420,
        template="plotly_white",
        yaxis={"title": "reported incidents per 30 days"},
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
    )
    return fig


def _tau(a: TrendAnalysis) -> go.Figure:
    fig = go.Figure(go.Bar(x=a.model.starts, y=a.model.tau_posterior, marker_color="#9467bd", name="P(change at)"))
    fig.update_layout(
        title=f"Where the rate changed, if it did: posterior of the change {a.by} (P(change) = {a.model.p_change:.2f})",
        height=300,
        template="plotly_white",
        yaxis={"title": "posterior probability"},
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
    )
    return fig


def _question(a: TrendAnalysis) -> go.Figure:
    q = a.question
    fig = go.Figure(
        go.Bar(
            x=["baseline " + " to ".join(q.baseline), "recent " + " to ".join(q.recent)],
            y=[q.baseline_per_week, q.recent_per_week],
            marker_color=["#7f7f7f", "#d62728"],
            text=[f"{q.baseline_count} in {q.baseline_days:g} d", f"{q.recent_count} in {q.recent_days:g} d"],
            textposition="outside",
        )
    )
    fig.update_layout(
        title=f"Rate ratio recent/baseline {q.ratio_median:.2f} ({int(INTERVAL * 100)} % interval {q.ratio_interval[0]:.2f}-{q.ratio_interval[1]:.2f}), P(fall) {q.p_fall:.2f}",
        height=340,
        template="plotly_white",
        yaxis={"title": "reported incidents per week"},
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
    )
    return fig


def _occurrences(c) -> str:
    return ", ".join(f"{p['date']} ({p['observed']})" for p in c.per_occurrence)


def write_trends(a: TrendAnalysis, out_dir: str | Path) -> Path:
    """Write trends.html, trends.json and counts.csv into ``out_dir``; return the HTML path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "trends.json").write_text(json.dumps(a.to_dict(), indent=2, default=str) + "\n", encoding="utf-8")
    with open(out / "counts.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        weapons = list(a.counts["by_weapon"])
        w.writerow([f"{a.by}_start", "exposure_days", "total", *weapons])
        for i, s in enumerate(a.counts["start"]):
            w.writerow(
                [s, a.counts["exposure_days"][i], a.counts["total"][i], *(a.counts["by_weapon"][k][i] for k in weapons)]
            )
    esc = html.escape
    figs = [
        _bars(a, "by_weapon", f"Reported attacks per {a.by}, by weapon"),
        _bars(a, "by_place", f"Reported attacks per {a.by}, by place"),
        _rate(a),
        _tau(a),
        _question(a),
    ]
    fig_html = "".join(f.to_html(full_html=False, include_plotlyjs=(i == 0)) for i, f in enumerate(figs))
    cal_rows = "".join(
        f"<tr><td>{esc(c.label)}</td><td>{esc(_occurrences(c))}</td>"
        f"<td>±{c.window_days} d</td><td>{c.observed} in {c.observed_days:g} d ({c.observed_per_week:.2f}/week)</td>"
        f"<td>{c.baseline} in {c.baseline_days:g} d ({c.baseline_per_week:.2f}/week)</td>"
        f"<td>{c.ratio_median:.2f} ({c.ratio_interval[0]:.2f}-{c.ratio_interval[1]:.2f})</td><td>{c.p_higher:.3f}</td></tr>"
        for c in a.calendar
    )
    last = date.fromisoformat(a.counts["start"][-1])
    coverage_end = next_period(last, a.by) - timedelta(days=1)
    model_q = (
        f"<p><b>Fitted to the data before {esc(a.question.recent[1])} only:</b> {esc(a.model_before_question.statement)}</p>"
        if a.model_before_question
        else ""
    )
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>bastion — incident trends</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 24px; color: #222; max-width: 1300px; }}
.caveat {{ background: #fff6dd; padding: 8px 12px; border-left: 4px solid #e0a800; }}
.answer {{ background: #eef4fb; padding: 8px 12px; border-left: 4px solid #1f77b4; }}
table {{ border-collapse: collapse; margin: 8px 0 24px; font-size: 13px; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }}
</style></head><body>
<h1>Reported attacks: trends</h1>
<p>{a.n_incidents} incidents in the register, {esc(a.span[0])} to {esc(coverage_end.isoformat())}, counted per {esc(a.by)}.</p>
<p class="caveat"><b>Reported incidents, partial coverage.</b> {esc(a.caveat)}</p>
<h2>The question</h2>
<p class="answer"><b>{esc(a.question.question)}</b><br>{esc(a.question.statement)}</p>
<h2>Did the rate change, and when?</h2>
<p><b>Model.</b> Counts per {esc(a.by)} are Poisson with a rate per day that is constant (M0) or changes
once at the start of some {esc(a.by)} τ (M1, τ uniform with at least {a.model.min_segment} {esc(a.by)}s on each side);
rates have Gamma(shape {a.model.prior_shape:g}, mean = the overall observed rate) priors; P(M1) = 1/2; the
posterior is exact (conjugate). The model says the rate changed when P(M1 | data) ≥ 0.95. Intervals are
{int(INTERVAL * 100)} % credible intervals.</p>
<p class="answer">{esc(a.model.statement)}</p>
{model_q}
{fig_html}
<h2>Calendar dates</h2>
<p>Reported incidents within the window around each date against the 90 days on either side outside the windows
(Poisson rates, Jeffreys priors; P(higher) = posterior probability that the rate near the dates is above the baseline).</p>
<table><tr><th>date</th><th>occurrences (count in window)</th><th>window</th><th>near the dates</th><th>baseline</th><th>ratio ({int(INTERVAL * 100)} % interval)</th><th>P(higher)</th></tr>{cal_rows}</table>
<p class="caveat">{esc(a.caveat)}</p>
</body></html>
"""
    path = out / "trends.html"
    path.write_text(page, encoding="utf-8")
    return path
