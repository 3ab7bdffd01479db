"""``bastion live``, ``record``, ``replay-feed`` and ``export``: the engine on real feeds, recordings, exports."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    app.command("live")(live)
    app.command("record")(record)
    app.command("replay-feed")(replay_feed)
    app.command("export")(export)


# ----------------------------------------------------------------------------------------------
# library helpers the commands (and tests) share


def strip_truth(text: str) -> str:
    """A scenario's text without its truth tables (``[[threats]]``, ``[[civil]]``, ``[[faults]]``): the
    site a live engine defends."""
    from bastion.io.live import strip_tables

    return strip_tables(text, ("threats", "civil", "faults"))


@dataclass
class SimulatedFeeds:
    recorder: object  # bastion.io.feeds.NightRecorder
    result: object  # bastion.engine.simulation.RunResult


@contextmanager
def _tap_pipeline_inputs(recorder, clock):
    """Copy every radar scan and ADS-B batch the simulation hands its decision pipeline to ``recorder``.

    ``simulation.run`` has no input hook, so the harness's pipeline and ADS-B receiver classes are
    swapped for recording subclasses for the duration (``clock`` gives the time of each hand-over).
    """
    from bastion.engine import simulation

    pipeline_cls, adsb_cls = simulation.DecisionPipeline, simulation.AdsbModel
    receiver = {"index": 0}
    names = [a.name for a in recorder.defence.adsb]

    class RecordingPipeline(pipeline_cls):
        def on_radar(self, det):
            recorder.on_radar(det, clock.t)
            return super().on_radar(det)

        def on_adsb(self, reports, *args, **kwargs):
            recorder.on_adsb(reports, clock.t, receiver["index"])
            return super().on_adsb(reports, *args, **kwargs)

    class TaggedReceiver(adsb_cls):
        def receive(self, *args, **kwargs):
            receiver["index"] = names.index(self.site.name)
            return super().receive(*args, **kwargs)

    simulation.DecisionPipeline, simulation.AdsbModel = RecordingPipeline, TaggedReceiver
    try:
        yield
    finally:
        simulation.DecisionPipeline, simulation.AdsbModel = pipeline_cls, adsb_cls


class _TapClock:
    """A simulated clock that remembers the time the harness last woke for."""

    t = 0.0

    def wait_until(self, t: float) -> None:
        self.t = t


def simulate_feeds(compiled, seed: int, adsb_format: str = "asterix", base_port: int = 4000, log=None):
    """Simulate a night and record its sensor data as :class:`~bastion.io.feeds.NightRecorder` datagrams."""
    from bastion.engine.simulation import run
    from bastion.io.feeds import NightRecorder

    recorder = NightRecorder(compiled.defence, base_port=base_port, adsb_format=adsb_format)
    clock = _TapClock()
    with _tap_pipeline_inputs(recorder, clock):
        result = run(compiled, seed, log=log, clock=clock)
    return SimulatedFeeds(recorder, result)


def build_engine(setup, log, operator: str = "none", seed: int = 1, speed: float = 0.0, publish: bool = True):
    """The live engine for a compiled live configuration: a decision pipeline emitting into ``log``,
    the operator ("none": nobody authorises, requests lapse; "simulated": the doctrine's simulated
    operator, seeded as a simulated night's), and a wall clock pacing recordings at ``speed`` (0: unpaced)."""
    from bastion.engine.clock import WallClock
    from bastion.engine.operator import SimulatedOperator
    from bastion.engine.pipeline import DecisionPipeline
    from bastion.engine.rng import stream
    from bastion.io.live import LiveEngine

    d = setup.defence
    pipeline = DecisionPipeline(d, log.emit)
    op = None
    if operator == "simulated":
        o = d.doctrine.operator
        op = SimulatedOperator(o.median_delay_s, o.sigma_log, stream(seed, "operator"))
    clock = WallClock(speed) if speed > 0 else None
    return LiveEngine(setup, pipeline, log, operator=op, clock=clock, publish=publish)


# ----------------------------------------------------------------------------------------------
# commands


def live(
    config: Annotated[Path, typer.Argument(help="live configuration: a scenario without truth, plus its feeds tables")],
    out: Annotated[Path | None, typer.Option(help="output directory (default runs/live-NAME-UTCTIME)")] = None,
    speed: Annotated[float, typer.Option(help="pace of file feeds: 1 real time, 10 ten times, 0 unpaced")] = 1.0,
    duration: Annotated[float | None, typer.Option(help="stop after this many wall seconds")] = None,
    operator: Annotated[str, typer.Option(help="who authorises engagements: none | simulated")] = "none",
    seed: Annotated[int, typer.Option(help="seed of the simulated operator")] = 1,
    quiet: Annotated[bool, typer.Option(help="print only the output directory")] = False,
    cot: Annotated[
        str | None,
        typer.Option(
            "--cot",
            help="publish the picture as Cursor on Target to a pytak COT_URL (udp://HOST:PORT, "
            "udp://239.2.3.1:6969 multicast, tcp://HOST:PORT, tls://...)",
        ),
    ] = None,
) -> None:
    """Run the engine on live sensor feeds (UDP, TCP or recordings) in real time; events go to SQLite."""
    import signal
    from datetime import UTC, datetime

    from bastion import __version__
    from bastion.cli.extras import need
    from bastion.cli.main import console, fail
    from bastion.engine.events import EventLog
    from bastion.io.live import live_summary, load_live
    from bastion.scenario import ScenarioError
    from bastion.store import EventStore

    if operator not in ("none", "simulated"):
        fail(f"--operator {operator!r}: choose none or simulated")
    if speed < 0:
        fail(f"--speed {speed}: must be 0 (unpaced) or more")
    if cot:
        from bastion.cli.extras import need

        need("tak", "--cot")
    try:
        setup = load_live(config)
    except ScenarioError as exc:
        fail("\n".join(exc.problems))
    d = setup.defence
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = out or Path("runs") / f"live-{d.name}-{stamp}"
    out.mkdir(parents=True, exist_ok=True)
    run_id = f"live-{d.name}-{stamp}"
    # the engine flushes after every report; the store keeps the events, so memory does not grow with them
    log = EventLog(flush_every=100_000, retain=False)
    store = EventStore(out / "events.sqlite")
    store.begin_run(run_id, d.name, setup.compiled.loaded.sha256, setup.scenario_text, seed, __version__)
    log.subscribers.append(lambda batch: store.append(run_id, batch))
    (out / "scenario.toml").write_text(setup.scenario_text)
    sender = None
    if setup.config.publish.dis is not None:
        need("dis", "[publish] dis")
        from bastion.io.dis import DisEventBridge, DisSender
        from bastion.io.feeds import parse_address

        sender = DisSender(*parse_address(setup.config.publish.dis, "dis"))
        log.subscribers.append(DisEventBridge(d, sender, truth=False, tracks=True))
    cot_publisher = None
    if cot:
        from bastion.io.cot import CotBuilder, CotPublisher

        try:
            cot_publisher = CotPublisher(cot, CotBuilder(d, uid_prefix=run_id))
        except OSError as exc:
            store.finish_run(run_id, "failed", None)
            fail(str(exc))
        log.subscribers.append(cot_publisher)
    try:
        engine = build_engine(setup, log, operator, seed, speed)
    except OSError as exc:
        store.finish_run(run_id, "failed", None)
        fail(f"cannot open a feed socket: {exc.strerror or exc}")
    stopping = {"now": False}

    def on_signal(signum, frame):
        stopping["now"] = True

    previous = signal.signal(signal.SIGINT, on_signal)
    if not quiet:
        console.print(f"live: {d.name} at {d.site_name}; {len(setup.config.feeds)} feeds; events -> {out}")
    try:
        report = engine.run(duration, stop=lambda: stopping["now"])
    except OSError as exc:
        store.finish_run(run_id, "failed", None)
        fail(f"cannot open a feed socket: {exc.strerror or exc}")
    finally:
        signal.signal(signal.SIGINT, previous)
        if sender is not None:
            sender.close()
        if cot_publisher is not None:
            cot_publisher.close()
    summary = live_summary(report)
    if cot_publisher is not None:
        summary["cot"] = {"sent": cot_publisher.sent, "dropped": cot_publisher.dropped, "errors": cot_publisher.errors}
    store.finish_run(run_id, "complete", summary)
    store.close()
    if quiet:
        console.print(str(out))
        return
    _print_live(report, out, run_id)


def _print_live(report, out: Path, run_id: str) -> None:
    from rich.table import Table

    from bastion.cli.main import console

    t = Table("feed", "packets", "bad", "scans", "plots", "ADS-B reports", "implausible", "stale / jumps", "problems")
    for name, s in report.feeds.items():
        t.add_row(
            name,
            str(s["packets"]),
            str(s["bad_packets"]),
            str(s["scans"]),
            str(s["plots"]),
            str(s["reports"]),
            str(s["implausible"]),
            f"{s['stale_scans']} / {s['time_jumps']}",
            (s["problems"][0] if s["problems"] else "")[:60],
        )
    console.print(t)
    lag = report.lag
    if lag.get("scans"):
        console.print(
            f"lag per scan: median {lag['lag_median_s'] * 1e3:.1f} ms, p95 {lag['lag_p95_s'] * 1e3:.1f} ms, "
            f"max {lag['lag_max_s'] * 1e3:.1f} ms; {report.fire_orders} fire orders; ended: {report.ended}"
        )
    console.print(f"wrote {out}/events.sqlite (run {run_id})")


def record(
    out: Annotated[Path, typer.Option(help="recording to write (libpcap)")],
    udp: Annotated[str | None, typer.Option(help="capture this live feed: HOST:PORT to listen on")] = None,
    duration: Annotated[float | None, typer.Option(help="capture: stop after this many seconds")] = None,
    count: Annotated[int | None, typer.Option(help="capture: stop after this many datagrams")] = None,
    scenario: Annotated[str | None, typer.Option(help="simulate this scenario and record its sensor feeds")] = None,
    seed: Annotated[int, typer.Option(help="simulation seed")] = 1,
    adsb: Annotated[str, typer.Option(help="simulation: ADS-B as asterix (CAT021) or beast")] = "asterix",
    base_port: Annotated[int, typer.Option(help="simulation: UDP port of the first radar (ADS-B from +100)")] = 4000,
    config: Annotated[Path | None, typer.Option(help="simulation: also write a live configuration")] = None,
    feeds: Annotated[str, typer.Option(help="simulation: the configuration reads the recording (file) or udp")] = "udp",
) -> None:
    """Capture a UDP feed to a pcap file, or record a simulated night's sensor feeds (CAT048/034, CAT021 or Beast)."""
    from bastion.cli.main import console, fail
    from bastion.io import feeds as fd

    if (udp is None) == (scenario is None):
        fail("give --udp HOST:PORT (capture a feed) or --scenario NAME (record a simulated night)")
    if udp is not None:
        try:
            host, port = fd.parse_address(udp, "--udp")
        except ValueError as exc:
            fail(str(exc))
        if duration is None and count is None:
            fail("give --duration or --count: a capture must end")
        try:
            packets, st = fd.capture(host, port, duration_s=duration, max_packets=count)
        except OSError as exc:
            fail(f"cannot listen on {udp}: {exc.strerror or exc}")
        fd.write_pcap(out, packets)
        console.print(f"captured {st.packets} datagrams ({st.bytes} bytes) in {st.duration_s:.1f} s -> {out}")
        return
    from bastion.api import compile_named
    from bastion.scenario import ScenarioError

    if adsb not in ("asterix", "beast"):
        fail(f"--adsb {adsb!r}: choose asterix or beast")
    if feeds not in ("file", "udp"):
        fail(f"--feeds {feeds!r}: choose file or udp")
    try:
        compiled = compile_named(scenario)
    except ScenarioError as exc:
        fail("\n".join(exc.problems))
    sim = simulate_feeds(compiled, seed, adsb, base_port)
    rec = sim.recorder
    rec.write(out)
    console.print(f"recorded {len(rec.packets)} datagrams of {compiled.defence.name} (seed {seed}) -> {out}")
    if config is not None:
        text = rec.live_config(strip_truth(compiled.loaded.text), out.resolve() if feeds == "file" else None)
        config.write_text(text)
        console.print(f"wrote the live configuration {config}")


def replay_feed(
    file: Annotated[Path, typer.Argument(help="recording: pcap, raw ASTERIX, Beast binary or AVR text")],
    speed: Annotated[float, typer.Option(help="1 real time, 10 ten times faster, 0 as fast as possible")] = 1.0,
    to: Annotated[str, typer.Option(help="HOST (each datagram to its recorded port) or HOST:PORT")] = "127.0.0.1",
    port: Annotated[int | None, typer.Option(help="only the datagrams recorded to this port")] = None,
    format: Annotated[
        str, typer.Option("--format", help="payload format of a raw file: asterix | beast | avr")
    ] = "asterix",
) -> None:
    """Play a recording to UDP at real time or faster."""
    from bastion.cli.main import console, fail
    from bastion.io import feeds as fd

    if speed < 0:
        fail(f"--speed {speed}: must be 0 (as fast as possible) or more")
    if format not in ("asterix", "beast", "avr"):
        fail(f"--format {format!r}: choose asterix, beast or avr")
    if not file.is_file():
        fail(f"{file}: no such file")
    try:
        packets, _ = fd.read_recording(file, format, port)
    except ValueError as exc:
        fail(str(exc))
    if not packets:
        fail(f"{file}: no datagram to replay" + (f" to port {port}" if port else ""))
    host, dest = to, None
    if ":" in to:
        try:
            host, dest = fd.parse_address(to, "--to")
        except ValueError as exc:
            fail(str(exc))
        ports = {p.port for p in packets}
        if len(ports) > 1 and port is None:
            fail(f"{file} holds datagrams to ports {sorted(ports)}: pick one with --port, or give --to HOST only")
    elif 0 in {p.port for p in packets}:
        fail(f"{file} is a raw stream: give --to HOST:PORT")
    span = packets[-1].time - packets[0].time
    console.print(f"replaying {len(packets)} datagrams ({span:.1f} s recorded) at x{speed:g}…")
    rs = fd.replay(packets, host, dest, speed)
    console.print(
        f"sent {rs.packets} datagrams ({rs.bytes} bytes) in {rs.duration_s:.1f} s; "
        f"most behind schedule {rs.max_late_s * 1e3:.1f} ms"
        + (f"; {rs.send_errors} send errors" if rs.send_errors else "")
    )


def export(
    run: Annotated[str, typer.Argument(help="run id, run directory or events.sqlite path")],
    format: Annotated[str, typer.Option("--format", help="czml (Cesium) | kml (Google Earth) | geojson (QGIS)")],
    out: Annotated[Path, typer.Option(help="file to write")],
    root: Annotated[Path, typer.Option(help="folder searched for run ids")] = Path("runs"),
) -> None:
    """Export a recorded run: tracks, impact ellipses, warnings, engagements, debris."""
    from bastion.cli.extras import need
    from bastion.cli.main import console, fail
    from bastion.event_types import EventSchemaError
    from bastion.report.exports import FORMATS, ExportError, export_run
    from bastion.store import find_run

    fmt = format.lower()
    if fmt not in FORMATS:
        fail(f"--format {format!r}: choose {', '.join(FORMATS)}")
    if fmt in ("czml", "kml"):  # czml3 / simplekml; GeoJSON is plain JSON
        need("report", f"bastion export --format {fmt}")
    try:
        db, run_id = find_run(run, root)
    except LookupError as exc:
        fail(str(exc))
    try:
        counts = export_run(db, run_id, fmt, out)
    except (ExportError, EventSchemaError) as exc:  # (EventSchemaError: a run this bastion cannot read)
        fail(str(exc))
    console.print(f"wrote {out} ({', '.join(f'{v} {k}' for k, v in counts.items())})")
