"""Scenarios: the TOML format (pydantic schema), its loader, the equipment catalogue, built-ins.

``compile_scenario`` turns a validated file into the ENU objects the simulation uses, split along
the information barrier: :class:`~bastion.scenario.compiled.Defence` (what the defenders know:
site, zones, sensors, guns, doctrine) and :class:`~bastion.scenario.compiled.Raid` (truth only:
threats and civil traffic).
"""

from bastion.scenario.loader import LoadedScenario, ScenarioError, builtin_names, load, parse

__all__ = ["LoadedScenario", "ScenarioError", "builtin_names", "load", "parse"]
