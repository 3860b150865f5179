"""Multiple-testing corrections: Storey q-values (as in Metastats), Benjamini-Hochberg, Bonferroni.

Benjamini-Hochberg comes from ``scipy.stats.false_discovery_control`` and Bonferroni from
``statsmodels.stats.multitest.multipletests``; this module adds Storey's pi0 estimate and the
handling of missing p-values (left out of m, returned as NaN) shared by all three corrections.

Storey's q-values follow the ``calc_qvalues`` routine of the original Metastats R code
(White et al. 2009; docs/algorithms.md, "q-values and other multiple-testing corrections"):

* lambda = 0, 0.01, ..., 0.95 and pi0_hat(lambda) = #{p > lambda} / (m (1 - lambda));
* pi0_hat is smoothed with R's ``smooth.spline(lambda, pi0_hat, df = 3)`` and pi0 is the fitted
  value at lambda = 0.95;
* ordered p: q_(m) = min(p_(m) pi0, 1), q_(i) = min(p_(i) m pi0 / i, q_(i+1), 1).

Unrolled, that recursion is q_(i) = min(1, pi0 min_{k >= i} m p_(k) / k) = min(1, pi0 BH_(i)), since
the Benjamini-Hochberg value BH_(i) = min_{k >= i} m p_(k) / k never exceeds p_(m) <= 1; the
q-values are computed that way, from scipy's Benjamini-Hochberg values.

The smoothing spline is re-implemented exactly rather than approximated: a penalised cubic B-spline
on the knots R chooses for 96 abscissae (``.nknots.smspl(96)`` = 61 knots at
``xbar[seq.int(1, 96, length.out = 61)]``), penalty = integral of the squared second derivative,
unit weights, with the penalty weight root-found so that the trace of the smoother matrix is exactly
3. R's own ``smooth.spline`` searches ``spar`` with a tolerance and stops at df ~ 2.9997, so pi0
agrees with R to about 1e-4 (relative), not to machine precision.

Deviation (documented): the original R code does not cap pi0; otuflow caps it at 1 by default, as
Storey's ``qvalue`` package does (``cap_pi0=False`` reproduces the original).
With very few p-values the spline can extrapolate pi0 <= 0, which would make every q negative (the
original returns them, ``qvalue`` stops with an error); otuflow then uses pi0 = 1
(Benjamini-Hochberg).
"""

from __future__ import annotations

import numpy as np
from scipy import linalg, optimize, stats
from scipy.interpolate import BSpline

#: The lambda grid of Metastats' ``calc_qvalues``: 0, 0.01, ..., 0.95.
METASTATS_LAMBDAS = np.round(np.arange(96) * 0.01, 2)


def _as_pvalues(p) -> np.ndarray:
    arr = np.asarray(p, dtype=float).ravel()
    finite = arr[~np.isnan(arr)]
    if np.any((finite < 0) | (finite > 1)):
        bad = finite[(finite < 0) | (finite > 1)][0]
        raise ValueError(f"p-values must lie in [0, 1]; got {bad!r}")
    return arr


def _r_knot_indices(n: int) -> np.ndarray:
    """Zero-based indices of the abscissae R's ``smooth.spline(all.knots=FALSE)`` uses as knots."""
    if n < 50:
        nknots = n
    else:
        a1, a2, a3, a4 = np.log2(50), np.log2(100), np.log2(140), np.log2(200)
        if n < 200:
            nknots = 2 ** (a1 + (a2 - a1) * (n - 50) / 150)
        elif n < 800:
            nknots = 2 ** (a2 + (a3 - a2) * (n - 200) / 600)
        elif n < 3200:
            nknots = 2 ** (a3 + (a4 - a3) * (n - 800) / 2400)
        else:
            nknots = 200 + (n - 3200) ** 0.2
        nknots = int(np.trunc(nknots))
    if nknots == n:
        return np.arange(n)
    by = (n - 1) / (nknots - 1)
    positions = 1 + np.arange(nknots) * by
    positions[-1] = n
    # R truncates non-integer subscripts towards zero.
    return np.trunc(positions).astype(int) - 1


def _penalty_matrix(knots: np.ndarray, n_basis: int) -> np.ndarray:
    """Gram matrix of B-spline second derivatives, integrated exactly (2-point Gauss/interval)."""
    breaks = np.unique(knots)
    gauss = np.array([-1.0, 1.0]) / np.sqrt(3.0)
    mids = (breaks[:-1] + breaks[1:]) / 2
    halves = (breaks[1:] - breaks[:-1]) / 2
    nodes = (mids[:, None] + halves[:, None] * gauss[None, :]).ravel()
    weights = np.repeat(halves, 2)
    second = np.empty((nodes.size, n_basis))
    for j in range(n_basis):
        coef = np.zeros(n_basis)
        coef[j] = 1.0
        second[:, j] = BSpline(knots, coef, 3, extrapolate=False).derivative(2)(nodes)
    second = np.nan_to_num(second)
    return second.T @ (weights[:, None] * second)


def smooth_spline_df(x, y, df: float = 3.0) -> np.ndarray:
    """Fit a cubic smoothing spline with given equivalent degrees of freedom (R's smooth.spline).

    Parameters
    ----------
    x, y : array_like
        Abscissae (distinct, any order) and responses, unit weights.
    df : float
        Target trace of the smoother matrix (2 < df <= number of basis functions).

    Returns
    -------
    numpy.ndarray
        Fitted values at ``x`` (same order as the input).

    Notes
    -----
    Knots follow R's ``smooth.spline(all.knots = FALSE)``; the penalty weight is found with Brent's
    method on log(lambda) so that trace(S) equals ``df`` to rounding error.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    order = np.argsort(x, kind="stable")
    xs, ys = x[order], y[order]
    if np.any(np.diff(xs) <= 0):
        raise ValueError("smooth_spline_df needs distinct x values")
    xbar = (xs - xs[0]) / (xs[-1] - xs[0])
    inner = xbar[_r_knot_indices(xs.size)]
    knots = np.concatenate([[inner[0]] * 3, inner, [inner[-1]] * 3])
    n_basis = knots.size - 4
    if not 2 < df <= min(n_basis, xs.size):
        raise ValueError(f"df must be in (2, {min(n_basis, xs.size)}]; got {df}")
    basis = BSpline.design_matrix(xbar, knots, 3).toarray()
    omega = _penalty_matrix(knots, n_basis)
    # Demmler-Reinsch form: with B'B = L L' and L^-1 Omega L^-T = U diag(s) U', the smoother
    # trace is sum 1 / (1 + lambda s_k), so df can be solved for without ill-conditioned solves.
    chol = np.linalg.cholesky(basis.T @ basis)
    half = linalg.solve_triangular(chol, omega, lower=True)
    reduced = linalg.solve_triangular(chol, half.T, lower=True)
    s, u = np.linalg.eigh((reduced + reduced.T) / 2)
    s /= s.max()
    # The penalty vanishes exactly on straight lines: zero its two null-space eigenvalues.
    s[:2] = 0.0

    def trace_minus_df(log_lam: float) -> float:
        return float(np.sum(1.0 / (1.0 + np.exp(log_lam) * s))) - df

    log_lam = optimize.brentq(trace_minus_df, -60.0, 60.0, xtol=1e-13, rtol=1e-13)
    shrink = 1.0 / (1.0 + np.exp(log_lam) * s)
    z = u.T @ linalg.solve_triangular(chol, basis.T @ ys, lower=True)
    coef = linalg.solve_triangular(chol.T, u @ (shrink * z), lower=False)
    fitted = np.empty_like(ys)
    fitted[order] = basis @ coef
    return fitted


def storey_pi0(p, lambdas=None, df: float = 3.0, cap: bool = True) -> float:
    """Estimate the proportion of true null hypotheses as Metastats' ``calc_qvalues`` does.

    Parameters
    ----------
    p : array_like
        p-values in [0, 1]; NaN entries are ignored.
    lambdas : array_like, optional
        Tuning grid; default ``METASTATS_LAMBDAS`` (0, 0.01, ..., 0.95).
    df : float
        Degrees of freedom of the smoothing spline (3 as in Metastats).
    cap : bool
        Cap the estimate at 1 (Storey's ``qvalue``); the original Metastats code does not.

    Returns
    -------
    float
        pi0 = smoothed pi0_hat at the largest lambda; 1 (Benjamini-Hochberg) where the spline,
        fitted to very few p-values, extrapolates to pi0 <= 0, which would make q-values
        negative (the original code returns them; Storey's ``qvalue`` stops with an error).
    """
    arr = _as_pvalues(p)
    arr = arr[~np.isnan(arr)]
    if arr.size == 0:
        raise ValueError("storey_pi0 needs at least one non-missing p-value")
    lam = METASTATS_LAMBDAS if lambdas is None else np.asarray(lambdas, dtype=float)
    pi0_hat = (arr[None, :] > lam[:, None]).sum(axis=1) / (arr.size * (1.0 - lam))
    fitted = smooth_spline_df(lam, pi0_hat, df=df)
    pi0 = float(fitted[np.argmax(lam)])
    if pi0 <= 0:
        return 1.0
    return min(pi0, 1.0) if cap else pi0


def storey_qvalues(p, lambdas=None, df: float = 3.0, cap_pi0: bool = True) -> np.ndarray:
    """Storey q-values with Metastats' pi0 estimate and step-up recursion.

    Parameters
    ----------
    p : array_like
        p-values in [0, 1]; NaN entries give NaN q-values and are not counted in m.
    lambdas, df, cap_pi0
        See :func:`storey_pi0`.

    Returns
    -------
    numpy.ndarray
        q-values in the input order.
    """
    arr = _as_pvalues(p)
    out = np.full(arr.shape, np.nan)
    ok = ~np.isnan(arr)
    if not ok.any():
        return out
    pi0 = storey_pi0(arr[ok], lambdas=lambdas, df=df, cap=cap_pi0)
    out[ok] = np.minimum(pi0 * stats.false_discovery_control(arr[ok], method="bh"), 1.0)
    return out


def benjamini_hochberg(p) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values, q_(i) = min_{k >= i} min(1, m p_(k) / k).

    Computed by ``scipy.stats.false_discovery_control(method="bh")``.

    Parameters
    ----------
    p : array_like
        p-values in [0, 1]; NaN entries stay NaN and are not counted in m.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values in the input order.
    """
    arr = _as_pvalues(p)
    out = np.full(arr.shape, np.nan)
    ok = ~np.isnan(arr)
    if ok.any():
        out[ok] = stats.false_discovery_control(arr[ok], method="bh")
    return out


def bonferroni(p) -> np.ndarray:
    """Bonferroni-adjusted p-values, min(m p, 1).

    Computed by ``statsmodels.stats.multitest.multipletests(method="bonferroni")``.

    Parameters
    ----------
    p : array_like
        p-values in [0, 1]; NaN entries stay NaN and are not counted in m.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values in the input order.
    """
    # Imported here: statsmodels is slow to import and only this function needs it.
    from statsmodels.stats.multitest import multipletests

    arr = _as_pvalues(p)
    out = np.full(arr.shape, np.nan)
    ok = ~np.isnan(arr)
    if ok.any():
        out[ok] = multipletests(arr[ok], method="bonferroni")[1]
    return out
