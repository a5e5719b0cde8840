from django.urls import path

from . import views

app_name = "generation"
urlpatterns = [
    path("", views.index, name="index"),
    path("domains/<int:pk>/", views.domain_detail, name="domain"),
    path("domains/<int:pk>/train/", views.run_new, name="run_new"),
    path("image-sets/<int:pk>/", views.image_set_detail, name="image_set"),
    path("source-images/<int:pk>/file/", views.source_image_file, name="source_image_file"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/progress.json", views.run_progress, name="run_progress"),
    path("runs/<int:pk>/cancel/", views.run_cancel, name="run_cancel"),
    path("runs/<int:pk>/publish/", views.run_publish, name="run_publish"),
    path("runs/<int:pk>/samples/<int:index>/", views.run_sample, name="run_sample"),
    path("models/<int:pk>/default/", views.model_set_default, name="model_set_default"),
    path("new/", views.generate, name="generate"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/status.json", views.job_status, name="job_status"),
    path("images/<int:pk>/products/", views.product_create, name="product_create"),
    path("images/<int:pk>/<str:variant>/", views.generated_image_file, name="image_file"),
    path("products/", views.product_list, name="products"),
    path("products/<int:pk>/<str:variant>/", views.product_file, name="product_file"),
    path("gallery/", views.gallery, name="gallery"),
]
