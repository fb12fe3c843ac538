"""A bare Django project: one view returning "ok", no apps, no middleware, no database.

The baseline `http_load.py` serves beside SiKo with the same gunicorn (same workers, same flags),
so "share of bare" compares SiKo's pages with the least a Django request costs on this machine.

    gunicorn --chdir bench bare_site:application
"""

from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="bare-benchmark-only-secret-key-0123456789-abcdefghijklmnop",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    USE_I18N=False,
)

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402


def ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [path("", ok)]
application = get_wsgi_application()
