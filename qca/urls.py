from django.urls import path

from . import views

app_name = "qca"
urlpatterns = [
    path("", views.index, name="index"),
]
