"""Release under weapons control: whether an engagement the assignment chose may be made now.

The operator's authority over fire, by weapons-control status (``doctrine.weapons_control``, changed
with :meth:`WeaponsRelease.set_weapons_control`): HOLD refuses every engagement; TIGHT asks the
authoriser once per target (an :class:`~bastion.event_types.AuthorisationRequest`) and releases it
once approved, a request not answered within ``doctrine.operator.timeout_s`` lapsing (not fired);
FREE releases. Ballistic rounds are released without asking where the doctrine says so
(``auto_engage_ballistic``). Whatever the status, only a hostile track is ever engaged (belt and
braces: the assignment is offered hostiles only). A request names the gun, or the effector beyond
the gun (issue 19), it was raised for.

:class:`WeaponsRelease` is the part of :class:`~bastion.engage.manager.EngagementManager` that holds
this state (the status, requests pending, tracks authorised or denied) and applies the rule, kept in
a module of its own like the manager's other rules; the manager's guns and its layered effectors
(:mod:`bastion.engage.layers`) both pass through :meth:`WeaponsRelease.cleared`.
"""

from __future__ import annotations

from dataclasses import dataclass

from bastion import event_types as ev
from bastion.assess.types import Identity, ThreatPicture, TrackClass
from bastion.doctrine import WeaponsControl
from bastion.scenario.compiled import Defence


@dataclass
class Request:
    """An authorisation request pending an operator's answer."""

    id: int
    track: int
    gun: int  # the gun's index (-1: raised for an effector beyond the gun)
    t: float  # when it was raised [s]
    pk: float  # the planned kill probability
    effector: str = ""  # the effector the request was raised for, when not a gun

    def weapon(self, defence: Defence) -> str:
        """The name of the gun or effector the request was raised for."""
        return self.effector or defence.guns[self.gun].name


class WeaponsRelease:
    """Weapons control and the authorisation requests of an engagement manager (a mixin: the manager
    provides ``defence``, ``doctrine`` and ``_say``, and calls :meth:`_init_release`)."""

    defence: Defence
    weapons_control: str
    requests: dict[int, Request]
    authorised: set[int]
    denied: set[int]

    def _init_release(self) -> None:
        self.requests = {}
        self.authorised = set()  # tracks the operator approved
        self.denied = set()  # tracks the operator refused
        self._next_request = 1

    # -- operator interface ------------------------------------------------------------------
    def set_weapons_control(self, status: str) -> None:
        if status not in tuple(WeaponsControl):
            raise ValueError(f"weapons-control status must be {', '.join(WeaponsControl)}, not {status!r}")
        self.weapons_control = status

    def authorise(self, request_id: int, approved: bool, user: str, t: float) -> list[ev.Payload]:
        req = self.requests.pop(request_id, None)
        if req is None:
            return [ev.AuthorisationIgnored(request=request_id, user=user, reason="no such pending request")]
        (self.authorised if approved else self.denied).add(req.track)
        return [
            ev.Authorisation(
                request=request_id,
                track=req.track,
                gun=req.weapon(self.defence),
                approved=approved,
                user=user,
                latency_s=round(t - req.t, 2),
            )
        ]

    def pending_requests(self) -> list[Request]:
        return list(self.requests.values())

    # -- per scan ----------------------------------------------------------------------------
    def cleared(
        self, i: int, tid: int, t: float, picture: ThreatPicture, pk: float, gun: int, effector: str, events: list
    ) -> bool:
        """Whether candidate row ``i`` (track ``tid``) may be engaged now by gun ``gun`` (or, with
        ``effector`` named, by that effector): hostile, not weapons hold, and in 'tight' authorised
        (ballistic rounds automatically where the doctrine says so); else why not in ``events``, and
        in 'tight' the one authorisation request of the track raised."""
        if picture.identity[i] != Identity.HOSTILE:  # belt and braces: never anything else
            events += self._say(tid, "engagement_refused", f"identity {Identity(picture.identity[i]).name.lower()}")
            return False
        if self.weapons_control == "hold":
            events += self._say(tid, "engagement_refused", "weapons hold")
            return False
        automatic = self.doctrine.auto_engage_ballistic and picture.klass[i] == TrackClass.BALLISTIC
        if self.weapons_control == "tight" and tid not in self.authorised and not automatic:
            if tid in self.denied:
                events += self._say(tid, "engagement_refused", "authorisation denied")
            elif not any(r.track == tid for r in self.requests.values()):
                rid = self._next_request
                self._next_request += 1
                self.requests[rid] = Request(rid, tid, gun, t, pk, effector)
                events.append(
                    ev.AuthorisationRequest(
                        request=rid,
                        track=tid,
                        gun=effector or self.defence.guns[gun].name,
                        pk=round(pk, 3),
                        time_to_impact_s=round(float(picture.impact_time[i] - t), 1),
                        zone=self.defence.zones[picture.zone[i]].name if picture.zone[i] >= 0 else None,
                    )
                )
            return False
        return True

    def _lapse_requests(self, t: float) -> list[ev.Payload]:
        """The requests not answered within the operator's time-out: dropped, each said (not fired)."""
        if not self.requests:
            return []
        out = []
        timeout = self.doctrine.operator.timeout_s
        for rid, r in list(self.requests.items()):
            if t - r.t > timeout:
                del self.requests[rid]
                out.append(
                    ev.AuthorisationTimeout(
                        request=rid,
                        track=r.track,
                        gun=r.weapon(self.defence),
                        reason="not answered in time: not fired",
                    )
                )
        return out
