"""Thin Celery tasks of the Campaigns area (routed to the `default` queue by module)."""

from celery import shared_task


@shared_task(name="campaigns.tasks.render_report")
def render_report(report_id: int) -> str:
    from .services import report_render

    report = report_render(report_id=report_id)
    return getattr(report, "status", "missing")


@shared_task(name="campaigns.tasks.sweep_product_requests")
def sweep_product_requests() -> list[int]:
    from .product_requests import product_requests_sweep

    return product_requests_sweep()
