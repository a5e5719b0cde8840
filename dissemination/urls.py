from django.urls import path

from . import views

app_name = "dissemination"
urlpatterns = [
    path("", views.index, name="index"),
]
