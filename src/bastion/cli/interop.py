"""``bastion decode``: recorded sensor feeds (ASTERIX, AVR, Beast) to counts and JSON lines."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    app.command("decode")(decode)


def decode(
    file: Annotated[
        Path, typer.Argument(help="raw ASTERIX stream or libpcap capture of UDP, AVR text or Beast binary")
    ],
    format: Annotated[str, typer.Option("--format", help="asterix | avr | beast")] = "asterix",
    out: Annotated[Path | None, typer.Option(help="write one JSON object per decoded record")] = None,
) -> None:
    """Decode a recording: counts per category / message type, and optionally the records as JSON lines."""
    import json

    from bastion.cli.main import console, fail

    fmt = format.lower()
    if fmt not in ("asterix", "avr", "beast"):
        fail(f"--format {format!r}: choose asterix, avr or beast")
    if not file.is_file():
        fail(f"{file}: no such file")
    try:
        data = file.read_bytes()
    except OSError as exc:
        fail(f"{file}: {exc.strerror}")
    if not data:
        fail(f"{file}: empty file")
    if fmt == "asterix":
        rows, table, problems = _asterix(file, data)
    else:
        rows, table, problems = _modes(file, data, fmt)
    if not rows:
        fail(f"{file}: no {fmt} record could be decoded" + (f" ({problems[0]})" if problems else ""))
    console.print(table)
    for p in problems[:5]:
        console.print(f"[yellow]skipped:[/] {p}", highlight=False)
    if out is not None:
        with out.open("w") as fh:
            for r in rows:
                fh.write(json.dumps(r) + "\n")
        console.print(f"wrote {len(rows)} records to {out}")


def _asterix(file: Path, data: bytes):
    import numpy as np
    from rich.table import Table

    from bastion.io import asterix, pcap

    if pcap.is_pcap(data):
        try:
            dgrams, pst = pcap.read_udp(data)
        except pcap.PcapError as exc:
            from bastion.cli.main import fail

            fail(f"{file}: {exc}")
        dec = asterix.decode([d.payload for d in dgrams], np.array([d.time for d in dgrams]))
        extra = [f"{n} packets: {why}" for why, n in pst.skipped.items()]
        if pst.truncated_file:
            extra.append("capture file truncated")
    else:
        dec = asterix.decode(data)
        extra = []
    st = dec.stats
    names = {21: "ADS-B target reports", 34: "monoradar service messages", 48: "monoradar target reports",
             62: "SDPS system tracks", 65: "SDPS service status"}  # fmt: skip
    table = Table("category", "what", "records", title=f"{file.name}: {st.datagrams} datagrams, {st.blocks} blocks")
    for cat, n in sorted(st.records.items()):
        table.add_row(f"{cat:03d}", names.get(cat, ""), str(n))
    for cat, n in sorted(st.unknown_blocks.items()):
        table.add_row(f"{cat:03d}", "not decoded here (blocks)", str(n))
    if st.malformed:
        table.add_row("-", "malformed blocks / records (skipped)", f"{st.malformed_blocks} / {st.malformed_records}")
    return asterix.records(dec), table, st.errors + extra


def _modes(file: Path, data: bytes, fmt: str):
    from collections import Counter

    from rich.table import Table

    from bastion.io import modes_stream
    from bastion.sense.adsb_frames import decode_frame

    frames, st = modes_stream.read_beast(data) if fmt == "beast" else modes_stream.read_avr(data)
    rows = []
    counts: Counter = Counter()
    for k in range(len(frames)):  # pyModeS decodes one frame at a time
        try:
            d = decode_frame(str(frames.frame[k]))
        except ValueError as exc:
            st.note(str(exc))
            continue
        tc = d.get("typecode")
        key = (d["df"], tc if tc is not None else "")
        counts[key] += 1
        icao = d.get("icao")
        rec = {"df": d["df"], "icao24": icao.lower() if isinstance(icao, str) else None, "frame": str(frames.frame[k])}
        ts = float(frames.timestamp[k])
        rec["timestamp"] = ts if ts == ts else None
        if frames.signal[k] >= 0:
            rec["signal"] = int(frames.signal[k])
        for key_, v in d.items():
            if key_ not in ("df", "icao") and isinstance(v, str | int | float | bool | type(None)):
                rec[key_] = v
        rows.append(rec)
    table = Table("DF", "type code", "frames", title=f"{file.name}: {len(frames)} Mode S frames")
    for (df, tc), n in sorted(counts.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
        table.add_row(str(df), str(tc), str(n))
    if st.malformed or st.mode_ac or st.status:
        table.add_row("-", "malformed / Mode A/C / status (skipped)", f"{st.malformed} / {st.mode_ac} / {st.status}")
    return rows, table, st.errors
