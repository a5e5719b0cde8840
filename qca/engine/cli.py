"""Command line interface -- also the contract for external checks (see docs/qca.md).

    python -m qca.engine truthtable DATA.csv --outcome Y --conditions A,B,C [--negate-outcome]
        --incl-cut 0.8[,0.6] --n-cut 1 --pri-cut 0 --json
    python -m qca.engine minimize DATA.csv --outcome Y --conditions A,B,C --incl-cut 0.8
        --n-cut 1 --solution complex|parsimonious|intermediate [--dir-exp "A,~B,-,C"] --json
    python -m qca.engine necessity DATA.csv --outcome Y --conditions A,B,C --json

Errors go to stderr with exit status 2 (bad input) or 3 (nothing to compute).
"""

from __future__ import annotations

import argparse
import json
import sys

from .errors import QCAComputationError, QCAInputError
from .io import Dataset
from .minimize import minimize
from .necessity import necessity, superset_necessity
from .truthtable import truth_table


def _cuts(text: str) -> list[float]:
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number or pair of numbers: {text!r}") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m qca.engine", description="fsQCA engine (R QCA 3.25 definitions)")
    commands = parser.add_subparsers(dest="command", required=True)

    def common(sub):
        sub.add_argument("data", help="CSV with a header row and an optional first column 'case'")
        sub.add_argument("--outcome", required=True, help="outcome column; '~Y' for its negation, 'Y[1]' for a level")
        sub.add_argument("--conditions", required=True, help="comma-separated condition columns")
        sub.add_argument("--negate-outcome", action="store_true", help="explain the absence of the outcome")
        sub.add_argument("--json", action="store_true", help="print one JSON object")

    for name in ("truthtable", "minimize"):
        sub = commands.add_parser(name)
        common(sub)
        sub.add_argument("--incl-cut", type=_cuts, default=[1.0], help="ic1 or 'ic1,ic0' (contradictions)")
        sub.add_argument("--n-cut", type=int, default=1)
        sub.add_argument("--pri-cut", type=float, default=0.0)
    minimize_cmd = commands.choices["minimize"]
    minimize_cmd.add_argument("--solution", choices=["complex", "conservative", "parsimonious", "intermediate"],
                              default="complex")
    minimize_cmd.add_argument("--dir-exp", help='directional expectations, e.g. "A,~B,-,C" or "A, ~B*C"')
    minimize_cmd.add_argument("--row-dom", action="store_true", help="apply row dominance (R's row.dom)")
    minimize_cmd.add_argument("--all-sol", action="store_true", help="all irredundant models (R's all.sol)")
    minimize_cmd.add_argument("--max-models", type=int, default=None,
                              help="list at most this many models per solution (default: all, as R)")
    minimize_cmd.add_argument("--max-work", type=int, default=None,
                              help="search steps per PI-chart block (default: unbounded, as R's max.comb = 0)")
    minimize_cmd.add_argument("--no-csa", action="store_true", help="skip the contradictory-assumption check")

    nec = commands.add_parser("necessity")
    common(nec)
    nec.add_argument("--suin", action="store_true", help="also search necessary disjunctions (superSubset)")
    nec.add_argument("--incl-cut", type=float, default=0.9)
    nec.add_argument("--cov-cut", type=float, default=0.6)
    nec.add_argument("--ron-cut", type=float, default=0.0)
    nec.add_argument("--depth", type=int, default=None)
    return parser


def _print_table(headers: list[str], rows: list[list]) -> None:
    text = [[("" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in text)) if text else len(h) for i, h in enumerate(headers)]
    print("  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True)))
    for row in text:
        print("  ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)))


def _human(command: str, result) -> None:
    data = result.to_dict()
    if command == "truthtable":
        headers = [*data["conditions"], "OUT", "n", "incl", "PRI", "cases"]
        _print_table(["id", *headers], [[r["id"], *r["values"].values(), r["OUT"], r["n"], r["incl"], r["PRI"],
                                          ",".join(r["cases"])] for r in data["rows"]])
    elif command == "minimize":
        for model in data["models"]:
            print(f"{model['name']}: {' + '.join(model['terms'])} -> {data['outcome']}")
        _print_table(["term", "inclS", "PRI", "covS", "covU"],
                     [[t, f["inclS"], f["PRI"], f["covS"], f["covU"]] for t, f in data["terms"].items()])
    else:
        _print_table(["expression", "inclN", "RoN", "covN"],
                     [[r["expression"], r["inclN"], r["RoN"], r["covN"]] for r in data["rows"]])
    for warning in data.get("warnings", []):
        print(f"warning: {warning['message']}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        data = Dataset.from_csv(args.data)
        if args.command == "truthtable":
            result = truth_table(data, args.outcome, args.conditions, args.incl_cut, args.n_cut, args.pri_cut,
                                 args.negate_outcome)
        elif args.command == "minimize":
            tt = truth_table(data, args.outcome, args.conditions, args.incl_cut, args.n_cut, args.pri_cut,
                             args.negate_outcome)
            result = minimize(tt, args.solution, dir_exp=args.dir_exp, row_dom=args.row_dom,
                              all_sol=args.all_sol, max_models=args.max_models,
                              max_work=args.max_work, check_contradictions=not args.no_csa)
        elif args.suin:
            result = superset_necessity(data, args.outcome, args.conditions, args.incl_cut, args.cov_cut,
                                        args.ron_cut, args.depth, negate_outcome=args.negate_outcome)
        else:
            result = necessity(data, args.outcome, args.conditions, args.negate_outcome)
    except QCAInputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except QCAComputationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 3
    if args.json:
        json.dump(result.to_dict(), sys.stdout, indent=1, allow_nan=False)
        print()
    else:
        _human(args.command, result)
    return 0
