"""The base viewset that scopes every API queryset to the caller's institution."""

from rest_framework import viewsets


class InstitutionScopedViewSet(viewsets.GenericViewSet):
    """Base of every API viewset: the queryset is the caller's institution's rows.

    Subclasses set `queryset` (used for the model and the schema) and may override
    `scoped_queryset()` to add select_related or a selector.
    """

    def scoped_queryset(self):
        return self.queryset.all()

    def get_queryset(self):
        institution = getattr(self.request, "institution", None)
        if institution is None:  # schema generation
            return self.queryset.none()
        return self.scoped_queryset().filter(institution=institution)
