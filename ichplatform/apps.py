from django.apps import AppConfig


class IchplatformConfig(AppConfig):
    """The project package doubles as an app for project-wide commands and tasks."""

    name = "ichplatform"
    verbose_name = "Platform"

    def ready(self):
        from . import data_version

        data_version.connect_signals()  # every write of an institution's data bumps its data version
