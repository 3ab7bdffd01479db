"""Multi-target tracking: motion and measurement models, batched filters, gating, association,
track management. Works on :mod:`bastion.sense` data only (never on truth).

The per-scan path is vectorised over all tracks and detections: filters predict and update every
track with one batched matrix expression; gating prunes pairs with a k-d tree before exact
Mahalanobis tests; global-nearest-neighbour association solves each independent cluster of the
gated graph separately.
"""

from bastion.track.tracker import Tracker, TrackerConfig
from bastion.track.types import Tracks, TrackStatus

__all__ = ["TrackStatus", "Tracker", "TrackerConfig", "Tracks"]
