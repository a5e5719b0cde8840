from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import ApiToken
from .serializers import MeSerializer


class MeView(APIView):
    """Who the caller is, for which institution, with which role and scopes."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        token = request.auth if isinstance(request.auth, ApiToken) else None
        data = {
            "username": request.user.username,
            "institution": request.institution.name,
            "institution_id": request.institution.pk,
            "role": request.membership.role,
            "scopes": token.scopes if token else None,
            "token_expires_at": token.expires_at if token else None,
        }
        return Response(MeSerializer(data).data)
