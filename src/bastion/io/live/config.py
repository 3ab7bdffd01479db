"""The live configuration: a scenario without truth plus its ``[[feeds]]``, ``[publish]`` and ``[live]`` tables."""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from bastion.io.feeds import parse_address, tod_of
from bastion.scenario import schema
from bastion.scenario.compiled import CompiledScenario, compile_scenario
from bastion.scenario.loader import LoadedScenario, ScenarioError, _dotted, parse, validate_toml
from bastion.scenario.loader import where as located


def _host_port(v: str | None) -> str | None:
    """A HOST:PORT field of a spec, checked when given (the validator the specs share)."""
    if v is not None:
        parse_address(v, "address")
    return v


class FeedSpec(schema.StrictModel):
    """One sensor feed: which scenario sensor, its format and where its bytes come from."""

    name: str
    sensor: str = Field(description="the scenario sensor (radar or ADS-B receiver) whose data this is")
    format: Literal["asterix", "avr", "beast"]
    udp: str | None = Field(None, description="HOST:PORT to listen on")
    tcp: str | None = Field(None, description="HOST:PORT of a Mode S stream server to connect to (avr, beast)")
    file: str | None = Field(None, description="a recording: pcap, raw ASTERIX, Beast binary or AVR text")
    port: int | None = Field(None, ge=1, le=65535, description="in a pcap holding several feeds, this feed's port")
    sac: int | None = Field(None, ge=0, le=255, description="ASTERIX: only records of this SAC")
    sic: int | None = Field(None, ge=0, le=255, description="ASTERIX: only records of this SIC")
    time: Literal["data", "arrival"] = Field(
        "arrival",
        description="Mode S: time each frame by its receiver timestamp taken as seconds of the UTC day "
        "(data; bastion's recordings) or by its arrival (arrival)",
    )

    _addresses = field_validator("udp", "tcp")(_host_port)

    @model_validator(mode="after")
    def _one_source(self) -> FeedSpec:
        given = [k for k in ("udp", "tcp", "file") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of udp, tcp or file")
        if self.tcp is not None and self.format == "asterix":
            raise ValueError("tcp is for Mode S streams (avr, beast); ASTERIX comes over udp")
        if (self.sac is None) != (self.sic is None):
            raise ValueError("give both sac and sic, or neither")
        return self


class PublishSpec(schema.StrictModel):
    """Where the engine sends its system picture."""

    cat062: str | None = Field(None, description="HOST:PORT for CAT062 system tracks, after every radar scan")
    sac: int = Field(0, ge=0, le=255, description="SAC of the published tracks (I062/010)")
    sic: int = Field(200, ge=0, le=255, description="SIC of the published tracks")
    dis: str | None = Field(None, description="HOST:PORT for DIS PDUs: tracks, guns and fire")

    _addresses = field_validator("cat062", "dis")(_host_port)


class LiveSettings(schema.StrictModel):
    hold_s: float = Field(0.005, ge=0, le=1, description="a datagram waits this long for earlier ones on other sockets")
    scan_flush_s: float = Field(0.25, gt=0, le=10, description="close a radar scan this long after its last plot")
    max_jump_s: float = Field(30.0, gt=0, description="a radar scan further ahead than this waits for confirmation")
    status_every_s: float = Field(10.0, gt=0, description="wall seconds between feed_status events")


class LiveConfig(schema.Scenario):
    """A live configuration: a scenario without truth, plus feeds and where to publish."""

    feeds: list[FeedSpec] = Field(min_length=1)
    publish: PublishSpec = Field(default_factory=PublishSpec)
    live: LiveSettings = Field(default_factory=LiveSettings)


LIVE_TABLES = ("feeds", "publish", "live")


@dataclass(frozen=True)
class LiveSetup:
    """A validated live configuration, compiled: ``compiled.defence`` is the site the engine defends."""

    config: LiveConfig
    compiled: CompiledScenario
    source: str
    directory: Path | None
    start_tod_s: float  # time of day [s after midnight UTC] of the engine's t = 0 (the scenario start)

    @property
    def defence(self):
        return self.compiled.defence

    @property
    def scenario_text(self) -> str:
        """The scenario part of the configuration (no feeds): what a run stores, what exports compile."""
        return self.compiled.loaded.text


_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_-]+)")


def strip_tables(text: str, tables: tuple[str, ...] = LIVE_TABLES) -> str:
    """A TOML text without the top-level tables named (``[name]``, ``[[name]]`` and their sub-tables).

    By default the live tables, leaving the scenario; ``("threats", "civil")`` leaves a scenario's site.
    """
    out, skipping = [], False
    for raw in text.splitlines():
        m = _HEADER.match(raw)
        if m:
            skipping = m.group(1) in tables
        if not skipping:
            out.append(raw)
    return "\n".join(out) + "\n"


def parse_live(text: str, source: str = "<string>", directory: Path | None = None) -> LiveSetup:
    """Validate and compile a live configuration; raise :class:`ScenarioError` with line-numbered problems."""
    cfg, lines, doc = validate_toml(text, source, LiveConfig, directory)
    text = doc.text  # its include spliced in
    problems = []

    def where(loc) -> str:
        return f"{located(doc, loc, lines)}: {_dotted(loc)}"

    for loc, msg in schema.cross_reference_problems(cfg):
        problems.append(f"{where(loc)}: {msg}")
    if cfg.threats:
        problems.append(f"{where(('threats',))}: a live configuration holds no truth: threats come from the sensors")
    if cfg.civil:
        problems.append(
            f"{where(('civil',))}: a live configuration holds no truth: civil traffic comes from the sensors"
        )
    if cfg.faults:
        problems.append(
            f"{where(('faults',))}: a live configuration holds no truth: faults belong to a simulated night"
        )
    radars = {s.name for s in cfg.sensors if isinstance(s, schema.Radar)}
    receivers = {s.name for s in cfg.sensors if isinstance(s, schema.AdsbReceiver)}
    seen_names: set[str] = set()
    seen_addr: dict[str, int] = {}
    for i, f in enumerate(cfg.feeds):
        if f.sensor not in radars | receivers:
            known = ", ".join(sorted(radars | receivers)) or "none"
            problems.append(f"{where(('feeds', i, 'sensor'))}: {f.sensor!r} is not a sensor (sensors: {known})")
        elif f.sensor in radars and f.format != "asterix":
            problems.append(
                f"{where(('feeds', i, 'format'))}: radar {f.sensor!r} speaks asterix (CAT048), not {f.format}"
            )
        if f.name in seen_names:
            problems.append(f"{where(('feeds', i, 'name'))}: duplicate feed name {f.name!r}")
        seen_names.add(f.name)
        addr = f.udp or f.tcp
        if addr is not None:
            if addr in seen_addr and f.udp is not None:
                problems.append(f"{where(('feeds', i, 'udp'))}: {addr} is already feed {seen_addr[addr]}'s")
            seen_addr[addr] = i
        if f.file is not None:
            path = Path(f.file)
            if not path.is_absolute() and directory is not None:
                path = directory / path
            if not path.is_file():
                problems.append(f"{where(('feeds', i, 'file'))}: no such file {str(path)!r}")
    if problems:
        raise ScenarioError(problems)
    stripped = strip_tables(text)
    loaded = parse(stripped, source, directory)
    plain = {k: v for k, v in tomllib.loads(text).items() if k not in LIVE_TABLES}
    if loaded.model != schema.Scenario.model_validate(plain):
        raise ScenarioError(
            [f"{source}: write the feeds, publish and live settings as [[feeds]], [publish], [live] tables"]
        )
    loaded = LoadedScenario(loaded.model, source, directory, hashlib.sha256(stripped.encode()).hexdigest(), stripped)
    compiled = compile_scenario(loaded, read_traffic=False)
    return LiveSetup(cfg, compiled, source, directory, tod_of(compiled.defence.start))


def load_live(path: str | Path) -> LiveSetup:
    """Read, validate and compile a live configuration file (ScenarioError naming file and line)."""
    path = Path(path)
    if not path.is_file():
        raise ScenarioError([f"{path}: no such live configuration file"])
    return parse_live(path.read_text("utf-8"), str(path), path.resolve().parent)
