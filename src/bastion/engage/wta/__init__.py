"""Static weapon-target assignment: instances, an exact solver with proven bounds, a fast heuristic.

- :mod:`~bastion.engage.wta.instance`: the JSON formats of ``shared/bench/wta/FORMAT.md``, checked.
- :mod:`~bastion.engage.wta.exact`: proven optima (column generation with an exact Lagrangian
  bound, then reduced-cost fixing); :class:`ExactAssigner` for the engine.
- :mod:`~bastion.engage.wta.fast`: real-time heuristic (assignment-problem starts and a very large
  scale neighbourhood searched by assignment problems); :class:`FastAssigner` for the engine.
- :mod:`~bastion.engage.wta.bounds`: the Lagrangian bound and exact column pricing.
- :mod:`~bastion.engage.wta.small`: exhaustive optimum of tiny instances.

Both assigners implement :class:`bastion.engage.assign.Assigner`.
"""

from __future__ import annotations

import importlib

# Lazy exports: importing the fast path must not import the MILP solver (highspy).
_EXPORTS = {
    "ExactAssigner": "exact",
    "solve_exact": "exact",
    "FastAssigner": "fast",
    "solve_fast": "fast",
    "Instance": "instance",
    "InstanceError": "instance",
    "Solution": "instance",
    "check_arrays": "instance",
    "load_instance": "instance",
    "parse_instance": "instance",
    "surviving_value": "instance",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"bastion.engage.wta.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'bastion.engage.wta' has no attribute {name!r}")
