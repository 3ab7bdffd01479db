"""Sensor data: what crosses the information barrier from sensors to decision code.

Only measurements live here (radar plots, ADS-B reports, gun status). The sensor *models* that
make them from truth live in :mod:`bastion.world`; live feeds make them from real packets.
"""

from bastion.sense.types import AdsbReports, Detections

__all__ = ["AdsbReports", "Detections"]
