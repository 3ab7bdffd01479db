"""Multi-target tracking: motion and measurement models, batched filters, gating, association,
track management, fusion and metrics. Works on :mod:`bastion.sense` data only (never on truth).

One module per method, as the tree of the pipeline:

* ``models`` (CV, CA, coordinated turn) and ``measurements`` (polar radar, Cartesian position);
* ``kernels`` (compiled loops, numba) and ``compiled_loops`` (when they are loaded and used);
* ``ekf``, ``ukf`` and ``imm`` (CV + CT) filters, batched over all tracks;
* ``gating`` (grid pre-gate, chi-square gate, clusters), ``gnn`` and ``jpda`` association;
* ``management`` (M-of-N and score-based SPRT confirmation and deletion);
* ``initiation`` (a tentative track's state from one plot);
* ``fusion`` (ADS-B as Cartesian measurements, keyed to tracks), ``estimator`` (the filters applied to
  every track), ``table`` (the live tracks, struct of arrays), ``config`` (:class:`TrackerConfig`)
  and ``tracker`` (the assembly, :class:`Tracker`);
* ``metrics`` (GOSPA, OSPA, continuity) and ``testbed`` (the tracking testbed's file formats).

The per-scan path is vectorised over all tracks and detections: filters predict and update every
track with batched matrix expressions; gating prunes pairs with a grid of cells before exact
Mahalanobis tests; association solves the independent clusters of the gated graph, all at once.
"""

from bastion.track.config import TrackerConfig
from bastion.track.fusion import AdsbUpdate
from bastion.track.tracker import Tracker
from bastion.track.types import TrackChanges, Tracks, TrackStatus

__all__ = ["AdsbUpdate", "TrackChanges", "TrackStatus", "Tracker", "TrackerConfig", "Tracks"]
