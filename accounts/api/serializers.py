from rest_framework import serializers


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    institution = serializers.CharField()
    institution_id = serializers.IntegerField()
    role = serializers.CharField()
    scopes = serializers.ListField(child=serializers.CharField(), allow_null=True,
                                   help_text="The token's scopes; null for a browser session.")
    token_expires_at = serializers.DateTimeField(allow_null=True)
