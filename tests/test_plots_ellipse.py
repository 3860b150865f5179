"""The 95 % confidence ellipse against covariances whose axes are known by construction."""

from __future__ import annotations

import math

import numpy as np
import pytest

from otuflow.plots import PlotInputError, confidence_ellipse


def _chi2_2df(level: float) -> float:
    # A chi-square with 2 degrees of freedom is exponential with mean 2: F(x) = 1 - exp(-x/2).
    return -2.0 * math.log(1.0 - level)


def _cross(a: float, b: float) -> tuple[np.ndarray, np.ndarray]:
    """Four points on the axes: mean 0, var(x) = 2a²/3, var(y) = 2b²/3, covariance 0."""
    return np.array([-a, a, 0.0, 0.0]), np.array([0.0, 0.0, -b, b])


def test_axis_aligned_width_height_and_angle():
    x, y = _cross(3.0, 1.0)
    centre, width, height, angle = confidence_ellipse(x, y)
    k = _chi2_2df(0.95)
    assert centre == pytest.approx((0.0, 0.0), abs=1e-12)
    assert width == pytest.approx(2 * math.sqrt(6.0 * k))
    assert height == pytest.approx(2 * math.sqrt(2.0 / 3.0 * k))
    assert angle == pytest.approx(0.0, abs=1e-9) or angle == pytest.approx(180.0)


def test_major_axis_along_y_gives_90_degrees():
    x, y = _cross(1.0, 2.0)
    _, width, height, angle = confidence_ellipse(x, y)
    k = _chi2_2df(0.95)
    assert width == pytest.approx(2 * math.sqrt(8.0 / 3.0 * k))
    assert height == pytest.approx(2 * math.sqrt(2.0 / 3.0 * k))
    assert angle == pytest.approx(90.0)


@pytest.mark.parametrize("theta", [30.0, 75.0, 120.0, 165.0])
def test_rotated_and_shifted_cloud(theta):
    x0, y0 = _cross(3.0, 1.0)
    t = math.radians(theta)
    x = 5.0 + x0 * math.cos(t) - y0 * math.sin(t)
    y = -2.0 + x0 * math.sin(t) + y0 * math.cos(t)
    centre, width, height, angle = confidence_ellipse(x, y)
    k = _chi2_2df(0.95)
    assert centre == pytest.approx((5.0, -2.0))
    assert width == pytest.approx(2 * math.sqrt(6.0 * k))
    assert height == pytest.approx(2 * math.sqrt(2.0 / 3.0 * k))
    assert angle == pytest.approx(theta)


def test_boundary_is_the_chi2_mahalanobis_contour():
    rng = np.random.default_rng(7)
    x = rng.normal(0, 2, 40)
    y = 0.6 * x + rng.normal(0, 1, 40)
    (cx, cy), width, height, angle = confidence_ellipse(x, y, level=0.9)
    inv = np.linalg.inv(np.cov(x, y))  # reference: numpy's sample covariance (n - 1)
    t = np.radians(angle)
    u = np.linspace(0, 2 * np.pi, 13)
    px = width / 2 * np.cos(u)
    py = height / 2 * np.sin(u)
    pts = np.column_stack([px * np.cos(t) - py * np.sin(t), px * np.sin(t) + py * np.cos(t)])
    d2 = np.einsum("ij,jk,ik->i", pts, inv, pts)
    assert np.allclose(d2, _chi2_2df(0.9))
    assert (cx, cy) == pytest.approx((x.mean(), y.mean()))


def test_level_scales_axes_by_sqrt_of_quantile_ratio():
    x, y = _cross(2.0, 1.0)
    w95 = confidence_ellipse(x, y, 0.95)[1]
    w50 = confidence_ellipse(x, y, 0.5)[1]
    assert w95 / w50 == pytest.approx(math.sqrt(_chi2_2df(0.95) / _chi2_2df(0.5)))


def test_collinear_points_give_zero_height():
    _, width, height, angle = confidence_ellipse([0, 1, 2, 3], [0, 1, 2, 3])
    assert height == pytest.approx(0.0, abs=1e-9)
    assert width > 0
    assert angle == pytest.approx(45.0)


@pytest.mark.parametrize(
    "x, y, level, message",
    [
        ([0, 1], [0, 1], 0.95, ">= 3 points"),
        ([0, 1, np.nan], [0, 1, 2], 0.95, "finite"),
        ([0, 1, 2], [0, 1], 0.95, "equal length"),
        ([0, 1, 2], [0, 2, 1], 1.0, "level"),
    ],
)
def test_bad_input_is_rejected(x, y, level, message):
    with pytest.raises(PlotInputError, match=message):
        confidence_ellipse(x, y, level)
