"""Birds in a run and what the defence made of them, for its summary (harness side, truth-scored).

Added to ``summary.json`` only when the scenario has birds (``[birds]``); a night without keeps its
keys. A track *is* a bird's when most of its plots came from a bird or a flock (the harness's
truth label of each plot, :class:`~bastion.engine.simulation.HarnessRecord`); a *false* track is a
confirmed track that followed no real object at all or a bird (noise or birds: nothing the defence
should act on). Per hour means per hour of simulated time.

* ``bird_objects`` / ``birds_aloft``: single birds and flocks aloft at the end, and their birds;
* ``bird_tracks``: confirmed tracks of birds (a bird tracked, lost and tracked again counts each
  time); ``bird_objects_tracked``: the birds and flocks they followed;
  ``bird_tracks_classified_bird``: of those tracks, the ones the decision side classified BIRD (a
  ``bird`` event) at some scan;
  ``bird_tracks_declared_hostile``, ``bird_tracks_engaged`` (a fire order), ``bird_warnings``
  (zone warnings sounded for them);
* ``threat_tracks_classified_bird``: tracks of real threats classified BIRD at some scan (the
  opposite error: a threat taken for a bird);
* ``false_tracks_per_hour``: confirmed false tracks (birds and noise) per hour;
* ``false_hostile_per_hour``: false tracks declared hostile, per hour;
* ``false_warnings_per_hour``: zone warnings sounded for false tracks, per hour.

The last two are what compares with the LCMR's published false-alarm rate, about one false alarm per
5-6 hours (shared/domain/ram-and-layers.md §1.3, M): a weapon-locating radar's false alarm is a
reported threat that was not there, and its warning sounds on that report.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from bastion.world.labels import describe_label

LCMR_FALSE_ALARMS_PER_HOUR = (1 / 6, 1 / 5)  # about one per 5-6 h (ram-and-layers.md §1.3, M)


def bird_summary(result) -> dict:
    """The summary's bird keys for ``result`` (a :class:`~bastion.engine.simulation.RunResult`)."""
    rec = result.record
    hours = result.scenario.defence.duration_s / 3600.0
    kinds: dict[str, list] = {}
    for e in result.log.events:
        kinds.setdefault(e.kind, []).append(e)

    def of(kind: str) -> list:
        return kinds.get(kind, [])

    def what(track: int) -> str:
        lab = rec.truth_of(track)
        return describe_label(lab)[0] if lab is not None else "noise"

    confirmed = {e.payload.track for e in of("track_confirmed")}
    truth = {tid: what(tid) for tid in confirmed | {e.payload.track for e in of("bird")}}
    birds = {tid for tid in confirmed if truth[tid] == "bird"}
    false = {tid for tid in confirmed if truth[tid] in ("bird", "noise")}
    classified = {e.payload.track for e in of("bird")}
    hostile = {e.payload.track for e in of("identification") if e.payload.to == "hostile"}
    engaged = {e.payload.track for e in of("fire_order")}
    warned = [e.payload.track for e in of("warning")]
    flocks = result.world.birds
    return {
        "bird_objects": len(flocks) if flocks is not None else 0,
        "birds_aloft": flocks.birds if flocks is not None else 0,
        "bird_tracks": len(birds),
        "bird_objects_tracked": len({rec.truth_of(tid) for tid in birds}),
        "bird_tracks_classified_bird": len(birds & classified),
        "bird_tracks_declared_hostile": len(birds & hostile),
        "bird_tracks_engaged": len(birds & engaged),
        "bird_warnings": sum(1 for tid in warned if tid in birds),
        "threat_tracks_classified_bird": sum(1 for tid in classified if truth.get(tid) == "threat"),
        "false_tracks_per_hour": round(len(false) / hours, 2),
        "false_hostile_per_hour": round(len(false & hostile) / hours, 3),
        "false_warnings_per_hour": round(sum(1 for tid in warned if tid in false) / hours, 3),
    }


def with_birds(summarise: Callable[..., dict]) -> Callable[..., dict]:
    """Wrap a summary function: add the bird keys when the run's scenario has birds."""

    @functools.wraps(summarise)
    def wrapped(result, *args, **kwargs) -> dict:
        summary = summarise(result, *args, **kwargs)
        if result.scenario.raid.birds is not None:
            summary.update(bird_summary(result))
        return summary

    return wrapped
