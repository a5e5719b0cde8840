"""Exports of a result, ready for a paper: the configuration chart as CSV, LaTeX and Markdown,
the whole result as JSON, and the calibrated data the engine CLI reproduces it from."""

from __future__ import annotations

import csv
import io
import json

from . import stored_results
from .selectors import configuration_chart

# Text forms of the Table 6 marks: core conditions large, peripheral small, blank = don't care.
TEXT_MARKS = {("present", True): "CORE-PRESENT", ("absent", True): "CORE-ABSENT",
              ("present", False): "present", ("absent", False): "absent"}
LATEX_MARKS = {("present", True): r"{\Large$\bullet$}", ("absent", True): r"{\Large$\otimes$}",
               ("present", False): r"$\bullet$", ("absent", False): r"$\otimes$"}
MARKDOWN_MARKS = {("present", True): "**●**", ("absent", True): "**⊗**", ("present", False): "●",
                  ("absent", False): "⊗"}


def _fmt(value) -> str:
    return "" if value is None else f"{value:.3f}"


def _grid(result, marks: dict) -> tuple[list[str], list[list[str]]]:
    chart = configuration_chart(result)
    header = ["Condition"] + [str(c.position) for c in chart["configurations"]]
    rows = [[row.label] + [marks.get((cell.state, bool(cell.core)), "") for cell in row.cells]
            for row in chart["rows"]]
    configurations = chart["configurations"]
    rows.append(["Raw coverage"] + [_fmt(c.raw_coverage) for c in configurations])
    rows.append(["Unique coverage"] + [_fmt(c.unique_coverage) for c in configurations])
    rows.append(["Consistency"] + [_fmt(c.consistency) for c in configurations])
    rows.append(["Solution coverage", _fmt(result.solution_coverage)] + [""] * (len(configurations) - 1))
    rows.append(["Solution consistency", _fmt(result.solution_consistency)] + [""] * (len(configurations) - 1))
    return header, rows


def chart_csv(result) -> str:
    header, rows = _grid(result, TEXT_MARKS)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def chart_markdown(result) -> str:
    header, rows = _grid(result, MARKDOWN_MARKS)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    lines.append("")
    lines.append("Bold ● / ⊗: core condition present / absent; plain: peripheral; blank: does not matter.")
    return "\n".join(lines) + "\n"


def _latex_escape(text: str) -> str:
    for char, replacement in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("_", r"\_"),
                              ("#", r"\#"), ("$", r"\$"), ("{", r"\{"), ("}", r"\}")):
        text = text.replace(char, replacement)
    return text


def chart_latex(result) -> str:
    header, rows = _grid(result, LATEX_MARKS)
    columns = "l" + "c" * (len(header) - 1)
    lines = [r"\begin{tabular}{" + columns + "}", r"\hline",
             " & ".join(_latex_escape(h) for h in header) + r" \\", r"\hline"]
    for row in rows:
        cells = [_latex_escape(row[0])] + row[1:]
        lines.append(" & ".join(cells) + r" \\")
    lines += [r"\hline", r"\end{tabular}", "% large bullet/otimes: core present/absent; small: peripheral; "
              "blank: does not matter"]
    return "\n".join(lines) + "\n"


def result_json(result) -> str:
    """The whole result. `solutions` as the engine wrote them (solutions_format 1), or pooled as stored
    (solutions_format 2, docs/qca.md) when that form would exceed QCA_EXPANDED_MAX_BYTES."""
    analysis = result.analysis
    solutions_format, solutions = stored_results.for_output(result.solutions)
    document = {
        "study": {"id": analysis.study_id, "name": analysis.study.name, "checksum": analysis.study.checksum,
                  "source": analysis.study.source, "as_of": str(analysis.study.as_of or ""),
                  "codebook_version": analysis.study.codebook_version},
        "analysis": {"id": analysis.pk, "outcome": analysis.outcome_label, "conditions": analysis.conditions,
                     "incl_cut": analysis.incl_cut, "n_cut": analysis.n_cut, "pri_cut": analysis.pri_cut,
                     "dir_exps": analysis.dir_exps, "calibrations": analysis.calibrations},
        "necessity": result.necessity, "truth_table": result.truth_table,
        "solutions_format": solutions_format, "solutions": solutions,
        "configuration_chart": result.configuration_chart, "robustness": result.robustness,
        "configurations": [{"position": c.position, "term": c.term, "literals": c.literals,
                            "raw_coverage": c.raw_coverage, "unique_coverage": c.unique_coverage,
                            "consistency": c.consistency, "strategy": c.strategy}
                           for c in result.configurations.all()],
        "warnings": result.warnings, "cli_command": result.cli_command,
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def calibrated_csv(result) -> str:
    """The calibrated memberships the engine CLI command reads (first column: case)."""
    data = result.memberships
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["case", *data["columns"]])
    for case, row in zip(data["cases"], data["rows"], strict=True):
        writer.writerow([case, *(f"{v:.6g}" for v in row)])
    return buffer.getvalue()


EXPORTS = {  # kind -> (builder, content type, file extension)
    "csv": (chart_csv, "text/csv", "csv"),
    "markdown": (chart_markdown, "text/markdown", "md"),
    "latex": (chart_latex, "application/x-tex", "tex"),
    "json": (result_json, "application/json", "json"),
    "data": (calibrated_csv, "text/csv", "csv"),
}
