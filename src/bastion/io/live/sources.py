"""Sources of bytes: UDP sockets (kernel receive times), TCP streams (reconnecting) and recordings (paced)."""

from __future__ import annotations

import math
import socket
import struct
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bastion.io.feeds import read_recording
from bastion.io.live.config import LiveSetup
from bastion.io.live.decoders import FeedStats
from bastion.scenario.loader import ScenarioError

_SO_TIMESTAMPNS = 35  # Linux asm-generic (x86-64, arm64): kernel receive time of each datagram


class UdpSource:
    """A bound UDP socket; datagrams are stamped with the kernel's receive time where available."""

    def __init__(self, host: str, port: int, feed: int) -> None:
        self.feed = feed
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 23)
        self.sock.bind((host, port))
        self.sock.setblocking(False)
        self.kernel_stamps = False
        if sys.platform == "linux":
            try:
                self.sock.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)
                self.kernel_stamps = True
            except OSError:
                pass

    def fileno(self) -> int:
        return self.sock.fileno()

    def drain(self) -> list[tuple[int, int, bytes]]:
        """(stamp [ns since 1970], feed, payload) of every datagram waiting."""
        out = []
        while True:
            try:
                data, anc, _flags, _addr = self.sock.recvmsg(65535, socket.CMSG_SPACE(16))
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                break
            stamp = 0
            for level, kind, cdata in anc:
                if level == socket.SOL_SOCKET and kind == _SO_TIMESTAMPNS and len(cdata) >= 16:
                    sec, nsec = struct.unpack("qq", cdata[:16])
                    stamp = sec * 1_000_000_000 + nsec
            out.append((stamp or time.time_ns(), self.feed, data))
        return out

    def close(self) -> None:
        self.sock.close()


class TcpSource:
    """A Mode S stream server (dump1090's AVR port 30002 or Beast port 30005), reconnected when lost."""

    RETRY_S = 2.0

    def __init__(self, host: str, port: int, feed: int, stats: FeedStats) -> None:
        self.address = (host, port)
        self.feed = feed
        self.stats = stats
        self.sock: socket.socket | None = None
        self.next_try = 0.0

    def _connect(self) -> None:
        now = time.monotonic()
        if self.sock is not None or now < self.next_try:
            return
        self.next_try = now + self.RETRY_S
        try:
            s = socket.create_connection(self.address, timeout=1.0)
        except OSError as exc:
            self.stats.note(f"cannot connect to {self.address[0]}:{self.address[1]}: {exc.strerror or exc}")
            return
        s.setblocking(False)
        self.sock = s
        self.stats.connects += 1

    def fileno(self) -> int:
        self._connect()
        return self.sock.fileno() if self.sock is not None else -1

    def drain(self) -> list[tuple[int, int, bytes]]:
        self._connect()
        out = []
        while self.sock is not None:
            try:
                data = self.sock.recv(1 << 16)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                data = b""
            if not data:  # closed by the server
                self.sock.close()
                self.sock = None
                self.stats.note("stream closed by the server: reconnecting")
                break
            out.append((time.time_ns(), self.feed, data))
        return out

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


@dataclass
class FileSource:
    """The datagrams of recordings, due at their recorded times divided by the replay speed."""

    packets: list[tuple[float, int, int, bytes]]  # (recorded time [s], order, feed, payload), sorted
    next: int = 0

    def due(self, t_rel: float, t0: float, limit: int | None = None) -> list[tuple[float, int, bytes]]:
        """Datagrams recorded at or before ``t0 + t_rel`` (at most ``limit``): (recorded time, feed, payload)."""
        out = []
        while self.next < len(self.packets) and self.packets[self.next][0] - t0 <= t_rel:
            if limit is not None and len(out) >= limit:
                break
            t, _, feed, payload = self.packets[self.next]
            out.append((t, feed, payload))
            self.next += 1
        return out

    @property
    def done(self) -> bool:
        return self.next >= len(self.packets)

    def next_time(self) -> float:
        return self.packets[self.next][0] if not self.done else math.inf


def open_files(setup: LiveSetup) -> tuple[FileSource, dict[int, str]]:
    """Read every file feed's recording (each file once; a pcap's datagrams go to the feeds of their port).

    Returns the merged source and the problems found per feed (unreadable files raise ScenarioError).
    """
    by_path: dict[Path, list[int]] = {}
    for i, f in enumerate(setup.config.feeds):
        if f.file is not None:
            p = Path(f.file)
            if not p.is_absolute() and setup.directory is not None:
                p = setup.directory / p
            by_path.setdefault(p.resolve(), []).append(i)
    merged: list[tuple[float, int, int, bytes]] = []
    problems: dict[int, str] = {}
    order = 0
    for path, idx in by_path.items():
        fmt = setup.config.feeds[idx[0]].format
        try:
            packets, st = read_recording(path, fmt)
        except ValueError as exc:
            raise ScenarioError([f"{setup.source}: feeds[{idx[0]}].file: {exc}"]) from None
        ports = {i: setup.config.feeds[i].port for i in idx}
        for p in packets:
            for i in idx:
                if ports[i] is None or ports[i] == p.port:
                    merged.append((p.time, order, i, p.payload))
                    order += 1
        if st.problems or st.skipped:
            for i in idx:
                problems[i] = "; ".join(st.problems + [f"{n} {why}" for why, n in st.skipped.items()])
    merged.sort(key=lambda x: (x[0], x[1]))
    return FileSource(merged), problems
