"""Incidents: the register of attacks beside the engagement data that produced them.

* :mod:`~bastion.incidents.register` — SQLite tables (any bastion database, a run's events.sqlite included)
* :mod:`~bastion.incidents.importer` — CSV import of reported attacks, row- and field-level errors
* :mod:`~bastion.incidents.from_run` — :func:`record_incident_from_run`: a run's events become its incident
* :mod:`~bastion.incidents.evidence` — evidence files with SHA-256, investigators' export and its verification
* :mod:`~bastion.incidents.after_action` — the after-action report (self-contained HTML)
* :mod:`~bastion.incidents.trends` / :mod:`~bastion.incidents.trends_report` — counts, the change-point model
* :mod:`~bastion.incidents.sites` / :mod:`~bastion.incidents.scenario_builder` — site catalogue, replays
"""

from bastion.incidents.from_run import record_incident_from_run

__all__ = ["record_incident_from_run"]
