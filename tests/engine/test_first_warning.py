"""The summary reports each zone's first warning per threat, not a later re-warning (issue 15: a
round's track lost and re-formed gave a 6.4 s re-warning reported instead of the 21 s first one)."""

from types import SimpleNamespace

from bastion.engine.summary import first_warnings


def warning(track, zone, seconds):
    return SimpleNamespace(payload=SimpleNamespace(track=track, zone=zone, warning_time_s=seconds))


def test_a_re_warning_of_the_same_round_is_not_the_zones_warning_time():
    truth = {40: ("threat", 2), 97: ("threat", 2), 31: ("threat", 1), 5: ("noise", -1)}.get
    log = [
        warning(31, "Terminal", 39.4),
        warning(40, "BDSC", 21.25),
        warning(97, "BDSC", 6.36),  # the same round R3 on a new track: a re-warning
        warning(5, "BDSC", 3.0),  # a false track: a threat of its own
        warning(40, "Runway", 20.0),
    ]
    first = first_warnings(log, truth)
    assert first == {
        ("Terminal", ("threat", 1)): 39.4,
        ("BDSC", ("threat", 2)): 21.25,
        ("BDSC", ("track", 5)): 3.0,
        ("Runway", ("threat", 2)): 20.0,
    }
