"""Array helpers for PI-chart solving (``cover``): the PIs of a block as a bit-packed matrix,
sums of dual weights over many PIs at once, and the reduced chart that decides a block's
minimum size.

Sums of weights must be *bit-identical* to ``sum(weights[p] for p in positions)`` (Python
3.11's ``sum`` adds floats left to right): they order the branches of the enumeration and
decide reduced-cost fixing, so a different rounding could change which models a bounded
run lists. ``np.cumsum`` adds strictly left to right, and adding the 0.0 of a position not
in the set leaves a float unchanged, so the last cumulative sum over a row of
``weight or 0.0`` is that same number (``np.sum`` adds pairwise and is not).
"""

from __future__ import annotations

import numpy as np

SUM_BLOCK_CELLS = 1 << 22  # (PIs x positions) float cells per temporary (32 MiB)


def packed_masks(masks: list[int], width: int) -> np.ndarray:
    """Python-int bitsets (bit p = position p) as a (len(masks), ceil(width / 8)) uint8
    matrix, little-endian bit order (one bytes join, no per-bit work)."""
    size = max(1, (width + 7) // 8)
    raw = b"".join(mask.to_bytes(size, "little") for mask in masks)
    return np.frombuffer(raw, dtype=np.uint8).reshape(len(masks), size)


def block_pi_masks(chart: np.ndarray, block: list[int]) -> dict[int, int]:
    """PI -> Python-int bitset of the ``block`` columns it covers (bit i = ``block[i]``), PIs
    ascending, covering none left out; in row chunks, so the temporary copy stays small
    however large the chart."""
    masks: dict[int, int] = {}
    step = max(1, SUM_BLOCK_CELLS // max(1, len(block)))
    for start in range(0, len(chart), step):
        sub = chart[start:start + step][:, block]
        rows = np.flatnonzero(sub.any(axis=1))
        packed = np.packbits(sub[rows], axis=1, bitorder="little")
        raw, width = packed.tobytes(), packed.shape[1]
        for index, row in enumerate(rows.tolist()):
            masks[start + row] = int.from_bytes(raw[index * width:(index + 1) * width], "little")
    return masks


def sequential_weight_sums(packed_rows: np.ndarray, weights: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """For each packed row (a PI's positions), the sum of ``weights`` over its positions
    among ``positions`` (ascending), added left to right as Python's ``sum`` does."""
    count = len(packed_rows)
    if count == 0 or len(positions) == 0:
        return np.zeros(count)
    width = int(positions[-1]) + 1
    selected = weights[positions]
    step = max(1, SUM_BLOCK_CELLS // len(positions))
    sums = np.empty(count)
    for start in range(0, count, step):
        bits = np.unpackbits(packed_rows[start:start + step], axis=1, count=width, bitorder="little")
        values = np.where(bits[:, positions].view(bool), selected, 0.0)
        sums[start:start + step] = np.cumsum(values, axis=1)[:, -1]
    return sums


def size_chart(packed_rows: np.ndarray) -> np.ndarray:
    """Rows (PIs) that suffice for the minimum cover *size* with unit costs: one of each set
    of PIs with equal configurations (the lowest), and no PI whose configurations are a
    strict subset of another's (replacing it by that PI keeps a cover and its size; the
    maximal PIs always stay). Not for enumerating all minimum covers, which may use the
    dropped PIs. Returns the kept row indices, ascending.

    A superset of PI j must also cover j's rarest configuration, so j is compared only with
    the PIs of that configuration, all of j's group at once (one array operation per
    configuration, not per PI)."""
    count, nbytes = packed_rows.shape
    words = np.ascontiguousarray(np.pad(packed_rows, ((0, 0), (0, -nbytes % 8)))).view(np.uint64)
    _, first = np.unique(words, axis=0, return_index=True)
    unique = np.sort(first)
    words = words[unique]
    bits = np.unpackbits(packed_rows[unique], axis=1, bitorder="little").view(bool)
    frequency = bits.sum(axis=0)
    rarest = np.where(bits, frequency, np.iinfo(np.int64).max).argmin(axis=1)
    empty = ~bits.any(axis=1)
    dominated = empty & ~empty.all()  # an empty row is a strict subset of any other (rows distinct)
    for position in np.unique(rarest[~empty]).tolist():
        group = np.flatnonzero((rarest == position) & ~empty)
        holders = np.flatnonzero(bits[:, position])
        step = max(1, SUM_BLOCK_CELLS // (len(holders) * words.shape[1]))
        for start in range(0, len(group), step):
            part = group[start:start + step]
            own = words[part][:, None, :]
            inside = ((words[holders][None, :, :] & own) == own).all(axis=2)
            inside &= holders[None, :] != part[:, None]  # rows are distinct: subset = strict
            dominated[part] = inside.any(axis=1)
    return unique[~dominated]
