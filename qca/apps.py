from django.apps import AppConfig


class QcaConfig(AppConfig):
    name = "qca"
    verbose_name = "Learn (fsQCA)"
