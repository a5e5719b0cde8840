from django.urls import path

from . import views

app_name = "dissemination"
urlpatterns = [
    path("", views.index, name="index"),
    path("videos/", views.video_list, name="video_list"),
    path("videos/add/", views.video_add, name="video_add"),
    path("videos/<int:pk>/", views.video_detail, name="video_detail"),
    path("harvests/", views.harvest_list, name="harvest_list"),
    path("harvests/<int:pk>/", views.harvest_detail, name="harvest_detail"),
    path("harvests/<int:pk>/status.json", views.harvest_status, name="harvest_status"),
    path("harvests/<int:pk>/resume/", views.harvest_resume, name="harvest_resume"),
    path("coding/", views.coding_queue, name="coding_queue"),
    path("coding/<int:pk>/", views.coding_screen, name="coding_screen"),
    path("coding/assignments/", views.assignments, name="assignments"),
    path("coding/agreement/", views.agreement, name="agreement"),
    path("coding/reconcile/<int:pk>/", views.reconcile, name="reconcile"),
    path("codebook/", views.codebook_view, name="codebook"),
    path("codebook/variables/add/", views.variable_add, name="variable_add"),
    path("codebook/variables/<int:pk>/", views.variable_edit, name="variable_edit"),
    path("transfer/", views.transfer_view, name="transfer"),
    path("transfer/export/", views.export, name="export"),
]
