"""API views of the Learn (fsQCA) area; registered on the /api/v1/ router in api/urls.py."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()
