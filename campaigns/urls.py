from django.urls import path

from . import views

app_name = "campaigns"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.campaign_new, name="new"),
    path("reports/", views.reports, name="reports"),
    path("reports/<int:report_pk>/download/", views.report_download, name="report_download"),
    path("<int:campaign_pk>/", views.campaign_detail, name="detail"),
    path("<int:campaign_pk>/edit/", views.campaign_edit, name="edit"),
    path("<int:campaign_pk>/results.csv", views.campaign_results_csv, name="results_csv"),
    path("<int:campaign_pk>/videos/new/", views.planned_new, name="planned_new"),
    path("<int:campaign_pk>/products/", views.campaign_products, name="products"),
    path("<int:campaign_pk>/products/new/", views.product_request_new, name="product_new"),
    path("<int:campaign_pk>/grants/", views.grant_add, name="grant_add"),
    path("grants/<int:grant_pk>/remove/", views.grant_remove, name="grant_remove"),
    path("videos/<int:planned_pk>/", views.planned_detail, name="planned"),
    path("videos/<int:planned_pk>/link/", views.planned_link, name="planned_link"),
]
