"""The operator console: a web application showing a simulated night live or a recorded one.

``bastion console --scenario baghdad`` (live) or ``--replay RUN`` serves a single page (map,
threat queue, warnings by zone, weapons-control status, authorisation requests, event log, clock
controls) and a WebSocket stream of the picture, from this package alone: no CDN, no map tiles.
Users, roles and sessions: :mod:`bastion.console.auth`; the live night: :mod:`bastion.console.live`;
recorded runs: :mod:`bastion.console.replay`; what the console shows: :mod:`bastion.console.view`;
the web application: :mod:`bastion.console.app`.
"""

from bastion.console.app import ConsoleConfig, create_app

__all__ = ["ConsoleConfig", "create_app"]
