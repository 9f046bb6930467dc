"""MCMC convergence diagnostics: split R-hat and effective sample size.

Both follow Gelman et al., *Bayesian Data Analysis* (3rd ed., ch. 11) as Stan
computes them: R-hat on chains split in halves; the effective sample size from
the autocorrelations pooled over chains, truncated by Geyer's initial monotone
positive sequence.
"""

from __future__ import annotations

import numpy as np

__all__ = ["effective_sample_size", "split_rhat"]


def _as_chains(draws: np.ndarray) -> np.ndarray:
    x = np.asarray(draws, dtype=float)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2 or x.shape[1] < 4:
        raise ValueError("draws must be (chains, iterations) with at least 4 iterations")
    return x


def split_rhat(draws: np.ndarray) -> float:
    """Potential scale reduction factor on split chains; near 1 means the chains agree."""
    x = _as_chains(draws)
    half = x.shape[1] // 2
    parts = np.concatenate([x[:, :half], x[:, -half:]], axis=0)
    within = parts.var(axis=1, ddof=1).mean()
    between = half * parts.mean(axis=1).var(ddof=1)
    if within == 0:
        return 1.0 if between == 0 else float("inf")
    var_plus = (half - 1) / half * within + between / half
    return float(np.sqrt(var_plus / within))


def _autocov(x: np.ndarray) -> np.ndarray:
    n = x.size
    centred = x - x.mean()
    size = 1 << (2 * n - 1).bit_length()
    f = np.fft.rfft(centred, size)
    acov = np.fft.irfft(f * np.conjugate(f), size)[:n] / n
    return acov


def effective_sample_size(draws: np.ndarray) -> float:
    """Effective number of independent draws pooled over chains."""
    x = _as_chains(draws)
    m, n = x.shape
    acov = np.array([_autocov(chain) for chain in x])
    chain_var = acov[:, 0] * n / (n - 1)
    within = chain_var.mean()
    var_plus = within * (n - 1) / n
    if m > 1:
        var_plus += x.mean(axis=1).var(ddof=1)
    if var_plus == 0:
        return float(m * n)
    rho = 1.0 - (within - acov.mean(axis=0)) / var_plus
    rho[0] = 1.0
    # Geyer: sum pairs while positive, enforcing monotone decrease
    total = 0.0
    prev = np.inf
    t = 0
    while t + 1 < n:
        pair = rho[t] + rho[t + 1]
        if pair < 0:
            break
        pair = min(pair, prev)
        total += pair
        prev = pair
        t += 2
    tau = -1.0 + 2.0 * total
    tau = max(tau, 1.0 / np.log10(m * n + 10))
    return float(m * n / tau)
