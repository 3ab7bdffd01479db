"""ASTERIX units, item kinds and the user application profiles (UAPs) of the categories bastion reads."""

from __future__ import annotations

import struct

FT = 0.3048  # [m]
NM = 1852.0  # [m]
FPM = FT / 60.0  # [m/s]
DAY_S = 86_400.0
EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius (IUGG) for height <-> elevation of CAT048 plots (geometric, no refraction)."""

# Item kinds
_FIXED, _EXT, _REP, _FXREP, _EXPL, _COMP = range(6)


def _c(*subs):
    return (_COMP, tuple(subs))


_F = {n: (_FIXED, n) for n in range(1, 9)}
_E = (_EXT, 1)
_X = (_EXPL, 0)

# UAPs: index FRN-1 -> (kind, arg) or None for a spare FRN. Compound subfields: (kind, arg) or None.
UAP: dict[int, tuple] = {
    48: (
        _F[2], _F[3], _E, _F[4], _F[2], _F[2],  # 010 140 020 040 070 090
        _c(*[_F[1]] * 7),  # 130 radar plot characteristics
        _F[3], _F[6], (_REP, 8), _F[2], _F[4], _F[4], _E,  # 220 240 250 161 042 200 170
        _F[4], (_FXREP, 1), _F[2], _F[4], _F[2],  # 210 030 080 100 110
        _c(_F[2], (_REP, 6)),  # 120 radial doppler speed
        _F[2], _F[7], _F[1], _F[2], _F[1], _F[2], _X, _X,  # 230 260 055 050 065 060 SP RE
    ),
    21: (
        _F[2], _E, _F[2], _F[1], _F[3], _F[6], _F[8], _F[3], _F[2], _F[2], _F[3], _F[3], _F[4], _F[3],
        _F[4], _F[2], _E, _F[1], _F[2], _F[2], _F[2], _F[2], _F[1], _F[2], _F[2], _F[4], _F[2], _F[3],
        _F[6], _F[1],  # 010 .. 020 (FRN 1-30)
        _c(_F[2], _F[2], _F[2], _F[1]),  # 220 met information
        _F[2], _F[2],  # 146 148
        _c(_E, (_REP, 15)),  # 110 trajectory intent
        _F[1], _F[1], _E, _F[1], (_REP, 8), _F[7], _F[1],  # 016 008 271 132 250 260 400
        _c(*[_F[1]] * 23),  # 295 data ages
        None, None, None, None, None, _X, _X,  # FRN 43-47 spare, RE, SP
    ),
    62: (
        _F[2], None, _F[1], _F[3], _F[8], _F[6], _F[4], _F[2], _F[2], _F[7],  # 010 - 015 070 105 100 185 210 060 245
        _c(_F[3], _F[6], _F[2], _F[2], _F[2], _F[2], _F[2], _E, (_REP, 15), _F[2], _F[2], _F[7], _F[2], _F[2],
           _F[2], _F[2], _F[2], _F[2], _F[1], _F[8], _F[1], _F[6], _F[2], _F[1], (_REP, 8), _F[2], _F[2], _F[2]),
        _F[2], _E,  # 040 080
        _c(_F[1], _F[1], _F[1], _F[1], _F[2], _F[1], _F[1], _F[1], _F[1], _F[1]),  # 290
        _F[1],  # 200
        _c(*[_F[1]] * 31),  # 295
        _F[2], _F[2], _F[2], _F[2],  # 136 130 135 220
        _c(_F[2], _F[7], _F[4], _F[1], _F[4], _F[1], _F[4], _F[4], _F[3], _F[2], _F[2], (_REP, 4), _F[6],
           _F[1], _F[7], _F[7], _F[2], _F[7]),  # 390 flight plan data
        _E, _F[1],  # 270 300
        _c(_F[1], _F[4], _F[6], _F[2], _F[2], _F[1], _F[1]),  # 110 mode 5
        _F[2], (_FXREP, 3),  # 120 510
        _c(_F[4], _F[2], _F[4], _F[1], _F[1], _F[2], _F[2], _F[1]),  # 500 estimated accuracies
        _c(_F[2], _F[4], _F[2], _F[2], _F[2], _F[1]),  # 340 measured information
        None, None, None, None, None, _X, _X,  # FRN 29-33 spare, RE, SP
    ),
    34: (
        _F[2], _F[1], _F[3], _F[1], _F[2],
        _c(_F[1], None, None, _F[1], _F[1], _F[2]),  # 050 system configuration
        _c(_F[1], None, None, _F[1], _F[1], _F[1]),  # 060 system processing mode
        (_REP, 2), _F[8], _F[1], _F[8], _F[2], _X, _X,
    ),
    65: (_F[2], _F[1], _F[1], _F[3], _F[1], _F[1], _F[1], None, None, None, None, None, _X, _X),
}  # fmt: skip

# FRN (1-based) of the items decoded
_I048 = {"010": 1, "140": 2, "020": 3, "040": 4, "070": 5, "090": 6, "130": 7, "220": 8, "240": 9, "161": 11,
         "042": 12, "200": 13, "170": 14, "110": 19, "120": 20, "SP": 27}  # fmt: skip
_I021 = {"010": 1, "040": 2, "161": 3, "071": 5, "130": 6, "131": 7, "080": 11, "073": 12, "140": 16, "090": 17,
         "210": 18, "070": 19, "145": 21, "155": 24, "157": 25, "160": 26, "077": 28, "170": 29}  # fmt: skip
_I062 = {"010": 1, "070": 4, "105": 5, "100": 6, "185": 7, "060": 9, "245": 10, "380": 11, "040": 12, "080": 13,
         "136": 17, "130": 18, "135": 19, "220": 20, "390": 21, "500": 27}  # fmt: skip
_DECODED = {48: _I048, 21: _I021, 62: _I062, 34: {"010": 1}, 65: {"010": 1}}

SP_MAGIC = b"b1"
"""Marks bastion's own CAT048 special-purpose field: full-precision plot values (see :func:`encode_cat048`)."""
_SP_STRUCT = struct.Struct(">B2s6f")
SP_MAGIC_MD = b"b2"
"""The same field with a seventh value, the plot's micro-Doppler class, from a radar that classes its plots
(bastion.sense.types.MD_NONE, MD_BIRD, MD_NOT_BIRD; CAT048 has I048/030 codes for birds but none for "not a
bird")."""
_SP_STRUCT_MD = struct.Struct(">B2s7f")


class _Bad(Exception):
    pass
