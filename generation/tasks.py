"""Celery tasks of the Generation area: thin wrappers that load by id and call a service.

Routed by module (see ichplatform/celery.py)."""
