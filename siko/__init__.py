from siko.celery import app as celery_app
from siko.version import __version__

__all__ = ("__version__", "celery_app")
