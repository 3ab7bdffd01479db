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

Rounds have a price when the magazine is short. A burst at the envelope's edge buys a few per cent
of kill probability with 150 rounds, a tenth of an LPWS magazine, that a close burst would turn into
0.4-0.9 (mortar-barrage: the two guns' 3,100 rounds were gone in every night, 800 rounds per kill,
and the rounds that landed late leaked "out of ammunition"). So each schedule's value is its kill
probability less the rounds it is expected to spend, at a price per round ``round_value``
(:func:`round_value`):

    U(k) = V(k) - round_value * (n_k + (1 - p_k) n_best(k))

(``n_k`` the burst's rounds, ``n_best(k)`` those of the best burst after it). The price is the best
kill probability per round this round offers — what a round kept buys — times the magazine's
shortage: by how much the rounds the threats now in the air would take (two bursts each) exceed
the rounds left, as a fraction of them (0 to 1). While the magazines cover the rounds in the air
there is no price and the rule is as before; in a barrage that outruns them, the
edge-of-envelope bursts wait for the close ones. Least leakage first, then least ammunition, as
the layered assignment ranks leakage before cost. (A price on demand over supply alone, without
the shortage, cost bdsc-close-mortars a third of its intercepts, 18 -> 11 of 96 over seeds 1-8:
its short flights leave the close burst, which planning rates too high, as the only one.)
"""

from __future__ import annotations

# [probability] a later burst must promise at least this much more than firing now to hold fire: a
# deferral risks what the prediction does not know (the track degrading, another round needing the
# gun), so marginal gains are not worth it (a doctrine choice, not a measured figure)
DEFER_MARGIN = 0.02


def schedule_values(pk: list[float], gap: int) -> list[float]:
    """``V(k)`` for each start ``k`` of ``pk`` (index 0 = now): the chance that the burst at ``k``, or
    the best burst at least ``gap`` (>= 1) steps after it, kills."""
    return [v for v, _ in _schedules(pk, gap, None)]


def _schedules(pk: list[float], gap: int, rounds: list[int] | None) -> list[tuple[float, float]]:
    """(``V(k)``, expected rounds) of each start ``k``: its burst, then the best burst at least
    ``gap`` steps after it if the first did not kill (rounds 0 when ``rounds`` is None)."""
    n = len(pk)
    best_after = [(0.0, 0)] * (n + 1)  # best_after[k] = (max(pk[k:]), rounds of the earliest max), 0 past the end
    for k in range(n - 1, -1, -1):
        nk = rounds[k] if rounds is not None else 0
        best_after[k] = (pk[k], nk) if pk[k] >= best_after[k + 1][0] else best_after[k + 1]
    out = []
    for k, p in enumerate(pk):
        q, nq = best_after[min(k + gap, n)]
        nk = rounds[k] if rounds is not None else 0
        out.append((p + (1.0 - p) * q, nk + (1.0 - p) * nq if q > 0.0 else float(nk)))
    return out


def round_value(pk: list[float], rounds: list[int], demand_rounds: float, rounds_left: float) -> float:
    """The price of a round [kill probability per round]: the best kill probability per round of the
    bursts ``pk`` / ``rounds`` times the magazine's shortage ``min(1, max(0, demand - left) / left)``
    (0 while the rounds left cover the demand, 1 once it is twice them); 0 with nothing left to
    weigh (no rounds left: nothing will be fired anyway)."""
    if rounds_left <= 0:
        return 0.0
    per_round = max((p / n for p, n in zip(pk, rounds, strict=True) if n > 0 and p == p), default=0.0)
    return per_round * min(1.0, max(demand_rounds - rounds_left, 0.0) / rounds_left)


def best_start(
    pk: list[float],
    gap: int,
    margin: float = DEFER_MARGIN,
    rounds: list[int] | None = None,
    price: float = 0.0,
) -> int:
    """The step to start the first burst at: 0 (now) unless a later start's schedule value exceeds
    now's by more than ``margin``, else the best later start (the earliest of equals). With
    ``rounds`` (each start's burst) and a ``price`` per round [kill probability per round], a
    schedule's value is ``V(k)`` less ``price`` times its expected rounds. NaN kill probabilities
    count as 0 (a burst of unknown worth is no reason to wait, nor to fire)."""
    clean = [p if p == p else 0.0 for p in pk]
    values = [v - price * r for v, r in _schedules(clean, max(int(gap), 1), rounds if price > 0.0 else None)]
    best = max(range(len(values)), key=lambda k: (values[k], -k))
    return best if values[best] > values[0] + margin else 0
