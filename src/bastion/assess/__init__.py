"""Assessment: classification, identification, threat evaluation and warning, from tracks only.

Stages, each a module: :mod:`.classify` (what kind of object a track is, from its kinematics and
RCS), :mod:`.identify` (civil by ADS-B correlation, friendly by IFF, hostile by stated criteria),
:mod:`.threat` (predicted impact point and time, the zone at risk and the threat's value),
:mod:`.warning` (which zones to warn, when to give the all-clear).
"""
