"""How the cover search (``cover._BlockSearch._search``) finds each node's branching
configuration and its disjoint lower bound: recounting every uncovered configuration's
allowed candidates at each node (``Recounts``), or carrying the counts down the recursion
and updating only what a branch changes (``CarriedCounts``). Both give the same answers;
``counts_for`` picks the cheaper one for a block."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .cover_chart import _members

if TYPE_CHECKING:
    from .cover import _BlockSearch as BlockSearch

# a search carries its positions' candidate counts down (``CarriedCounts``) where no position
# has more candidates than the block's width / this; others recount at every node (``Recounts``)
CARRIED_COUNTS_WIDTH_SHARE = 4


class Recounts:
    """A node's branching position and bound from its positions' counts recounted
    (``_options``, ``_lower_bound``): for blocks whose positions have many candidates and
    whose nodes have few uncovered positions (random k = 16, n = 200: 69 configurations,
    380 candidates each on average)."""

    def __init__(self, search: BlockSearch):
        self.search = search

    def branch_position(self, uncovered: int, excluded: int, remaining: int) -> int | None:
        """The uncovered position with the fewest allowed candidates (the lowest at a tie),
        or None where the node is cut: a position has none, or the disjoint bound exceeds
        ``remaining``."""
        options = self.search._allowed_counts(uncovered, excluded)
        count, position = min(options)
        if count == 0 or self.search._lower_bound(options, excluded, remaining) > remaining:
            return None
        return position

    def exclude(self, pis: list[int], uncovered: int) -> list[int]:
        """Nothing is carried: the next node recounts."""
        return []

    def restore(self, positions: list[int]) -> None:
        """Nothing was carried."""


class CarriedCounts:
    """How many allowed (not excluded) candidate PIs each uncovered position of a block has,
    carried down one search from its root call: a branch changes only the positions of the
    PIs it excludes, so a node reads its fewest-candidate position and the disjoint bound
    off ``buckets`` (a position bitset per count) instead of recounting and sorting every
    uncovered position (the complex chart of random k = 12, n = 2,000 descends ~295 levels
    through a 735-configuration block). Counts are right for the positions uncovered at the
    current node; each node undoes its changes before it returns."""

    def __init__(self, search: BlockSearch, full: list[int], uncovered: int, excluded: int):
        self.candidates, self.pi_masks = search.candidates, search.pi_masks
        self.full = full  # per position, its candidates
        # per position, the complement of the positions its candidates cover (all allowed)
        self.outside: list[int | None] = [None] * len(full)
        self.partial: dict[int, tuple[int, int]] = {}  # position -> (some allowed candidates, outside)
        self.counts = [0] * len(full)
        self.buckets = [0] * (max(full) + 1)
        allowed = ~excluded
        for p in _members(uncovered):
            count = (self.candidates[p] & allowed).bit_count()
            self.counts[p] = count
            self.buckets[count] |= 1 << p

    def branch_position(self, uncovered: int, excluded: int, remaining: int) -> int | None:
        """``Recounts.branch_position``, the same answer from the buckets."""
        for count, bucket in enumerate(self.buckets):
            members = bucket & uncovered
            if members:
                break
        if count == 0 or self._disjoint_bound_exceeds(uncovered, excluded, count, remaining):
            return None
        return (members & -members).bit_length() - 1

    def _disjoint_bound_exceeds(self, uncovered: int, excluded: int, first: int, cap: int) -> bool:
        """Is ``_lower_bound`` above ``cap``? The same greedy (positions by count, then
        position; one taken when none of its allowed candidates is a taken one's), with
        the taken candidates held as the positions they cover: a position is passed over
        when it is among them, so only the taken positions cost a step. ``first``: the
        fewest count, at least 1 (a position covers itself, and none has fewer)."""
        rest, bound, counts, full, outside = uncovered, 0, self.counts, self.full, self.outside
        for bucket in self.buckets[first:]:
            open_ = bucket & rest
            while open_:
                bound += 1
                if bound > cap:
                    return True
                p = (open_ & -open_).bit_length() - 1
                if counts[p] == full[p]:
                    others = outside[p]
                    if others is None:
                        others = outside[p] = ~self._union(self.candidates[p])
                else:
                    others = self._outside_allowed(p, excluded)
                open_ &= others
                rest &= others
            if not rest:
                break
        return False

    def _outside_allowed(self, p: int, excluded: int) -> int:
        """The complement of the positions covered by p's allowed candidates, kept for the
        last set of them (a subtree excludes the same ones)."""
        available = self.candidates[p] & ~excluded
        last = self.partial.get(p)
        if last is not None and last[0] == available:
            return last[1]
        others = ~self._union(available)
        self.partial[p] = available, others
        return others

    def _union(self, pis: int) -> int:
        """Positions covered by ``pis``."""
        union, masks = 0, self.pi_masks
        for pi in _members(pis):
            union |= masks[pi]
        return union

    def exclude(self, pis: list[int], uncovered: int) -> list[int]:
        """Count ``pis`` out of their uncovered positions; returns those positions (once per
        PI) for ``restore``."""
        masks = self.pi_masks
        positions = [p for pi in pis for p in _members(masks[pi] & uncovered)]
        self._shift(positions, -1)
        return positions

    def restore(self, positions: list[int]) -> None:
        """Undo ``exclude``."""
        self._shift(positions, 1)

    def _shift(self, positions: list[int], delta: int) -> None:
        counts, buckets = self.counts, self.buckets
        for p in positions:
            count, bit = counts[p], 1 << p
            buckets[count] ^= bit
            count += delta
            counts[p] = count
            buckets[count] |= bit


def counts_for(search: BlockSearch, uncovered: int, excluded: int) -> CarriedCounts | Recounts:
    """The strategy for a search from this root (``CARRIED_COUNTS_WIDTH_SHARE``)."""
    full = [mask.bit_count() for mask in search.candidates]
    if max(full) * CARRIED_COUNTS_WIDTH_SHARE <= len(search.columns):
        return CarriedCounts(search, full, uncovered, excluded)
    return Recounts(search)
