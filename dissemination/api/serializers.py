"""DRF serializers of the Dissemination area."""
