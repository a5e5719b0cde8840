from django.urls import path

from . import views

app_name = "qca"
urlpatterns = [
    path("", views.index, name="index"),
    path("studies/upload/", views.study_upload, name="study_upload"),
    path("studies/from-videos/", views.study_from_videos, name="study_from_videos"),
    path("studies/<int:study_pk>/", views.study_detail, name="study"),
    path("studies/<int:study_pk>/raw.csv", views.study_data, name="study_data"),
    path("studies/<int:study_pk>/analyses/new/", views.analysis_new, name="analysis_new"),
    path("conditions/<int:condition_pk>/", views.condition_calibrate, name="condition"),
    path("analyses/<int:analysis_pk>/", views.analysis_detail, name="analysis"),
    path("analyses/<int:analysis_pk>/status/", views.analysis_status, name="analysis_status"),
    path("analyses/<int:analysis_pk>/export/<slug:kind>/", views.analysis_export, name="analysis_export"),
    path("analyses/<int:analysis_pk>/strategy/", views.analysis_strategy, name="strategy"),
    path("analyses/<int:analysis_pk>/recommend/", views.analysis_recommend, name="recommend"),
    path("analyses/<int:analysis_pk>/rerun/", views.analysis_rerun, name="rerun"),
    path("analyses/<int:analysis_pk>/compare/", views.analysis_compare, name="compare"),
    path("recommendations/<int:recommendation_pk>/", views.recommendation_detail, name="recommendation"),
    path("typology/", views.typology, name="typology"),
    path("typology/new/", views.typology_rule_new, name="typology_rule_new"),
    path("typology/<int:rule_pk>/", views.typology_rule_edit, name="typology_rule"),
]
