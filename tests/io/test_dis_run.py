"""`bastion run --dis` sends the night's PDUs; `--dis-in` flies another simulation's entity as truth."""

import socket
import threading
import time

import numpy as np
import pytest

pytest.importorskip("opendis")

from bastion.api import run_night
from bastion.io.dis import (
    DRONE,
    DisCodec,
    DisSender,
    decode,
)


def test_run_sends_dis_pdus(tmp_path, baghdad):
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    rx.settimeout(0.2)
    port = rx.getsockname()[1]
    got = []

    def listen():
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                got.append(rx.recv(65536))
            except TimeoutError:
                if done.is_set():
                    return

    done = threading.Event()
    th = threading.Thread(target=listen, daemon=True)
    th.start()
    night = run_night(baghdad, 1, None, report=False, dis=f"127.0.0.1:{port}")
    done.set()
    th.join(timeout=10)
    rx.close()
    kinds = [type(decode(d)).__name__ for d in got]
    assert kinds.count("FirePdu") == night.summary["bursts"]
    assert kinds.count("EntityStatePdu") > 100


def test_dis_entity_enters_the_night_as_truth(baghdad):
    """An entity flown by another simulation (a drone-like track heading for BDSC, sent as Entity State
    PDUs) is seen by the radar: the harness labels plots as external."""
    rx_port = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx_port.bind(("127.0.0.1", 0))
    port = rx_port.getsockname()[1]
    rx_port.close()
    codec = DisCodec(baghdad.defence.origin, baghdad.defence.start, site=7, application=3)
    send = DisSender("127.0.0.1", port)
    stop = threading.Event()

    def fly():
        t0 = time.monotonic()
        while not stop.is_set():
            t = time.monotonic() - t0
            pos = np.array([[2375.0 + 6000.0 - 50.0 * t, 1335.0, 150.0]])
            for pdu in codec.entity_states(t, [1], pos, np.array([[-50.0, 0.0, 0.0]]), [DRONE], [2], ["UAV1"]):
                send(pdu)
            time.sleep(0.2)

    th = threading.Thread(target=fly, daemon=True)
    th.start()
    import dataclasses

    short = dataclasses.replace(baghdad, defence=dataclasses.replace(baghdad.defence, duration_s=8.0))
    try:
        night = run_night(short, 1, None, report=False, dis_in=f"127.0.0.1:{port}", speed=1.0)
    finally:
        stop.set()
        th.join(timeout=5)
        send.close()
    labels = {lab for votes in night.result.record.track_votes.values() for lab in votes}
    assert any(lab >= 1_000_000 for lab in labels)
