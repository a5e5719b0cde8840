"""How an analysis's solutions are stored: format 2, the engine's output with repeated lists pooled.

The engine's ``to_dict(pi_chart_matrix=False)`` of one solution kind ("format 1", what older results
hold) repeats the same lists per model and per intermediate CiPj pair: simplifying assumptions,
easy/difficult counterfactuals, PI chart covers, model terms and their fits. A bounded result with
massive model ambiguity is ~100-550 MB of JSON that way, past PostgreSQL's jsonb limit (256 MiB).
Format 2 stores every distinct list once, in a pool, and puts its index where it stood::

    {"format": 2,
     "expanded_bytes": <bytes of the format 1 document as compact JSON>,
     "pools": {"rows":  [[row id, ...] | {"of": i, "add": [...], "drop": [...]}, ...],
                   # SA values, EC, DC, PIchart configurations and covers, contradictory_simplifying_assumptions
               "terms": [[term, ...], ...],         # models' terms, essential, PIchart PIs, c_sol, p_sol
               "fits":  [{term, inclS, PRI, covS, covU}, ...]},   # one term's fit within a model
     "results": {kind: <format 1 result of that kind with those fields as pool indexes>}}

Only the fields in ROW_FIELDS / TERM_FIELDS below become an index; a PI chart's ``covers`` and a
model's ``terms_fit`` become lists of indexes (into "rows" and "fits"), ``SA`` a {model: index}
map. A field that is null stays null and any other field is stored as the engine wrote it, so
``expand(compact(d)) == d`` for every document.

A rows item ``{"of": i, "add": A, "drop": D}`` is the increasing list ``sorted(set(rows[i]) - D | A)``
(rows[i] itself possibly such an item, always of a smaller index): the 64 models of one CiPj pair
assume ~13,000 remainders each at latent k = 16 and differ in a handful, so each is stored as its
difference from the pair's first model or from the pair's easy counterfactuals (EC, itself stored
as its difference from the previous pair's), when that difference is under a quarter of the list.

Lists are pooled by identity first (the engine hands the same list object to every model or pair
that shares it, so most lookups are one dict probe) and by value when the identity is new (the
covers and fits are made afresh per solution). An expanded document shares the pool's objects
between the places that referenced them: readers must not change what they read.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable

from django.conf import settings

FORMAT = 2

# field -> pool, in a model (top-level or a solution's), a solution, its PI chart, and a kind's result
TERM_FIELDS = {"terms": "terms", "essential": "terms", "PIs": "terms", "c_sol": "terms", "p_sol": "terms"}
ROW_FIELDS = {"EC": "rows", "DC": "rows", "configurations": "rows", "contradictory_simplifying_assumptions": "rows"}
POOLS = ("rows", "terms", "fits")
_SEPARATORS = (",", ":")


def is_compact(document: dict) -> bool:
    return isinstance(document, dict) and document.get("format") == FORMAT


class _Pool:
    """Distinct lists, each stored once; `ref` answers a list's index and counts the reference."""

    def __init__(self, key: Callable[[list], tuple], by_identity: bool = True):
        self.by_identity = by_identity  # False where every value is a fresh object (the fits): no id() to probe
        self.items: list = []  # the values as given
        self.stored: list = []  # what the document holds for each (the value, or a _RowPool delta)
        self.references: list[int] = []  # per item: how often the results point to it
        self._key = key
        self._by_id: dict[int, int] = {}
        self._by_key: dict[tuple, int] = {}
        self._alive: list = []  # every list seen stays referenced, so no id() is reused during the walk

    def ref(self, value) -> int:
        return self._ref(value)[0]

    def _ref(self, value) -> tuple[int, bool]:
        created = False
        index = self._by_id.get(id(value)) if self.by_identity else None
        if index is None:
            key = self._key(value)
            index = self._by_key.get(key)
            if index is None:
                index = self._by_key[key] = len(self.items)
                self.items.append(value)
                self.stored.append(value)
                self.references.append(0)
                created = True
            if self.by_identity:
                self._by_id[id(value)] = index
                self._alive.append(value)
        self.references[index] += 1
        return index, created


class _RowPool(_Pool):
    """Row-id lists; a new increasing list close to an earlier one (a model's simplifying assumptions and
    its pair's easy counterfactuals: ~13,000 row ids that differ in a handful) is stored as that one's
    index and the difference, {"of": index, "add": [...], "drop": [...]}."""

    def __init__(self):
        super().__init__(_row_key)
        self._sets: dict[int, set | None] = {}  # index -> its rows as a set, None when not increasing ints

    def ref(self, value, bases: tuple = ()) -> int:
        index, created = self._ref(value)
        if created and bases:
            self._delta(index, value, [base for base in bases if base is not None and base != index])
        return index

    def _as_set(self, index: int) -> set | None:
        if index not in self._sets:
            rows = self.items[index]
            self._sets[index] = set(rows) if _increasing_ints(rows) else None
        return self._sets[index]

    def _delta(self, index: int, rows: list, bases: list[int]) -> None:
        mine = self._as_set(index)
        if mine is None:
            return
        best = None
        for base in bases:
            theirs = self._as_set(base)
            if theirs is None:
                continue
            add, drop = sorted(mine - theirs), sorted(theirs - mine)  # both lists increase: their order
            if 4 * (len(add) + len(drop)) < len(rows) and (best is None or len(add) + len(drop) < best[0]):
                best = (len(add) + len(drop), {"of": base, "add": add, "drop": drop})
                if best[0] <= 16:  # small enough: the next base (a pair's EC after its first model) is not tried
                    break
        if best is not None:
            self.stored[index] = best[1]


def _increasing_ints(rows: list) -> bool:
    """Strictly increasing ints (no bools): then the rows are exactly sorted(set(rows)), as a delta rebuilds them."""
    return set(map(type, rows)) <= {int} and all(map(operator.lt, rows, rows[1:]))


def _fit_key(fit: dict) -> tuple:
    # type-tagged values: 1 == 1.0 == True in a tuple, but they are different JSON
    return tuple(fit.items()), tuple(map(type, fit.values()))


def _row_key(rows: list) -> tuple:
    return tuple(rows) if set(map(type, rows)) <= {int} else (tuple(rows), tuple(map(type, rows)))


def _term_key(terms: list) -> tuple:
    return tuple(terms)


class _Walker:
    """The shape of one kind's result: its models, each solution's models (their `terms_fit`), charts and SA."""

    def swap(self, item: dict) -> dict:
        raise NotImplementedError

    def fit(self, value):
        raise NotImplementedError

    def cover(self, value):
        raise NotImplementedError

    def assumptions(self, assumed: dict, solution: dict) -> dict:
        """A solution's SA map ({model: rows}); `solution` is the output so far."""
        raise NotImplementedError

    def solution(self, solution: dict) -> dict:
        out = self.swap(solution)
        out["models"] = [self.model(model) for model in solution.get("models", [])]
        chart = solution.get("PIchart")
        if isinstance(chart, dict):
            out["PIchart"] = self.swap(chart)
            if isinstance(chart.get("covers"), list):
                out["PIchart"]["covers"] = [self.cover(cover) for cover in chart["covers"]]
        if isinstance(solution.get("SA"), dict):
            out["SA"] = self.assumptions(solution["SA"], out)
        return out

    def result(self, result: dict) -> dict:
        if not isinstance(result, dict) or "solutions" not in result:  # {"error": ...} of a kind
            return result
        out = self.swap(result)
        if isinstance(result.get("models"), list):
            out["models"] = [self.model(model) for model in result["models"]]
        out["solutions"] = [self.solution(solution) for solution in result["solutions"]]
        return out

    def model(self, model: dict) -> dict:
        out = self.swap(model)
        if isinstance(model.get("terms_fit"), list):
            out["terms_fit"] = [self.fit(fit) for fit in model["terms_fit"]]
        return out


class _Encoder(_Walker):
    def __init__(self):
        self.pools = {"rows": _RowPool(), "terms": _Pool(_term_key), "fits": _Pool(_fit_key, by_identity=False)}
        self.fields = {**TERM_FIELDS, **ROW_FIELDS}
        self.previous: dict[str, int] = {}  # field -> index of the last solution's list (EC, DC: a base)

    def swap(self, item: dict) -> dict:
        """`item` with its pooled fields as indexes (same key order)."""
        out = {}
        for key, value in item.items():
            pool = self.fields.get(key)
            if pool == "rows" and isinstance(value, list):
                out[key] = self.pools["rows"].ref(value, (self.previous.get(key),))
                self.previous[key] = out[key]
            else:
                out[key] = self.pools[pool].ref(value) if pool and isinstance(value, list) else value
        return out

    def fit(self, value):
        return self.pools["fits"].ref(value)

    def cover(self, value):
        return self.pools["rows"].ref(value)

    def assumptions(self, assumed: dict, solution: dict) -> dict:
        # each model's list against the solution's first model or its EC, so close lists become differences
        rows, first, references = self.pools["rows"], None, {}
        easy = solution.get("EC") if isinstance(solution.get("EC"), int) else None
        for model, rows_assumed in assumed.items():
            references[model] = rows.ref(rows_assumed, (first, easy))
            first = references[model] if first is None else first
        return references


def compact_with_text(solutions: dict) -> tuple[dict, str]:
    """The format 2 document of a format 1 one (as computed, or as stored) and its JSON text.

    The text is made in parts (each pooled list once) so that the expanded size costs no second
    serialisation: each reference adds its list's JSON less the index's digits."""
    if is_compact(solutions):
        return solutions, json.dumps(solutions, separators=_SEPARATORS)
    encoder = _Encoder()
    results = {kind: encoder.result(result) for kind, result in solutions.items()}
    results_text = json.dumps(results, separators=_SEPARATORS, default=str)
    expanded = len(results_text)
    pool_texts = {}
    for name in POOLS:
        pool = encoder.pools[name]
        texts = [json.dumps(item, separators=_SEPARATORS, default=str) for item in pool.stored]
        lengths = _expanded_lengths(pool.stored, texts) if name == "rows" else map(len, texts)
        expanded += sum(count * (length - len(str(index)))
                        for index, (length, count) in enumerate(zip(lengths, pool.references, strict=True)))
        pool_texts[name] = "[" + ",".join(texts) + "]"
    pools = {name: encoder.pools[name].stored for name in POOLS}
    document = {"format": FORMAT, "expanded_bytes": expanded, "pools": pools, "results": results}
    text = (f'{{"format":{FORMAT},"expanded_bytes":{expanded},"pools":{{'
            + ",".join(f'"{name}":{pool_texts[name]}' for name in POOLS) + f'}},"results":{results_text}}}')
    return document, text


def _expanded_lengths(stored: list, texts: list[str]) -> list[int]:
    """JSON length of each row list as given: a delta's from its base's count and digits (an int list's
    JSON is its digits, n - 1 commas and two brackets), without writing the list out."""
    lengths, shape = [], []  # shape: (count, characters of the numbers) per item
    for item, text in zip(stored, texts, strict=True):
        if isinstance(item, dict):
            count, digits = shape[item["of"]]
            count += len(item["add"]) - len(item["drop"])
            digits += sum(len(str(row)) for row in item["add"]) - sum(len(str(row)) for row in item["drop"])
            lengths.append(2 + digits + max(count - 1, 0))
        else:
            count, digits = len(item), len(text) - 2 - max(len(item) - 1, 0)
            lengths.append(len(text))
        shape.append((count, digits))
    return lengths


def compact(solutions: dict) -> dict:
    return compact_with_text(solutions)[0]


class _Decoder(_Walker):
    def __init__(self, pools: dict):
        self.pools = {**pools, "rows": _Rows(pools["rows"])}
        self.fields = {**TERM_FIELDS, **ROW_FIELDS}

    def swap(self, item: dict) -> dict:
        out = {}
        for key, value in item.items():
            pool = self.fields.get(key)
            out[key] = self.pools[pool][value] if pool and isinstance(value, int) else value
        return out

    def fit(self, value):
        return self.pools["fits"][value]

    def cover(self, value):
        return self.pools["rows"][value]

    def assumptions(self, assumed: dict, solution: dict) -> dict:
        return {model: self.pools["rows"][index] for model, index in assumed.items()}


class _Rows:
    """The rows pool, its deltas rebuilt when first asked for (each once: pairs share them)."""

    def __init__(self, stored: list):
        self._stored = stored
        self._built: dict[int, list] = {}

    def __getitem__(self, index: int) -> list:
        item = self._stored[index]
        if not isinstance(item, dict):
            return item
        if index not in self._built:
            base = set(self[item["of"]]).difference(item["drop"])
            self._built[index] = sorted(base.union(item["add"]))
        return self._built[index]


def expand(document: dict) -> dict:
    """The format 1 document ({kind: engine output}) of a stored one, of either format."""
    if not is_compact(document):
        return document
    decoder = _Decoder(document["pools"])
    return {kind: decoder.result(result) for kind, result in document["results"].items()}


def expanded_bytes(document: dict) -> int:
    """Bytes of the format 1 document as compact JSON (measured for a format 1 one)."""
    if is_compact(document):
        return document["expanded_bytes"]
    return len(json.dumps(document, separators=_SEPARATORS, default=str))


def solution_of(document: dict, kind: str) -> dict:
    """One kind's engine output ({} when the analysis has none), expanded; the other kinds stay pooled."""
    if not is_compact(document):
        return document.get(kind, {})
    result = document["results"].get(kind)
    return _Decoder(document["pools"]).result(result) if result is not None else {}


def models_of(document: dict, kind: str) -> tuple[dict, list[tuple[str, dict]]]:
    """(the kind's result without its solutions, [(CiPj or model name, model with terms_fit)]) in the
    engine's order, without rebuilding row lists (SA, EC, DC, chart covers): what the result page shows."""
    if is_compact(document):
        result, decoder = document["results"].get(kind), _Decoder(document["pools"])
    else:
        result, decoder = document.get(kind), None
    if not isinstance(result, dict) or "solutions" not in result:
        return result or {}, []
    named = []
    for solution in result["solutions"]:
        models = solution.get("models", [])
        for model in models:
            model = decoder.model(model) if decoder else model
            label = solution["name"] if len(models) == 1 else f"{solution['name']}-{model['name']}"
            named.append((label if len(result["solutions"]) > 1 or len(models) > 1 else "", model))
    return {key: value for key, value in result.items() if key not in ("solutions", "models")}, named


def for_output(document: dict, *, compact_requested: bool = False) -> tuple[int, dict]:
    """(format, solutions) for the API and the JSON export: the engine's own form (format 1) unless
    compact is asked for or that form would exceed settings.QCA_EXPANDED_MAX_BYTES (then format 2, as
    stored). A format 1 row is handed out as stored unless compact is asked for (it was at most
    QCA_RESULT_MAX_BYTES when stored, as before format 2)."""
    if compact_requested:
        return FORMAT, compact(document)
    if not is_compact(document):
        return 1, document
    if document["expanded_bytes"] > settings.QCA_EXPANDED_MAX_BYTES:
        return FORMAT, document
    return 1, expand(document)
