"""Test settings: the real settings with test-friendly speed-ups.

DATABASE_URL and REDIS_URL come from the environment as usual (CI sets PostgreSQL and Redis).
"""

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("OTP_REQUIRED", "false")

from siko.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
EMAIL_BACKEND = "siko.mail.LocalMailboxBackend"
AXES_FAILURE_LIMIT = 5

# Stored files (minutes, reports) of a test run go to a directory of their own, not var/media.
import tempfile  # noqa: E402

MEDIA_ROOT = Path(os.environ.get("SIKO_TEST_MEDIA_ROOT") or tempfile.mkdtemp(prefix="siko-media-"))  # noqa: F405

# SQLite (embedded mode): the test database is a file like the embedded one, not Django's shared
# in-memory database, so WAL, the busy timeout and IMMEDIATE transactions are what tests with
# two threads (two users) exercise. A file per test process: helpers and CI jobs do not collide.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.mkdtemp(prefix="siko-db-")) / "test.sqlite3"),  # noqa: F405
    }
