"""Rain attenuation of radar echoes: ITU-R P.838-3 specific attenuation, two ways along the path in rain.

Specific attenuation (Recommendation ITU-R P.838-3, 2005, eq. 1):

    gamma_R = k R^alpha   [dB/km],   R the rain rate [mm/h],

with ``k`` and ``alpha`` functions of frequency (eqs. 2-3: sums of Gaussians in log10 f plus a
linear term, fitted to scattering calculations; Tables 1-4 give the coefficients, copied below), and
for a path at elevation ``theta`` with polarisation tilt ``tau`` (0 horizontal, 90 deg vertical,
45 deg circular) combined from the horizontal and vertical values (eqs. 4-5):

    k     = [kH + kV + (kH - kV) cos^2(theta) cos(2 tau)] / 2
    alpha = [kH aH + kV aV + (kH aH - kV aV) cos^2(theta) cos(2 tau)] / (2 k).

Valid from 1 to 1000 GHz (P.838-3 §1). At Ku band (~16 GHz) 10 mm/h costs ~0.7 dB/km, at X band
(~9.5 GHz) ~0.2 dB/km, at L band nothing that matters.

A radar's echo crosses the rain twice: the two-way loss is ``2 gamma_R d`` dB over the path length
``d`` in rain, here the path from the radar to the target below the rain height (``h_R``, ITU-R
P.839: about the 0 degC isotherm plus 360 m; the scenario's ``rain_height_m``), with the rain taken
uniform over the site (a stratiform simplification: convective cells are a few km across and would
make the loss vary with azimuth). The loss divides the mean signal-to-noise ratio of the radar
equation (:mod:`bastion.physics.detection`); the receiver's noise is unchanged (rain's own thermal
noise, a fraction of a dB in the antenna temperature, is neglected).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# ITU-R P.838-3 Tables 1-4: (a_j, b_j, c_j) per row, then m and c of the linear term
_KH = (
    (
        (-5.33980, -0.10008, 1.13098),
        (-0.35351, 1.26970, 0.45400),
        (-0.23789, 0.86036, 0.15354),
        (-0.94158, 0.64552, 0.16817),
    ),
    -0.18961,
    0.71147,
)
_KV = (
    (
        (-3.80595, 0.56934, 0.81061),
        (-3.44965, -0.22911, 0.51059),
        (-0.39902, 0.73042, 0.11899),
        (0.50167, 1.07319, 0.27195),
    ),
    -0.16398,
    0.63297,
)
_AH = (
    (
        (-0.14318, 1.82442, -0.55187),
        (0.29591, 0.77564, 0.19822),
        (0.32177, 0.63773, 0.13164),
        (-5.37610, -0.96230, 1.47828),
        (16.1721, -3.29980, 3.43990),
    ),
    0.67849,
    -1.95537,
)
_AV = (
    (
        (-0.07771, 2.33840, -0.76284),
        (0.56727, 0.95545, 0.54039),
        (-0.20238, 1.14520, 0.26809),
        (-48.2991, 0.791669, 0.116226),
        (48.5833, 0.791459, 0.116479),
    ),
    -0.053739,
    0.83433,
)


def _fit(coef, f_ghz: float) -> float:
    """sum_j a_j exp(-((log10 f - b_j) / c_j)^2) + m log10 f + c (P.838-3 eqs. 2-3)."""
    rows, m, c = coef
    x = np.log10(f_ghz)
    return float(sum(a * np.exp(-(((x - b) / cc) ** 2)) for a, b, cc in rows) + m * x + c)


def coefficients(f_ghz: float) -> tuple[float, float, float, float]:
    """(kH, alphaH, kV, alphaV) of ITU-R P.838-3 at ``f_ghz`` (1 to 1000 GHz)."""
    if not 1.0 <= f_ghz <= 1000.0:
        raise ValueError(f"ITU-R P.838-3 holds from 1 to 1000 GHz, not {f_ghz:g} GHz")
    return 10.0 ** _fit(_KH, f_ghz), _fit(_AH, f_ghz), 10.0 ** _fit(_KV, f_ghz), _fit(_AV, f_ghz)


def k_alpha(f_ghz: float, elevation_rad, tilt_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """``k`` and ``alpha`` for a path at ``elevation_rad`` and polarisation tilt ``tilt_deg`` (P.838-3 eqs. 4-5)."""
    kh, ah, kv, av = coefficients(f_ghz)
    c = np.cos(np.asarray(elevation_rad, dtype=float)) ** 2 * np.cos(2.0 * np.radians(tilt_deg))
    k = (kh + kv + (kh - kv) * c) / 2.0
    alpha = (kh * ah + kv * av + (kh * ah - kv * av) * c) / (2.0 * k)
    return k, alpha


def specific_attenuation(f_ghz: float, rain_mm_per_h: float, elevation_rad=0.0, tilt_deg: float = 0.0) -> np.ndarray:
    """gamma_R = k R^alpha [dB/km] of rain falling at ``rain_mm_per_h``."""
    k, alpha = k_alpha(f_ghz, elevation_rad, tilt_deg)
    return k * float(rain_mm_per_h) ** alpha


POLARISATION_TILT_DEG = {"H": 0.0, "V": 90.0, "C": 45.0}
"""Polarisation tilt [deg] of P.838-3's eqs. 4-5: horizontal, vertical, circular (45 deg)."""


@dataclass(frozen=True)
class RainLoss:
    """The rain between one radar and its targets: two-way attenuation of the echo (module docstring)."""

    frequency_ghz: float
    tilt_deg: float
    rain_mm_per_h: float
    rain_height_m: float  # top of the rain above the site ground [m]

    def path_in_rain_m(self, range_m: np.ndarray, elevation_rad: np.ndarray, radar_up_m: float) -> np.ndarray:
        """Length [m] of the straight path from the radar (at ``radar_up_m``) to a target at
        ``range_m`` and ``elevation_rad`` that lies below the rain height."""
        r = np.asarray(range_m, dtype=float)
        depth = max(self.rain_height_m - radar_up_m, 0.0)
        s = np.sin(np.asarray(elevation_rad, dtype=float))
        below = np.where(s > 0.0, depth / np.where(s > 0.0, s, 1.0), np.inf)
        return np.clip(np.minimum(r, below), 0.0, None)

    def two_way_db(self, range_m: np.ndarray, elevation_rad: np.ndarray, radar_up_m: float) -> np.ndarray:
        """Two-way attenuation [dB] of the echo of targets at ``range_m``, ``elevation_rad``."""
        gamma = specific_attenuation(self.frequency_ghz, self.rain_mm_per_h, elevation_rad, self.tilt_deg)
        return 2.0 * gamma * self.path_in_rain_m(range_m, elevation_rad, radar_up_m) / 1000.0

    def factor(self, range_m: np.ndarray, elevation_rad: np.ndarray, radar_up_m: float) -> np.ndarray:
        """The factor (<= 1) by which rain multiplies the mean SNR of those echoes."""
        return 10.0 ** (-self.two_way_db(range_m, elevation_rad, radar_up_m) / 10.0)


def rain_loss(frequency_ghz: float, polarisation: str, rain_mm_per_h: float, rain_height_m: float) -> RainLoss | None:
    """The rain loss of a radar of ``frequency_ghz`` and ``polarisation`` ("H", "V" or "C"); None
    when no rain falls (the radar equation is then used as it is)."""
    if not rain_mm_per_h > 0.0:
        return None
    return RainLoss(
        float(frequency_ghz), POLARISATION_TILT_DEG[polarisation], float(rain_mm_per_h), float(rain_height_m)
    )
