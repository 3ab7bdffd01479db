"""Multipath near the ground: the two-ray pattern-propagation factor of a radar over a reflecting
surface (flat earth), with the specular reflection coefficient of a rough surface.

A target at height ``h_t`` above the ground is reached by the direct ray and by a ray reflected
off the ground at the grazing angle ``psi`` (``tan psi = (h_r + h_t) / d`` over a ground range
``d``). The field at the target is the direct field times the pattern-propagation factor

    F = |1 + Gamma * exp(-j k dR)|,   dR = R_reflected - R_direct = 4 h_r h_t / (R_reflected + R_direct),

with ``k = 2 pi / lambda`` and ``Gamma`` the ground's reflection coefficient. The radar equation's
SNR is multiplied by ``F^4`` (two-way). For a perfectly reflecting smooth ground (``Gamma = -1``)
this is the classical lobing ``F = 2 |sin(2 pi h_r h_t / (lambda R))|``: up to 16x (12 dB) in the
lobes and a null below the first lobe, where a low target fades as ``(4 pi h_r h_t / (lambda R))^4``
(Blake, *Radar Range-Performance Analysis*, 1980/1986, ch. 6; Skolnik, *Introduction to Radar
Systems*, 3rd ed., 2001, ch. 8, plane-earth interference; Skolnik (ed.), *Radar Handbook*, 3rd ed.,
2008, ch. 26).

``Gamma = Gamma_0 * rho_s``:

* ``Gamma_0`` is the Fresnel coefficient of a smooth dielectric half-space for horizontal
  polarisation, ``(sin psi - sqrt(eps - cos^2 psi)) / (sin psi + sqrt(eps - cos^2 psi))``. At the
  grazing angles that matter here (below ~1 deg) it is within 2 % of -1 for any relative
  permittivity from 4 to 30 (tested), so the ground's permittivity hardly matters; the default
  ``EPS_GROUND = 15`` is ITU-R P.527's "medium dry ground". Horizontal polarisation is an
  assumption (the radars' polarisations are not public, L); vertical polarisation differs only
  above ~1 deg, where roughness has already removed the reflection at these wavelengths.
* ``rho_s = exp(-2 (k sigma_h sin psi)^2)`` is the specular scattering factor of a surface whose
  heights are Gaussian with standard deviation ``sigma_h`` (Ament 1953; Beckmann & Spizzichino 1963;
  Skolnik 3rd ed. ch. 8): a surface is smooth below the Rayleigh criterion ``sigma_h sin psi <
  lambda / (8 ... 16)`` and reflects diffusely above it. At Ku-band (lambda ~2 cm) over ground of
  1 m roughness the reflection is gone above ~0.3 deg; at L-band (23 cm) it lasts to ~3 deg.
  Where ``rho_s`` is below ``NEGLIGIBLE`` (1e-6) the reflection is dropped (F = 1 within 1e-6): most
  objects most of the time, so the complex sum is made only for the few near the horizon.

Stated simplifications: a flat earth between the radar and the target. The curved earth's divergence
factor ``D = (1 + 2 d1 d2 / (k_e a d sin psi))^(-1/2)`` (Kerr 1951; Blake ch. 6) would weaken the
reflected ray by 10 % for a 30 m target 15 km from an 8 m mast, less for higher or nearer ones; it
is left out because near the horizon it tends to 0 and the two-ray sum to free space, where the real
field falls into the diffraction region: without it, a low target keeps the plane earth's fade
``F^4 ~ (4 pi h_r h_t / (lambda R))^4`` (the conservative side; the radio horizon itself is
:mod:`bastion.physics.terrain`'s). Also: the same antenna gain on the direct and the reflected ray
(a broad elevation beam), and a reflection coherent from scan to scan (the lobes move as the target
moves, so they are not averaged away).
"""

from __future__ import annotations

import numpy as np

C_LIGHT = 299_792_458.0  # [m/s]
NEGLIGIBLE = 1e-6  # a specular factor below this leaves F = 1 (it would change F by less than this)
EPS_GROUND = 15.0  # relative permittivity of medium dry ground (ITU-R P.527), see the module docstring
DEFAULT_ROUGHNESS_M = 1.0
"""Standard deviation of ground heights [m] around a site when its scenario gives none: an assumption
(L, not public for any site): flat open land with fields, berms, low walls and vehicles. The
low-level-detection study (``docs/low_level_detection.md``) gives ranges for 0.1, 0.3 and 1 m."""


def fresnel_horizontal(sin_psi: np.ndarray, eps: complex = EPS_GROUND) -> np.ndarray:
    """Smooth-surface reflection coefficient (complex) for horizontal polarisation at grazing angles
    with sine ``sin_psi``, over a half-space of relative permittivity ``eps``."""
    s = np.asarray(sin_psi, dtype=float)
    root = np.sqrt(eps - (1.0 - s * s) + 0j)
    return (s - root) / (s + root)


def roughness_factor(sin_psi: np.ndarray, sigma_h_m: float, wavelength_m: float) -> np.ndarray:
    """Ament's specular scattering factor ``exp(-2 (2 pi sigma_h sin psi / lambda)^2)`` (0..1)."""
    g = 2.0 * np.pi * sigma_h_m * np.asarray(sin_psi, dtype=float) / wavelength_m
    return np.exp(-2.0 * g * g)


def propagation_factor(
    h_radar: np.ndarray,
    h_target: np.ndarray,
    ground_range: np.ndarray,
    wavelength_m: float,
    sigma_h_m: float = DEFAULT_ROUGHNESS_M,
    eps: complex = EPS_GROUND,
) -> np.ndarray:
    """The one-way pattern-propagation factor ``F`` (>= 0) of the two-ray model (module docstring).

    Heights [m] above the reflecting ground (negative ones are taken as 0: an end on the ground
    sees no lobing gain and, with ``Gamma = -1``, no signal); ``ground_range`` [m]. A NaN input
    gives NaN (the caller refuses it)."""
    hr, ht, d = np.broadcast_arrays(
        np.asarray(h_radar, dtype=float), np.asarray(h_target, dtype=float), np.asarray(ground_range, dtype=float)
    )
    shape = hr.shape
    hr, ht, d = np.maximum(hr.ravel(), 0.0), np.maximum(ht.ravel(), 0.0), d.ravel()
    up = hr + ht
    with np.errstate(invalid="ignore", divide="ignore"):
        r_ref = np.hypot(d, up)
        sin_psi = np.where(r_ref > 0.0, up / r_ref, 1.0)
    rough = roughness_factor(sin_psi, sigma_h_m, wavelength_m)
    f = np.where(np.isnan(rough * (hr * ht + d)), np.nan, 1.0)
    # only where the ground reflects specularly at all (|Gamma| <= rho_s < NEGLIGIBLE: F within 1e-6 of 1)
    k = (rough >= NEGLIGIBLE).nonzero()[0]
    if k.size:
        hr, ht, d, r_ref = hr[k], ht[k], d[k], r_ref[k]
        delta = 4.0 * hr * ht / (r_ref + np.hypot(d, ht - hr))  # R_ref - R_dir, without the cancellation
        gamma = fresnel_horizontal(sin_psi[k], eps) * rough[k]
        f[k] = np.abs(1.0 + gamma * np.exp(-2j * np.pi * delta / wavelength_m))
    return f.reshape(shape)


def snr_factor(
    h_radar: np.ndarray,
    h_target: np.ndarray,
    ground_range: np.ndarray,
    frequency_hz: float,
    sigma_h_m: float = DEFAULT_ROUGHNESS_M,
) -> np.ndarray:
    """``F^4``, the factor by which multipath multiplies a radar's mean SNR; exactly 1 where the
    radar's frequency is not known (NaN: no multipath modelled)."""
    if not np.isfinite(frequency_hz):
        return np.ones(np.broadcast(np.asarray(h_target), np.asarray(ground_range)).shape)
    f = propagation_factor(h_radar, h_target, ground_range, C_LIGHT / frequency_hz, sigma_h_m)
    f2 = f * f
    return f2 * f2
