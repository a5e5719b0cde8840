"""API views of the Dissemination area; registered on the /api/v1/ router in api/urls.py."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()
