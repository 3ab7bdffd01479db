"""Planning at scale: seeded Monte Carlo sweeps of a scenario over a parameter grid, on Ray.

``overrides`` (dotted-path ``--set``/``--grid`` on a scenario), ``runner`` (Ray actors, seeding,
streaming to Parquet, resume), ``analysis`` (DuckDB aggregations, Wilson intervals), ``report``
(self-contained HTML with Plotly), ``plan`` (choosing gun positions by simulation optimisation).
"""
