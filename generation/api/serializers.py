"""DRF serializers of the Generation area."""
