"""Bayesian non-parametric latent-class capture-recapture (Manrique-Vallier 2016).

The model of HRDAG's LCMCR package: each individual belongs to one of at most
``K`` latent classes; within a class, list memberships are independent with
probabilities ``lambda[j, k] ~ Beta(1, 1)``.  Class weights follow a truncated
stick-breaking prior ``V_k ~ Beta(1, alpha)`` (``V_K = 1``) with
``alpha ~ Gamma(a, b)`` (shape, rate).  The prior on the population size is
``p(N) ∝ 1/N``.  A Gibbs sampler with data augmentation alternates:

1. classes of the observed individuals (individuals with the same history are
   exchangeable, so their class counts are drawn from one multinomial per history);
2. the number never observed, ``n0 ~ NegBinomial(n, 1 - p0)`` where ``p0`` is the
   probability of being on no list, and their classes;
3. ``lambda``, the stick-breaking weights and ``alpha`` from their conditionals.

The sampler kernel is compiled with numba (``backend="numba"``); a vectorised
NumPy implementation of the same sampler (``backend="numpy"``) serves as the
reference.  Chains run in parallel threads.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

import numpy as np

from .data import CaptureHistories
from .diagnostics import effective_sample_size, split_rhat
from .errors import MSEError
from .results import Estimate, LcmcrSettings

__all__ = ["LcmcrPosterior", "fit_lcmcr", "run_chain"]

_V_MAX = 1.0 - 1e-12

try:  # numba is a project dependency, but keep the reference sampler usable without it
    import numba

    _HAVE_NUMBA = True
except ImportError:  # pragma: no cover - exercised only where numba is missing
    _HAVE_NUMBA = False


# --- NumPy reference sampler --------------------------------------------------


def _chain_numpy(
    hist: np.ndarray,
    counts: np.ndarray,
    k: int,
    a_alpha: float,
    b_alpha: float,
    burnin: int,
    samples: int,
    thinning: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    j = hist.shape[1]
    n = int(counts.sum())
    x = hist.astype(float)
    lam = rng.uniform(0.05, 0.95, size=(j, k))
    alpha = a_alpha / b_alpha
    v = rng.beta(1.0, alpha, size=k)
    v[-1] = 1.0
    pi = v * np.concatenate(([1.0], np.cumprod(1.0 - v[:-1])))
    out_n = np.empty(samples, dtype=np.int64)
    out_alpha = np.empty(samples)
    out_k = np.empty(samples, dtype=np.int64)
    total = burnin + samples * thinning
    kept = 0
    for sweep in range(total):
        log_lam = np.log(lam)
        log_not = np.log1p(-lam)
        logp = np.log(np.maximum(pi, 1e-300)) + x @ log_lam + (1.0 - x) @ log_not
        logp -= logp.max(axis=1, keepdims=True)
        prob = np.exp(logp)
        prob /= prob.sum(axis=1, keepdims=True)
        alloc = rng.multinomial(counts, prob)  # (m, k)
        p0k = pi * np.exp(log_not.sum(axis=0))
        p0 = min(p0k.sum(), 1.0 - 1e-15)
        n0 = int(rng.negative_binomial(n, 1.0 - p0))
        alloc0 = rng.multinomial(n0, p0k / p0k.sum())
        nk = alloc.sum(axis=0) + alloc0
        s = x.T @ alloc  # (j, k) number on list j in class k
        lam = rng.beta(1.0 + s, 1.0 + nk - s)
        lam = np.clip(lam, 1e-12, 1.0 - 1e-12)
        tail = np.concatenate((np.cumsum(nk[::-1])[::-1][1:], [0.0]))
        v = rng.beta(1.0 + nk, alpha + tail)
        v = np.minimum(v, _V_MAX)
        v[-1] = 1.0
        pi = v * np.concatenate(([1.0], np.cumprod(1.0 - v[:-1])))
        alpha = rng.gamma(a_alpha + k - 1, 1.0 / (b_alpha - np.log1p(-v[:-1]).sum()))
        if sweep >= burnin and (sweep - burnin + 1) % thinning == 0:
            out_n[kept] = n + n0
            out_alpha[kept] = alpha
            out_k[kept] = int((nk > 0).sum())
            kept += 1
    return out_n, out_alpha, out_k


# --- numba sampler ------------------------------------------------------------


def _chain_numba_py(
    hist: np.ndarray,
    counts: np.ndarray,
    k: int,
    a_alpha: float,
    b_alpha: float,
    burnin: int,
    samples: int,
    thinning: int,
    seed: int,
    out_n: np.ndarray,
    out_alpha: np.ndarray,
    out_k: np.ndarray,
) -> None:
    np.random.seed(seed)
    m, j = hist.shape
    n = 0
    for i in range(m):
        n += counts[i]
    lam = np.empty((j, k))
    for jj in range(j):
        for kk in range(k):
            lam[jj, kk] = np.random.uniform(0.05, 0.95)
    alpha = a_alpha / b_alpha
    v = np.empty(k)
    pi = np.empty(k)
    for kk in range(k):
        v[kk] = np.random.beta(1.0, alpha)
    v[k - 1] = 1.0
    rest = 1.0
    for kk in range(k):
        pi[kk] = v[kk] * rest
        rest *= 1.0 - v[kk]
    log_lam = np.empty((j, k))
    log_not = np.empty((j, k))
    logp = np.empty(k)
    base = np.empty(k)
    prob = np.empty(k)
    nk = np.zeros(k, dtype=np.int64)
    s = np.zeros((j, k), dtype=np.int64)
    p0k = np.empty(k)
    total = burnin + samples * thinning
    kept = 0
    for sweep in range(total):
        for jj in range(j):
            for kk in range(k):
                log_lam[jj, kk] = np.log(lam[jj, kk])
                log_not[jj, kk] = np.log1p(-lam[jj, kk])
        nk[:] = 0
        s[:, :] = 0
        # base[k] = log pi_k + log P(on no list | k); a history adds log-odds of its lists
        for kk in range(k):
            acc = np.log(max(pi[kk], 1e-300))
            for jj in range(j):
                acc += log_not[jj, kk]
            base[kk] = acc
        # 1. classes of the observed, one multinomial per history
        for i in range(m):
            best = -np.inf
            for kk in range(k):
                acc = base[kk]
                for jj in range(j):
                    if hist[i, jj] == 1:
                        acc += log_lam[jj, kk] - log_not[jj, kk]
                logp[kk] = acc
                if acc > best:
                    best = acc
            tot = 0.0
            for kk in range(k):
                prob[kk] = np.exp(logp[kk] - best)
                tot += prob[kk]
            # sequential binomials = multinomial(counts[i], prob / tot)
            left = counts[i]
            mass = 1.0
            for kk in range(k):
                if left == 0:
                    break
                p = prob[kk] / tot
                if kk == k - 1 or p >= mass:
                    c = left
                else:
                    c = np.random.binomial(left, min(p / mass, 1.0))
                mass -= p
                left -= c
                nk[kk] += c
                for jj in range(j):
                    if hist[i, jj] == 1:
                        s[jj, kk] += c
        # 2. the unobserved: how many, and their classes
        p0 = 0.0
        for kk in range(k):
            acc = 0.0
            for jj in range(j):
                acc += log_not[jj, kk]
            p0k[kk] = pi[kk] * np.exp(acc)
            p0 += p0k[kk]
        p0c = min(p0, 1.0 - 1e-15)
        n0 = np.random.negative_binomial(n, 1.0 - p0c)
        left = n0
        mass = 1.0
        for kk in range(k):
            if left == 0:
                break
            p = p0k[kk] / p0
            c = left if kk == k - 1 or p >= mass else np.random.binomial(left, min(p / mass, 1.0))
            mass -= p
            left -= c
            nk[kk] += c
        # 3. lambda, stick-breaking weights, alpha
        for jj in range(j):
            for kk in range(k):
                lv = np.random.beta(1.0 + s[jj, kk], 1.0 + nk[kk] - s[jj, kk])
                lam[jj, kk] = min(max(lv, 1e-12), 1.0 - 1e-12)
        tail = 0
        for kk in range(k - 1, -1, -1):
            if kk == k - 1:
                v[kk] = 1.0
            else:
                v[kk] = min(np.random.beta(1.0 + nk[kk], alpha + tail), _V_MAX)
            tail += nk[kk]
        rest = 1.0
        log_rest = 0.0
        for kk in range(k):
            pi[kk] = v[kk] * rest
            rest *= 1.0 - v[kk]
            if kk < k - 1:
                log_rest += np.log1p(-v[kk])
        alpha = np.random.gamma(a_alpha + k - 1, 1.0 / (b_alpha - log_rest))
        if sweep >= burnin and (sweep - burnin + 1) % thinning == 0:
            out_n[kept] = n + n0
            out_alpha[kept] = alpha
            occupied = 0
            for kk in range(k):
                if nk[kk] > 0:
                    occupied += 1
            out_k[kept] = occupied
            kept += 1


def _compile_kernel():
    """Compile the numba kernel, caching it on disk when a cache directory is writable.

    Compiling takes several seconds; the on-disk cache (``__pycache__`` beside this
    file, or ``NUMBA_CACHE_DIR``) makes later processes start at once.  When no
    cache location is usable the kernel is compiled without caching.
    """
    if not _HAVE_NUMBA:  # pragma: no cover
        return None
    try:
        return numba.njit(cache=True, nogil=True)(_chain_numba_py)
    except Exception:
        return numba.njit(cache=False, nogil=True)(_chain_numba_py)


_chain_numba = _compile_kernel()


def run_chain(
    ch: CaptureHistories,
    *,
    K: int = 10,
    a_alpha: float = 0.25,
    b_alpha: float = 0.25,
    burnin: int = 10000,
    samples: int = 1000,
    thinning: int = 10,
    seed: int = 0,
    backend: str = "numba",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run one chain; returns draws of N, alpha and the number of occupied classes."""
    hist = np.ascontiguousarray(ch.histories, dtype=np.int64)
    counts = np.ascontiguousarray(ch.counts, dtype=np.int64)
    if backend == "numba" and _chain_numba is not None:
        out_n = np.empty(samples, dtype=np.int64)
        out_alpha = np.empty(samples)
        out_k = np.empty(samples, dtype=np.int64)
        _chain_numba(
            hist,
            counts,
            K,
            float(a_alpha),
            float(b_alpha),
            burnin,
            samples,
            thinning,
            seed,
            out_n,
            out_alpha,
            out_k,
        )
        return out_n, out_alpha, out_k
    if backend not in ("numpy", "numba"):
        raise MSEError(f"backend must be 'numba' or 'numpy', got {backend!r}")
    return _chain_numpy(
        hist, counts, K, float(a_alpha), float(b_alpha), burnin, samples, thinning, seed
    )


@dataclass(frozen=True)
class LcmcrPosterior:
    """Posterior draws of N (``chains x samples``) with summaries and diagnostics."""

    observed: int
    n_draws: np.ndarray
    alpha_draws: np.ndarray
    k_draws: np.ndarray
    seed: int
    seeds: tuple[int, ...]
    seconds: float
    level: float = 0.95
    summary: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_draws(
        cls,
        observed: int,
        n_draws: np.ndarray,
        alpha_draws: np.ndarray,
        k_draws: np.ndarray,
        seed: int,
        seeds: Sequence[int],
        seconds: float,
        level: float = 0.95,
    ) -> LcmcrPosterior:
        flat = n_draws.ravel()
        tail = (1 - level) / 2
        summary = {
            "median": float(np.median(flat)),
            "mean": float(flat.mean()),
            "lower": float(np.quantile(flat, tail)),
            "upper": float(np.quantile(flat, 1 - tail)),
            "sd": float(flat.std(ddof=1)),
            "rhat": split_rhat(n_draws) if n_draws.shape[0] > 1 else float("nan"),
            "ess": effective_sample_size(n_draws),
            "rhat_alpha": split_rhat(alpha_draws) if n_draws.shape[0] > 1 else float("nan"),
            "occupied_classes_max": int(k_draws.max()),
            "occupied_classes_median": float(np.median(k_draws)),
        }
        if n_draws.shape[0] == 1:
            summary["rhat"] = split_rhat(n_draws)
        return cls(
            observed, n_draws, alpha_draws, k_draws, seed, tuple(seeds), seconds, level, summary
        )

    def cautions(self, k_max: int) -> list[str]:
        out = []
        rhat = self.summary["rhat"]
        if np.isfinite(rhat) and rhat > 1.05:
            out.append(f"chains disagree (R-hat {rhat:.3f} > 1.05): run longer or check the data")
        if self.summary["ess"] < 200:
            out.append(
                f"effective sample size of N is only {self.summary['ess']:.0f}; "
                "increase samples or thinning"
            )
        if self.summary["occupied_classes_max"] >= k_max:
            out.append(f"all {k_max} latent classes were used at some point; increase K")
        return out

    def to_estimate(self, cfg: LcmcrSettings) -> Estimate:
        s = self.summary
        return Estimate(
            observed=self.observed,
            estimate=s["median"],
            lower=s["lower"],
            upper=s["upper"],
            method="lcmcr",
            level=self.level,
            model=f"latent classes, K = {cfg.K}",
            se=s["sd"],
            settings=asdict(cfg),
            seed=self.seed,
            warnings=tuple(self.cautions(cfg.K)),
            details={
                "posterior_mean": s["mean"],
                "rhat": s["rhat"],
                "ess": s["ess"],
                "rhat_alpha": s["rhat_alpha"],
                "occupied_classes_median": s["occupied_classes_median"],
                "chain_seeds": list(self.seeds),
                "seconds": self.seconds,
                "interval": "equal-tailed posterior credible interval",
                "trace_N": self.n_draws.tolist(),
                "trace_alpha": self.alpha_draws.tolist(),
            },
        )


def chain_seeds(seed: int | None, chains: int) -> tuple[int, list[int]]:
    """Resolve the user seed (drawing one if None) and derive one seed per chain."""
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1)[0])
    children = np.random.SeedSequence(seed).spawn(chains)
    return seed, [int(c.generate_state(1)[0] & 0x7FFFFFFF) for c in children]


def fit_lcmcr(ch: CaptureHistories, cfg: LcmcrSettings | None = None) -> LcmcrPosterior:
    """Run ``cfg.chains`` chains (in parallel threads) and summarise the posterior of N."""
    cfg = cfg or LcmcrSettings()
    if cfg.K < 1 or cfg.samples < 4 or cfg.thinning < 1 or cfg.burnin < 0 or cfg.chains < 1:
        raise MSEError("need K >= 1, samples >= 4, thinning >= 1, burnin >= 0 and chains >= 1")
    if cfg.a_alpha <= 0 or cfg.b_alpha <= 0:
        raise MSEError("the gamma prior on alpha needs a_alpha > 0 and b_alpha > 0")
    seed, seeds = chain_seeds(cfg.seed, cfg.chains)
    start = time.perf_counter()

    def one(chain_seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return run_chain(
            ch,
            K=cfg.K,
            a_alpha=cfg.a_alpha,
            b_alpha=cfg.b_alpha,
            burnin=cfg.burnin,
            samples=cfg.samples,
            thinning=cfg.thinning,
            seed=chain_seed,
            backend=cfg.backend,
        )

    workers = max(1, min(cfg.chains, os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(one, seeds))
    seconds = time.perf_counter() - start
    n_draws = np.stack([r[0] for r in results])
    alpha_draws = np.stack([r[1] for r in results])
    k_draws = np.stack([r[2] for r in results])
    return LcmcrPosterior.from_draws(
        ch.observed, n_draws, alpha_draws, k_draws, seed, seeds, seconds, cfg.level
    )
