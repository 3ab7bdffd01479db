"""The CAT062 publisher: the pipeline's system tracks sent after every radar scan."""

from __future__ import annotations

import socket

import numpy as np

from bastion.io import asterix
from bastion.io.feeds import parse_address


class Cat062Publisher:
    """Sends the pipeline's non-tentative tracks as CAT062 after every radar scan."""

    def __init__(self, address: str, origin, sac: int, sic: int, start_tod_s: float) -> None:
        self.dest = parse_address(address, "cat062")
        self.origin, self.sac, self.sic, self.start_tod_s = origin, sac, sic, start_tod_s
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.datagrams = 0
        self.send_errors = 0
        self.dropped_tracks = 0  # tracks whose state does not fit CAT062's fields (diverged): not sent

    def publish(self, tracks) -> None:
        from bastion.track.types import TrackStatus

        if tracks is None or not len(tracks):
            return
        x = tracks.x
        ok = (
            (tracks.status != TrackStatus.TENTATIVE)
            & np.isfinite(x).all(axis=1)
            & (np.abs(x[:, :2]) < 4.0e6).all(axis=1)
            & (np.abs(x[:, 3:5]) < 8_000.0).all(axis=1)
            & (np.abs(x[:, 2]) < 60_000.0)
            & (np.abs(x[:, 5]) < 3_000.0)
        )
        self.dropped_tracks += int(np.sum(~ok & (tracks.status != TrackStatus.TENTATIVE)))
        if not ok.any():
            return
        sel = np.flatnonzero(ok)
        from bastion.track.types import Tracks

        sub = Tracks(
            tracks.t,
            tracks.id[sel],
            x[sel],
            tracks.P[sel],
            tracks.status[sel],
            tracks.updates[sel],
            tracks.misses[sel],
            tracks.last_update[sel],
            tracks.rcs[sel],
            tracks.detection[sel],
        )
        for dg in asterix.encode_cat062(sub, self.origin, self.sac, self.sic, self.start_tod_s):
            try:
                self.sock.sendto(dg, self.dest)
                self.datagrams += 1
            except OSError:  # nobody listening, buffer full: count it, never stop the engine
                self.send_errors += 1

    def close(self) -> None:
        self.sock.close()
