"""The radars' masked coverage on the report map: at 50, 150 and 500 m above ground, how far each
radar sees the reference target (:mod:`bastion.sense.coverage`: 0.05 m^2, Swerling 1, single-look
Pd 0.9), limited by terrain and obstacles (when the site has them), the 4/3 earth, the radar's
masking elevation and range, and the ground's multipath."""

from __future__ import annotations

import plotly.graph_objects as go

from bastion.report.site_map import _km
from bastion.scenario.compiled import Defence
from bastion.scenario.terrain import ground_used
from bastion.sense.coverage import REFERENCE_PD, REFERENCE_RCS_M2, radar_coverage

HEIGHT_COLOURS = {50.0: "#e377c2", 150.0: "#17becf", 500.0: "#bcbd22"}


def coverage_traces(d: Defence) -> list[go.Scatter]:
    """One closed line per radar and height: the coverage boundary (hidden until picked in the legend,
    except the lowest height's, the one terrain shortens most)."""
    traces = []
    ground = ground_used(d.surface, d.origin.alt_m)
    for site in d.radars:
        for i, cov in enumerate(radar_coverage(site, d.surface, d.ground_roughness_m)):
            ring = cov.ring()
            name = f"{site.name}: {cov.height_agl_m:g} m AGL"
            traces.append(
                go.Scatter(
                    x=_km(ring[:, 0]),
                    y=_km(ring[:, 1]),
                    mode="lines",
                    line={"color": HEIGHT_COLOURS.get(cov.height_agl_m, "#999"), "width": 1.5},
                    name=name,
                    legendgroup="coverage",
                    legendgrouptitle_text=f"Radar coverage ({REFERENCE_RCS_M2:g} m², Pd {REFERENCE_PD:g})",
                    hoverinfo="text",
                    text=(
                        f"{name}: sees a {cov.rcs_m2:g} m² target with Pd {cov.pd:g} out to "
                        f"{cov.range_m.min() / 1e3:.1f}-{cov.range_m.max() / 1e3:.1f} km "
                        f"({cov.area_km2:.0f} km²); ground: {ground}"
                    ),
                    visible=True if i == 0 else "legendonly",
                )
            )
    return traces
