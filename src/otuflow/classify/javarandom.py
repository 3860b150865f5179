"""Bit-exact port of ``java.util.Random`` for the bootstrap word draws.

The RDP Classifier re-seeds one ``java.util.Random`` with seed 1 before each query and draws word
positions with ``nextInt(goodWordCount)``. Reproducing that generator lets otuflow draw the very
same bootstrap samples as RDP 2.10 (``seed=1``), so confidences agree trial for trial; any other
seed gives a different, still deterministic, stream.
"""

from __future__ import annotations

import numpy as np

_MULT = 0x5DEECE66D
_ADD = 0xB
_MASK = (1 << 48) - 1


class JavaRandomStream:
    """The ``next(31)`` outputs of ``java.util.Random(seed)``, generated once and reused.

    Parameters
    ----------
    seed : int
        Seed as passed to ``new Random(seed)`` / ``setSeed(seed)``.
    """

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self._state = (self.seed ^ _MULT) & _MASK
        self._values = np.zeros(0, dtype=np.int64)

    def _extend(self, n: int) -> None:
        out = np.empty(n, dtype=np.int64)
        state = self._state
        for i in range(n):
            state = (state * _MULT + _ADD) & _MASK
            out[i] = state >> 17
        self._state = state
        self._values = np.concatenate((self._values, out))

    def next31(self, n: int) -> np.ndarray:
        """Return the first ``n`` values of ``next(31)`` after seeding."""
        if self._values.size < n:
            self._extend(max(n - self._values.size, 4096))
        return self._values[:n]

    def next_ints(self, bound: int, count: int) -> np.ndarray:
        """Return the first ``count`` results of ``nextInt(bound)`` after seeding.

        Parameters
        ----------
        bound : int
            Exclusive upper bound (> 0).
        count : int
            Number of draws.
        """
        if bound <= 0:
            raise ValueError(f"bound must be positive, got {bound}")
        if bound & (bound - 1) == 0:
            return (bound * self.next31(count)) >> 31
        raw = self.next31(count)
        vals = raw % bound
        # Java rejects u when u - u % bound + (bound - 1) overflows a signed 32-bit int
        reject = raw - vals + (bound - 1) >= 2**31
        if not reject.any():
            return vals
        out = np.empty(count, dtype=np.int64)
        pos = 0
        i = 0
        while i < count:
            u = int(self.next31(pos + 1)[pos])
            pos += 1
            r = u % bound
            if u - r + bound - 1 >= 2**31:
                continue
            out[i] = r
            i += 1
        return out
