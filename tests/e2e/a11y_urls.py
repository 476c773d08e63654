"""The project's URLs plus one view that fails, so the walk can check the 500 page as people see it."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from mittvaccin.urls import urlpatterns as project_urlpatterns


@login_not_required
def fail(request):
    raise RuntimeError("The accessibility walk asks for the 500 page on purpose.")


urlpatterns = [path("a11y-500/", fail), *project_urlpatterns]
