from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("switch/", views.switch_institution, name="switch"),
    path("members/", views.members, name="members"),
    path("members/<int:pk>/", views.member_update, name="member_update"),
    path("tokens/", views.api_tokens, name="api_tokens"),
    path("tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("audit/", views.audit_log, name="audit"),
]
