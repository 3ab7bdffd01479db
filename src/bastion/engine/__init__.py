"""The engine: one loop driving the world and the decision pipeline under a clock.

:mod:`.pipeline` is the decision side (sensor data in, orders and events out; it never imports the
world). :mod:`.simulation` is the harness that owns the truth, runs the sensor models and feeds the
pipeline. The clock is the only difference between a simulated night (as fast as possible) and a
live feed (wall clock).
"""
