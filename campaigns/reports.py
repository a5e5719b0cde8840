"""The campaign report as a PDF (reportlab): data in (`report_data`), bytes out (`report_pdf`).

One document per institution and period: the dissemination summary, the latest QCA result with its
configuration chart (Table 6 notation drawn as shapes: filled circle = present, crossed circle =
absent, large = core, small = peripheral), the campaigns of the period with each planned video's
recommendation, and featured creative products (their thumbnails when stored)."""

from __future__ import annotations

import io
import statistics
from datetime import date
from xml.sax.saxutils import escape

from django.db.models import OuterRef, Q, Subquery
from reportlab.graphics.shapes import Circle, Drawing, Line
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from dissemination.models import MetricSnapshot, Video
from dissemination.selectors import effects_as_of
from generation.models import CreativeProduct, JobStatus
from ichplatform.charts import INK, PALETTE
from qca import selectors as qca_selectors
from qca.models import AnalysisStatus

from .models import Campaign

RED = colors.HexColor(PALETTE[0])
GRID = colors.HexColor("#d0d7de")
CJK_FONT = "STSong-Light"


def _views_as_of(day: date):
    return Subquery(MetricSnapshot.objects.filter(video=OuterRef("pk"), captured_on__lte=day)
                    .order_by("-captured_on").values("views")[:1])


def report_data(*, institution, starts_on: date, ends_on: date) -> dict:
    """Everything the PDF shows, as plain data (also kept on the report row as its summary)."""
    videos = list(Video.objects.filter(institution=institution)
                  .annotate(views_end=_views_as_of(ends_on), views_start=_views_as_of(starts_on))
                  .values("pk", "title", "youtube_id", "published_at", "views_end", "views_start"))
    effects = effects_as_of(institution=institution, as_of=ends_on)
    effect = {int(k): float(v) for k, v in effects["effect"].dropna().items()} if len(effects) else {}
    published = [v for v in videos if v["published_at"] and starts_on <= v["published_at"].date() <= ends_on]
    top = sorted((v for v in videos if v["pk"] in effect), key=lambda v: -effect[v["pk"]])[:5]
    data = {
        "institution": institution.name, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(),
        "dissemination": {
            "videos": len(videos), "published_in_period": len(published),
            "views_gained": sum(max((v["views_end"] or 0) - (v["views_start"] or 0), 0) for v in videos),
            "median_effect": statistics.median(effect.values()) if effect else None,
            "top": [{"title": v["title"] or v["youtube_id"], "views": v["views_end"], "effect": effect[v["pk"]]}
                    for v in top],
        },
        "qca": None, "campaigns": [], "products": [],
    }
    analysis = (qca_selectors.finished_analyses(institution=institution)
                .filter(status=AnalysisStatus.FINISHED, finished_at__date__lte=ends_on)
                .prefetch_related("result__configurations", "study__conditions").first())
    if analysis is not None:
        result = analysis.result
        labels = {c.column: c.label for c in analysis.study.conditions.all()}
        configurations = list(result.configurations.all())
        supported = qca_selectors.strategy_summary(result)["supported"]
        data["qca"] = {
            "analysis": str(analysis), "study": str(analysis.study),
            "solution_consistency": result.solution_consistency, "solution_coverage": result.solution_coverage,
            "supported": supported["label"] if supported else None,
            "conditions": [{"column": c, "label": labels.get(c, c)} for c in analysis.conditions],
            "configurations": [{"position": c.position, "term": c.term, "strategy": c.get_strategy_display(),
                                "literals": c.literals, "consistency": c.consistency,
                                "raw_coverage": c.raw_coverage, "unique_coverage": c.unique_coverage}
                               for c in configurations],
        }
    campaigns = (Campaign.objects.filter(institution=institution, starts_on__lte=ends_on, ends_on__gte=starts_on)
                 .select_related("evidence_configuration").prefetch_related("planned_videos__recommendation"))
    for campaign in campaigns:
        data["campaigns"].append({
            "name": campaign.name, "goal": campaign.goal, "strategy": campaign.get_strategy_display(),
            "configuration": getattr(campaign.evidence_configuration, "term", ""),
            "plans": [{"title": p.title, "published": p.published_youtube_id,
                       "strategy": p.recommendation.get_strategy_display() if p.recommendation else "",
                       "changes": [c["text"] for c in (p.recommendation.changes if p.recommendation else [])]}
                      for p in campaign.planned_videos.all()],
        })
    products = CreativeProduct.objects.filter(institution=institution, status=JobStatus.DONE) \
        .select_related("source")
    featured = products.filter(Q(campaigns__in=campaigns)).distinct() or products
    data["products"] = [{"name": str(p), "kind": p.get_kind_display(), "thumbnail": p.thumbnail.name or ""}
                        for p in featured.order_by("-created_at")[:4]]
    return data


# -- rendering -------------------------------------------------------------------------------------
def _font(text: str) -> str | None:
    if any(ord(ch) > 0x2E7F for ch in text):
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont

        if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
        return CJK_FONT
    return None


def _para(text, style) -> Paragraph:
    text = "" if text is None else str(text)
    font = _font(text)
    return Paragraph(f'<font face="{font}">{escape(text)}</font>' if font else escape(text), style)


def _number(value, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _mark(present: bool, core: bool | None) -> Drawing:
    """Table 6 notation as shapes: ● present, ⊗ absent; large = core (or unknown), small = peripheral."""
    radius = 2.2 * mm if core is not False else 1.3 * mm
    size = 6 * mm
    drawing = Drawing(size, size)
    centre = size / 2
    if present:
        drawing.add(Circle(centre, centre, radius, fillColor=colors.HexColor(INK), strokeColor=None))
    else:
        drawing.add(Circle(centre, centre, radius, fillColor=None, strokeColor=colors.HexColor(INK),
                           strokeWidth=0.8))
        offset = radius * 0.7071
        drawing.add(Line(centre - offset, centre - offset, centre + offset, centre + offset, strokeWidth=0.8))
        drawing.add(Line(centre - offset, centre + offset, centre + offset, centre - offset, strokeWidth=0.8))
    return drawing


def _table(rows, widths=None, header=True) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [("GRID", (0, 0), (-1, -1), 0.4, GRID), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
             ("FONTSIZE", (0, 0), (-1, -1), 8.5)]
    if header:
        style += [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f6f4f0"))]
    table.setStyle(TableStyle(style))
    return table


def configuration_chart_table(qca: dict, styles) -> Table:
    header = [_para("Condition", styles["BodyText"])] + [
        _para(f"{c['position']} ({c['strategy'].split(' ')[0].rstrip(',')})", styles["BodyText"])
        for c in qca["configurations"]]
    rows = [header]
    for condition in qca["conditions"]:
        row = [_para(condition["label"], styles["BodyText"])]
        for configuration in qca["configurations"]:
            literal = configuration["literals"].get(condition["column"])
            row.append("" if literal is None else _mark(literal["present"], literal.get("core")))
        rows.append(row)
    for key, label in (("raw_coverage", "Raw coverage"), ("unique_coverage", "Unique coverage"),
                       ("consistency", "Consistency")):
        rows.append([label] + [_number(c[key]) for c in qca["configurations"]])
    table = _table(rows)
    table.setStyle(TableStyle([("ALIGN", (1, 0), (-1, -1), "CENTER")]))
    return table


def report_pdf(data: dict, *, media_open=None) -> bytes:
    """The report as PDF bytes. `media_open(name)` opens a stored thumbnail (None: no images)."""
    styles = getSampleStyleSheet()
    styles["Title"].textColor = RED
    buffer = io.BytesIO()
    title = f"{data['institution']}: report {data['starts_on']} – {data['ends_on']}"
    document = SimpleDocTemplate(buffer, pagesize=A4, title=title, author="ichplatform",
                                 leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm, bottomMargin=16 * mm)
    story = [_para(title, styles["Title"]), Spacer(1, 4 * mm), Paragraph("Dissemination", styles["Heading2"])]
    d = data["dissemination"]
    story.append(_table([["Videos", "Published in the period", "Views gained", "Median effect (end)"],
                         [d["videos"], d["published_in_period"], f"{d['views_gained']:,}",
                          _number(d["median_effect"])]]))
    if d["top"]:
        story += [Spacer(1, 3 * mm), Paragraph("Top videos by dissemination effect", styles["Heading4"]),
                  _table([["Video", "Views", "Effect"]] + [[_para(v["title"], styles["BodyText"]),
                                                           f"{v['views'] or 0:,}", _number(v["effect"])]
                                                          for v in d["top"]], widths=[110 * mm, 30 * mm, 25 * mm])]
    story.append(Paragraph("What spreads: fsQCA", styles["Heading2"]))
    qca = data["qca"]
    if qca:
        story.append(_para(f"{qca['analysis']} on {qca['study']}: solution consistency "
                           f"{_number(qca['solution_consistency'])}, coverage {_number(qca['solution_coverage'])}. "
                           f"The evidence supports: {qca['supported'] or 'no classified strategy'}.",
                           styles["BodyText"]))
        story += [Spacer(1, 2 * mm), configuration_chart_table(qca, styles),
                  Paragraph("Filled circle: condition present; crossed circle: absent; large: core, small: "
                            "peripheral; blank: does not matter.", styles["Italic"])]
    else:
        story.append(Paragraph("No finished analysis by the end of the period.", styles["BodyText"]))
    story.append(Paragraph("Campaigns and recommendations", styles["Heading2"]))
    if not data["campaigns"]:
        story.append(Paragraph("No campaign in the period.", styles["BodyText"]))
    for campaign in data["campaigns"]:
        story += [_para(f"{campaign['name']}: {campaign['strategy']}"
                        f"{' following ' + campaign['configuration'] if campaign['configuration'] else ''}",
                        styles["Heading4"]), _para(campaign["goal"], styles["BodyText"])]
        if campaign["plans"]:
            story.append(_table([["Planned video", "Recommended strategy", "Changes", "Published"]] + [
                [_para(p["title"], styles["BodyText"]), _para(p["strategy"], styles["BodyText"]),
                 _para("; ".join(p["changes"]) or "none needed", styles["BodyText"]), p["published"] or "—"]
                for p in campaign["plans"]], widths=[52 * mm, 40 * mm, 56 * mm, 26 * mm]))
    story.append(Paragraph("Featured creative products", styles["Heading2"]))
    if not data["products"]:
        story.append(Paragraph("No finished creative product yet.", styles["BodyText"]))
    for product in data["products"]:
        cells = [_para(f"{product['name']} ({product['kind']})", styles["BodyText"])]
        if media_open and product["thumbnail"]:
            try:
                with media_open(product["thumbnail"]) as handle:
                    cells.insert(0, Image(io.BytesIO(handle.read()), width=28 * mm, height=28 * mm,
                                          kind="proportional"))
            except (OSError, ValueError):
                pass  # a missing thumbnail leaves the name only; the report still renders
        story.append(_table([cells], header=False))
    document.build(story)
    return buffer.getvalue()
