"""Localised warnings track by track against the whole-array formulation they replace: the same
warnings and all-clears, scan after scan, on random pictures.

``ArrayBoard`` below is the mask formulation bastion used before the board looped over the threat
tracks in plain Python (issue 8), with the rules of issue 15 added: a ballistic round's warning
(its track classified ballistic at some scan) holds until its predicted impact plus the margin
unless assessed destroyed, and the siren chain's latency is taken off the warning time."""

import numpy as np
import pytest

from bastion.assess.types import Identity, ThreatPicture
from bastion.assess.warning import _BALLISTIC, _DRONE, _HOSTILE, _UNKNOWN, ActiveWarning, WarningBoard
from bastion.event_types import from_dict
from bastion.scenario.compiled import ZoneArea


class ArrayBoard(WarningBoard):
    def update(self, picture, ended, updates, heights=None):
        events = []
        t = picture.t
        warned = np.array(self._warned, dtype=bool)
        threat = None
        if len(picture) and warned.any():
            threat = (picture.identity == _HOSTILE) | (
                (picture.identity == _UNKNOWN)
                & ((picture.klass == _DRONE) | (picture.klass == _BALLISTIC))
                & (updates >= self.min_updates)
            )
            threat = threat if threat.any() else None
        if threat is not None:
            self.ballistic.update(picture.track_id[threat & (picture.klass == _BALLISTIC)].tolist())
            if heights is not None:
                self.height.update(zip(picture.track_id[threat].tolist(), heights[threat].tolist(), strict=True))
            tti = picture.t_zone - t
            soon = np.isfinite(tti) & (tti <= self.horizon_s)
            hit = (picture.p_zone >= self.min_probability) & warned[None, :] & soon & threat[:, None]
            for i, z in zip(*np.nonzero(hit), strict=True):
                tid = int(picture.track_id[i])
                if tid in ended:
                    continue
                key = (int(z), tid)
                w = self.active.get(key)
                ballistic = tid in self.ballistic
                if w is not None:
                    w.last_seen, w.impact_time = t, float(picture.t_zone[i, z])
                    w.ballistic = w.ballistic or ballistic
                    continue
                self.active[key] = ActiveWarning(int(z), tid, t, float(picture.t_zone[i, z]), t, ballistic)
                zone = self.zones[z]
                events.append(
                    (
                        "warning",
                        {
                            "zone": zone.name,
                            "zone_kind": zone.kind,
                            "track": tid,
                            "identity": Identity(picture.identity[i]).name.lower(),
                            "warning_time_s": round(float(tti[i, z]) - self.latency_s, 2),
                            "issued_time_to_impact_s": round(float(tti[i, z]), 2),
                            "heard_at": round(t + self.latency_s, 2),
                            "latency_s": self.latency_s,
                            "ballistic": ballistic,
                            "impact_time": round(float(picture.t_zone[i, z]), 2),
                            "impact_point": [round(float(c), 1) for c in picture.impact_point[i]],
                            "p_reach": round(float(picture.p_zone[i, z]), 3),
                        },
                    )
                )
        live = set(picture.track_id.tolist())
        for key, w in list(self.active.items()):
            reason = ended.get(w.track)
            w.ballistic = w.ballistic or w.track in self.ballistic
            if w.ballistic and reason == "assessed destroyed" and w.debris_down == np.inf:
                h = max(self.height.get(w.track, 1000.0), 0.0)
                w.debris_down = t + h / self.debris_fall_speed_mps + self.hold_margin_s
            if w.ballistic and w.debris_down < np.inf:
                reason = "assessed destroyed, its debris down" if t >= w.debris_down else None
            elif w.ballistic:
                held = w.track in live and w.track not in ended
                reason = (
                    "predicted impact time passed"
                    if t >= w.impact_time + self.hold_margin_s
                    else "no longer threatened"
                    if held and t - w.last_seen >= self.clear_after_s
                    else None
                )
            elif reason is None and t - w.last_seen >= self.clear_after_s:
                reason = "no longer threatened"
            if reason is not None:
                del self.active[key]
                events.append(
                    (
                        "all_clear",
                        {
                            "zone": self.zones[w.zone].name,
                            "track": w.track,
                            "reason": reason,
                            "duration_s": round(t - w.issued, 2),
                        },
                    )
                )
        return [from_dict(kind, payload) for kind, payload in events]  # (the payload types of bastion.event_types)


def zone(index: int, kind: str) -> ZoneArea:
    return ZoneArea(index, f"Z{index}", kind, 10.0, None, np.zeros(2), 100.0, False)


@pytest.mark.parametrize("seed", range(8))
def test_board_track_by_track_equals_the_array_formulation(seed):
    rng = np.random.default_rng(seed)
    kinds = ["populated", "open", "military", "infrastructure", "road"][: int(rng.integers(1, 6))]
    zones = tuple(zone(k, kind) for k, kind in enumerate(kinds))
    new, ref = WarningBoard(zones, clear_after_s=3.0), ArrayBoard(zones, clear_after_s=3.0)
    live, next_id, warnings = [], 1, 0
    for scan in range(80):
        t = 0.5 * scan
        live = [k for k in live if rng.random() > 0.08]
        for _ in range(int(rng.integers(0, 3))):
            live.append(next_id)
            next_id += 1
        n, nz = len(live), len(zones)
        t_zone = t + rng.choice([5.0, 60.0, 119.999, 120.0, 121.0, 400.0, np.nan, np.inf], (n, nz))
        picture = ThreatPicture(
            t,
            np.array(live, dtype=np.int64),
            rng.choice([0, 1, 1, 2, 3, 4, 4], n).astype(np.int8),
            rng.integers(0, 5, n),
            np.full(n, -1),
            rng.normal(0.0, 1000.0, (n, 2)),
            np.full(n, np.nan),
            np.full((n, 2), np.nan),
            np.full(n, np.nan),
            np.zeros(n),
            np.zeros(n),
            np.zeros(n),
            rng.choice([0.0, 0.05, 0.1, 0.5, 1.0, np.nan], (n, nz)),
            t_zone,
        )
        ended = {
            k: str(rng.choice(["track lost", "assessed destroyed", "fallen"])) for k in live if rng.random() < 0.05
        }
        updates = rng.integers(0, 9, n)
        heights = rng.uniform(-10.0, 900.0, n) if scan % 2 else None
        got, want = new.update(picture, ended, updates, heights), ref.update(picture, ended, updates, heights)
        assert got == want
        assert new.active == ref.active and list(new.active) == list(ref.active)
        warnings += sum(p.KIND == "warning" for p in got)
    assert warnings > 0 or not {"populated", "military", "infrastructure"} & set(kinds)
