"""The truth simulation: what really flies, is seen, is hit and falls. Simulation only.

Holds truth state as parallel arrays (threats, civil aircraft, rounds, debris) and the sensor
models that turn truth into :mod:`bastion.sense` data. Decision code never imports this package;
the engine hands it detections, never truth.
"""
