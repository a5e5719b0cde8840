"""Celery tasks of the Dissemination area: thin wrappers that load by id and call a service.

Routed by module (see ichplatform/celery.py)."""
