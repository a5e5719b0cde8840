"""DRF serializers of the Learn (fsQCA) area."""
