from .views import router

urlpatterns = router.urls
