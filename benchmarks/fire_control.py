"""Closed- vs open-loop fire control: intercepts of rockets and mortar bombs, and the Baghdad drones.

For each mode (``[defence] fire_control``) and seed, runs the scenario and scores it against truth:
P(kill) per engaged round (kills / rounds fired) and per burst (bursts that killed their target /
bursts), rounds per kill, and the fraction of threats that would land on a defended zone that were
intercepted. "Would land on a defended zone" is decided by running the same seed with weapons held:
the threats' flights come from their own random stream, so each flies the same path in both runs
until it is hit. For Baghdad: both drones destroyed, civil tracks engaged, rounds per kill.

    PYTHONPATH=src .venv/bin/python benchmarks/fire_control.py --seeds 1-12  # the test raid at BDSC
    PYTHONPATH=src .venv/bin/python benchmarks/fire_control.py --scenario baghdad --seeds 1-5
"""

from __future__ import annotations

import argparse
import copy
import statistics

from bastion.api import compile_named
from bastion.engine.simulation import run
from bastion.engine.summary import summarise


def _with(compiled, **doctrine):
    c = copy.copy(compiled)
    d = copy.copy(c.defence)
    object.__setattr__(d, "doctrine", d.doctrine.model_copy(update=doctrine))
    object.__setattr__(c, "defence", d)
    return c


def _seeds(text: str) -> list[int]:
    a, _, b = text.partition("-")
    return list(range(int(a), int(b or a) + 1))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", default="benchmarks/scenarios/ram-raid-bdsc.toml")
    ap.add_argument("--seeds", default="1-12")
    ap.add_argument("--modes", default="open-loop,closed-loop")
    args = ap.parse_args()
    base = compile_named(args.scenario)
    seeds = _seeds(args.seeds)
    threatening: dict[int, set[int]] = {}
    if any(p.type.ballistic for p in base.raid.threats):
        held = _with(base, weapons_control="hold")
        for s in seeds:
            log = run(held, s, record_plots=False).log
            threatening[s] = {e.payload.threat for e in log.of_kind("leak")}
    for mode in args.modes.split(","):
        c = _with(base, fire_control=mode)
        rows = []
        for s in seeds:
            r = run(c, s, record_plots=False)
            summ = summarise(r)
            log = r.log
            killed = {e.payload.threat for e in log.of_kind("kill")}
            kill_orders = {e.payload.order for e in log.of_kind("hit") if e.payload.killed}
            bursts = log.of_kind("burst_complete")
            hits = sum(e.payload.hits for e in bursts)
            rows.append(
                {
                    "seed": s,
                    "rounds": summ["rounds_fired"],
                    "bursts": summ["bursts"],
                    "kills": len(killed),
                    "hits": hits,
                    "kill_bursts": len(kill_orders),
                    "threatening": len(threatening.get(s, ())),
                    "intercepted": len(threatening.get(s, set()) & killed),
                    "hostiles_destroyed": summ["hostiles_destroyed"],
                    "hostiles": summ["hostiles"],
                    "civil_engaged": summ["civil_engaged"],
                    "leakers": summ["leakers"],
                }
            )
        tot = {k: sum(r[k] for r in rows) for k in rows[0] if k != "seed"}
        print(f"== {base.defence.name}, {mode}, seeds {seeds[0]}-{seeds[-1]}")
        for r in rows:
            print(
                f"  seed {r['seed']:>2}: destroyed {r['hostiles_destroyed']}/{r['hostiles']}, "
                f"intercepted {r['intercepted']}/{r['threatening']} of those aimed at a zone, "
                f"leakers {r['leakers']}, bursts {r['bursts']}, rounds {r['rounds']}, hits {r['hits']}, "
                f"civil engaged {r['civil_engaged']}"
            )
        per_seed_rpk = [r["rounds"] / r["kills"] for r in rows if r["kills"]]
        print(
            f"  P(kill)/round {tot['kills'] / max(tot['rounds'], 1):.4f}, P(kill)/burst "
            f"{tot['kill_bursts'] / max(tot['bursts'], 1):.3f}, hits/round {tot['hits'] / max(tot['rounds'], 1):.4f}, "
            f"rounds/kill {tot['rounds'] / max(tot['kills'], 1):.0f} (median per seed "
            f"{statistics.median(per_seed_rpk) if per_seed_rpk else float('nan'):.0f}), "
            f"intercepted {tot['intercepted']}/{tot['threatening']} "
            f"({tot['intercepted'] / max(tot['threatening'], 1):.0%}) of threats that would land on a defended zone, "
            f"all destroyed in {sum(r['hostiles_destroyed'] == r['hostiles'] for r in rows)}/{len(rows)} seeds, "
            f"civil engaged {tot['civil_engaged']}"
        )


if __name__ == "__main__":
    main()
