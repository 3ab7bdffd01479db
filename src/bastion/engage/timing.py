"""When to fire at a rocket or mortar bomb: now, or at a later scan where the burst is worth more.

A gun's kill probability against a ballistic round grows fast as the round closes: the burst's
dispersion at the target grows with range, and a small target's chance of being struck by one round
falls with its square (:mod:`bastion.engage.fire_control`). Firing the moment the round enters the
envelope, at its edge, spends a burst and the gun's time on the least likely shot, and the look after
it can leave no time for the good one. The round's arc is known, though, so the decision can look
ahead: given the planning kill probabilities ``p_0`` (a burst started now) and ``p_1 .. p_n`` (started
1..n decision steps later, :meth:`bastion.engage.planning.BurstPlanner.later_bursts`), the best
schedule of one burst and the one it leaves time for (``gap`` steps later: the burst, the gun's
reaction) is worth

    V(k) = p_k + (1 - p_k) max_{j >= k + gap} p_j

and the gun fires now unless some later start is worth more by at least ``DEFER_MARGIN``. The
decision is taken again at every scan from the newest track, so a later burst that stops being
possible (the round leaves the envelope, another target takes the gun) is weighed again before it
is lost. Two bursts, because that is what the time a round spends in a gun's envelope allows
(5-15 s against a 2-s burst, a 2-s reaction and a look); other guns are the assignment's business.
"""

from __future__ import annotations

# [probability] a later burst must promise at least this much more than firing now to hold fire: a
# deferral risks what the prediction does not know (the track degrading, another round needing the
# gun), so marginal gains are not worth it (a doctrine choice, not a measured figure)
DEFER_MARGIN = 0.02


def schedule_values(pk: list[float], gap: int) -> list[float]:
    """``V(k)`` for each start ``k`` of ``pk`` (index 0 = now): the chance that the burst at ``k``, or
    the best burst at least ``gap`` (>= 1) steps after it, kills."""
    n = len(pk)
    best_after = [0.0] * (n + 1)  # best_after[k] = max(pk[k:]), 0 past the end
    for k in range(n - 1, -1, -1):
        best_after[k] = max(pk[k], best_after[k + 1])
    return [p + (1.0 - p) * best_after[min(k + gap, n)] for k, p in enumerate(pk)]


def best_start(pk: list[float], gap: int, margin: float = DEFER_MARGIN) -> int:
    """The step to start the first burst at: 0 (now) unless a later start's schedule value exceeds
    now's by more than ``margin``, else the best later step (the earliest of equals). NaN kill
    probabilities count as 0 (a burst of unknown worth is no reason to wait, nor to fire)."""
    clean = [p if p == p else 0.0 for p in pk]
    values = schedule_values(clean, max(int(gap), 1))
    best = max(range(len(values)), key=lambda k: (values[k], -k))
    return best if values[best] > values[0] + margin else 0
