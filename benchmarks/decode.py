"""ASTERIX decoding speed: bastion's decoder against libasterix (the library), records per second.

Target (issue 9): >= 100,000 records/s. Inputs: a simulated CAT048 recording (scans of plots
written by ``encode_cat048``, with and without bastion's SP field) and the real capture
``../shared/data/asterix/cat_034_048.pcap`` repeated (CAT048 and CAT034 of a Mode S radar).
Prints the median of repeated runs and the ratio to libasterix measured in the same run.

    .venv/bin/python benchmarks/decode.py [--records 100000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from bastion.io import asterix, pcap
from bastion.sense.types import Detections

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def simulated(n_records: int, extras: bool) -> list[bytes]:
    rng = np.random.default_rng(0)
    out: list[bytes] = []
    per_scan = 200
    for k in range(n_records // per_scan):
        n = per_scan
        det = Detections(
            t=k * 1.0,
            sensor=0,
            range=rng.uniform(500, 60_000, n),
            azimuth=rng.uniform(-np.pi, np.pi, n),
            elevation=rng.uniform(0, 0.5, n),
            range_rate=rng.uniform(-300, 300, n),
            power=rng.exponential(20, n),
            rcs=rng.lognormal(-2, 1, n),
        )
        out += asterix.encode_cat048(det, 1, 1, 0.0, 0.0, extras=extras)
    return out


def real(n_records: int) -> list[bytes]:
    path = SHARED / "data/asterix/cat_034_048.pcap"
    if not path.is_file():
        return []
    dg, _ = pcap.read_udp(path.read_bytes())
    payloads = [d.payload for d in dg]
    return payloads * max(1, n_records // 162)


def rate(fn, datagrams, repeat: int) -> tuple[float, int]:
    times = []
    n = 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        n = fn(datagrams)
        times.append(time.perf_counter() - t0)
    return n / statistics.median(times), n


def ours(datagrams) -> int:
    dec = asterix.decode(datagrams)
    return sum(dec.stats.records.values())


def libasterix(datagrams) -> int:
    import asterix.generated as gen
    from asterix.base import Bits, RawDatablock

    specs = {48: gen.Cat_048_1_32, 34: gen.Cat_034_1_29, 62: gen.Cat_062_1_18, 21: gen.Cat_021_2_6}
    n = 0
    for payload in datagrams:
        for db in RawDatablock.parse(Bits.from_bytes(payload)):
            recs = specs[db.get_category()].cv_uap.parse(db.get_raw_records())
            for r in recs:  # decode the same fields as bastion: position of every plot
                i = r.get_item("040")
                if i is not None:
                    i.variation.get_item("RHO").variation.content.as_quantity("NM")
                n += 1
    return n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    try:
        import asterix.generated  # noqa: F401

        have_lib = True
    except ImportError:
        have_lib = False
    inputs = {
        "CAT048 simulated, with SP": simulated(args.records, True),
        "CAT048 simulated, plain": simulated(args.records, False),
        "cat_034_048.pcap repeated": real(args.records),
    }
    print(f"{'input':<28} {'records':>8} {'bastion rec/s':>14} {'libasterix rec/s':>17} {'ratio':>7}")
    for name, dg in inputs.items():
        if not dg:
            print(f"{name:<28} (../shared not available)")
            continue
        r_ours, n = rate(ours, dg, args.repeat)
        if have_lib:  # the pure-Python library is ~20x slower: time it on a tenth of the input
            sub = dg[: max(1, len(dg) // 10)]
            r_lib, _ = rate(libasterix, sub, max(1, args.repeat // 2))
            print(f"{name:<28} {n:>8} {r_ours:>14,.0f} {r_lib:>17,.0f} {r_ours / r_lib:>6.1f}x")
        else:
            print(f"{name:<28} {n:>8} {r_ours:>14,.0f} {'(not installed)':>17}")
    print("target: >= 100,000 records/s (issue 9)")


if __name__ == "__main__":
    main()
