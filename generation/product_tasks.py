"""Celery tasks of creative products: routed by module to the `default` queue (CPU work)."""

from celery import shared_task

from . import rendering


@shared_task(name="generation.product_tasks.render_product")
def render_product(product_id: int) -> str:
    return rendering.product_render(product_id=product_id)
