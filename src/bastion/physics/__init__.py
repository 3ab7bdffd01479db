"""Physics shared by the truth simulation and the decision side.

Atmosphere, drag, point-mass ballistics, geodesy, geometry and detection theory. Holds no truth
state: only functions and immutable tables, so both sides of the information barrier may use it.
"""
