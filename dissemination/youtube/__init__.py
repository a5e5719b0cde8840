"""Framework-free access to the YouTube Data API v3.

Nothing in this package imports Django: the Django services in
``dissemination.services`` call these functions and persist what they yield.
"""
