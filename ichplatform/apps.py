from django.apps import AppConfig


class IchplatformConfig(AppConfig):
    """The project package doubles as an app for project-wide commands and tasks."""

    name = "ichplatform"
    verbose_name = "Platform"
