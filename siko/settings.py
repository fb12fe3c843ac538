"""SiKo settings, read only from the environment (django-environ).

Without any variable set, SiKo runs in its embedded mode: SQLite in var/, Celery tasks in-process,
e-mail into a local mailbox that administrators read in the browser.
"""

from datetime import time, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="") or (
    "embedded-insecure-key-only-for-local-use" if DEBUG else ""
)
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY muss gesetzt sein, wenn DEBUG aus ist.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "template_partials",
    "rules.apps.AutodiscoverRulesConfig",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "axes",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "siko",
    "notifications",
    "authorities",
    "conferences",
    "followup",
    "cooperations",
    "practices",
    "reports",
    "api",
]

MIDDLEWARE = [
    # First: the request id for every log line and the one line per request (siko/request_log.py).
    "siko.request_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise: static files keep their long cache; everything SiKo renders gets the CSP,
    # Permissions-Policy and Cache-Control: no-store.
    "csp.middleware.CSPMiddleware",
    "siko.middleware.ResponseHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Renews the session at most once a minute (siko/sessions.py), instead of on every request.
    "siko.sessions.RefreshSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's AuthenticationMiddleware and django_otp's OTPMiddleware, the user, the second
    # factor and the KPB's authority read in one query (siko/signed_in.py).
    "siko.middleware.UserMiddleware",
    # Before SiKo's session rules: an ended session tells the user why through a message.
    "django.contrib.messages.middleware.MessageMiddleware",
    "siko.middleware.OTPMiddleware",
    "siko.middleware.SessionLifetimeMiddleware",
    "siko.middleware.SecondFactorMiddleware",
    "siko.middleware.AuthorityScopeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "siko.urls"
WSGI_APPLICATION = "siko.wsgi.application"
AUTH_USER_MODEL = "authorities.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "siko.context_processors.navigation",
            ],
        },
    }
]

if not env.str("DATABASE_URL", default=""):
    VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'siko.sqlite3'}")}
# PostgreSQL: each gunicorn or Celery process keeps its connection for a minute (checked before
# reuse) instead of opening one per request, which cost more than a small page itself.
_PERSISTENT = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
DATABASES["default"].setdefault(
    "CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60 if _PERSISTENT else 0)
)
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", _PERSISTENT)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Embedded mode with several users: readers do not wait for a writer (WAL); a writer waits
    # up to 20 s for another (busy timeout) and takes the write lock at BEGIN (IMMEDIATE), so a
    # transaction that read first never fails with "database is locked" when it starts writing.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        **DATABASES["default"].get("OPTIONS", {}),  # DATABASE_URL's ?options win
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# A reset link from the mail works once and for one day.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_SECONDS", default=24 * 3600)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lockout per username *and* IP, never IP alone: a whole authority sits behind one proxy.
# Failures older than the cool-off no longer count; retrying while locked does not extend it.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "siko.accounts.lockout_response"
# Behind a proxy that overwrites X-Forwarded-For (deploy/Caddyfile): AXES_IP_HEADERS=
# HTTP_X_FORWARDED_FOR,REMOTE_ADDR and AXES_PROXY_COUNT=0 (django-ipware: a header with more than
# the one address it set is not believed, REMOTE_ADDR counts then).
AXES_IPWARE_META_PRECEDENCE_ORDER = env.list("AXES_IP_HEADERS", default=["REMOTE_ADDR"])
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=None)
# Personal data: no log line names a user or an address, no table of successful logins.
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "password"]
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False

# Second factor: enforced for police and state users unless explicitly turned off (demo).
OTP_REQUIRED = env.bool("OTP_REQUIRED", default=not DEBUG)
OTP_TOTP_ISSUER = "SiKo NRW"
# Passkeys (django-otp-webauthn) as a second factor beside the app, never instead of the
# password. The relying party is SITE_URL's host and the allowed origin SITE_URL. Browsers take
# passkeys only over HTTPS or from http://localhost (not from an IP address): the embedded
# mode's http://127.0.0.1:8000 offers them at http://localhost:8000.
_SITE = urlsplit(SITE_URL)
_PASSKEY_ORIGIN = SITE_URL if _SITE.scheme == "https" else f"http://localhost:{_SITE.port or 80}"
OTP_WEBAUTHN_RP_ID = env.str("OTP_WEBAUTHN_RP_ID", default=urlsplit(_PASSKEY_ORIGIN).hostname)
OTP_WEBAUTHN_RP_NAME = "SiKo NRW"
OTP_WEBAUTHN_ALLOWED_ORIGINS = env.list("OTP_WEBAUTHN_ALLOWED_ORIGINS", default=[_PASSKEY_ORIGIN])
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False

# Sessions end after 30 idle minutes and 12 hours at most. A session is written at most once a
# minute (siko/sessions.py), so it ends between 30 and 31 minutes after the last request.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_ENGINE = "siko.sessions"
# Sessions are read from this cache and confirmed by the database in the query that loads the
# user (siko/sessions.py), so a process's own memory is as correct as a shared cache and spares a
# round trip per request: "memory" (default) or "redis" (with REDIS_URL; down: the database).
SESSION_CACHE_ALIAS = "sessions"
SESSION_CACHE = env.str("SESSION_CACHE", default="memory")
if SESSION_CACHE not in {"memory", "redis"}:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SESSION_CACHE ist „memory“ oder „redis“.")
SESSION_SAVE_EVERY_REQUEST = False
SESSION_MAX_LIFETIME_SECONDS = env.int("SESSION_MAX_SECONDS", default=12 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("Deutsch")), ("en", _("Englisch"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
# Stored documents (frozen minutes, annual reports): the local directory MEDIA_ROOT, or with
# SIKO_STORAGE=s3 an S3-compatible bucket that web and worker on several hosts share.
SIKO_STORAGE = env.str("SIKO_STORAGE", default="filesystem")
if SIKO_STORAGE == "s3":
    DEFAULT_STORAGE: dict[str, object] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
            "location": env.str("AWS_LOCATION", default=""),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
elif SIKO_STORAGE == "filesystem":
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
else:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SIKO_STORAGE ist „filesystem“ oder „s3“.")
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# E-mail: EMAIL_URL (smtp://user:pass@host:port, smtp+tls://…); unset: local mailbox (database).
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="SiKo NRW <siko@polizei.nrw.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "siko.mail.LocalMailboxBackend"
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
# Mail server sessions one delivery task keeps busy at once (notifications.tasks; 1: one mail
# after the other). Three took delivery from 33 to 46 mails/s under load (docs/benchmarks.md).
SIKO_DELIVERY_SENDERS = env.int("SIKO_DELIVERY_SENDERS", default=3)

# Celery: Redis through REDIS_URL; unset: tasks run in-process (embedded mode).
# Delivery is at least once: acks_late + reject_on_worker_lost bring a killed worker's message
# back, and the outbox makes a second run harmless (conferences/outbox.py).
from celery.schedules import crontab  # noqa: E402 - kept with the Celery settings

REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Tasks of a lost broker connection would be redelivered while still running: cancel them.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
# Redis hands an unacknowledged message to another worker after the visibility timeout, so
# every task must end well before it (hard time limit) and no countdown/ETA may come near it
# (the outbox caps retry countdowns at visibility timeout - time limit - 60 s; tests assert it).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
# A broker that is down must not hold up the click that enqueues (siko/tasks_queue.py): connect
# within 2 s, give up on a Redis that accepts but does not answer after 5 s, retry a publish
# once; the rows wait for the outbox sweeper meanwhile.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_TASK_TIME_LIMIT = 600
CELERY_TASK_SOFT_TIME_LIMIT = 540
CELERY_TIMEZONE = TIME_ZONE
# Yearly rule (DESIGN §4): reminder stages ("MM-DD") while a year has no SiKo held or scheduled;
# the LZPD gets a copy from this stage on.
SIKO_REMINDER_STAGES = env.list("SIKO_REMINDER_STAGES", default=["04-01", "07-01", "10-01"])
SIKO_REMINDER_LZPD_COPY_FROM = env.str("SIKO_REMINDER_LZPD_COPY_FROM", default="10-01")
# A scheduled conference not marked held counts as scheduled until this many days after the day
# of its end; from then on it is "Durchführung nicht bestätigt" (overdue, or breach after the year).
SIKO_SCHEDULED_GRACE_DAYS = env.int("SIKO_SCHEDULED_GRACE_DAYS", default=14)
# Annual report (DESIGN §4, R8): reminders to the LZPD ("MM-DD") – preparation, draft due for the
# LKA, and a week before the 31 August deadline; none once the year's final version exists.
SIKO_REPORT_REMINDER_STAGES = env.list(
    "SIKO_REPORT_REMINDER_STAGES", default=["07-01", "08-01", "08-24"]
)
# The outline of year Y's report is due to the ministry by this day ("MM-DD"); the LZPD is
# reminded from then on while no outline is agreed (DESIGN R8).
SIKO_OUTLINE_DUE = env.str("SIKO_OUTLINE_DUE", default="06-01")
# Lifetime of the signed links for people without an account (DESIGN §5): each stops working
# this many days after its event – the answer link after the conference's end, the minutes link
# after the comment deadline (or the approval, if later), the action link after the due date
# (or the closing of the action, if later).
SIKO_ANSWER_LINK_DAYS_AFTER_END = env.int("SIKO_ANSWER_LINK_DAYS_AFTER_END", default=90)
SIKO_MINUTES_LINK_DAYS_AFTER_DEADLINE = env.int("SIKO_MINUTES_LINK_DAYS_AFTER_DEADLINE", default=90)
SIKO_ACTION_LINK_DAYS_AFTER_CLOSE = env.int("SIKO_ACTION_LINK_DAYS_AFTER_CLOSE", default=90)
# Documents the organiser uploads to a conference (slides, handouts: conferences.uploads) may
# have at most this many bytes; default 20 MB.
SIKO_DOCUMENT_MAX_BYTES = env.int("SIKO_DOCUMENT_MAX_BYTES", default=20 * 1024 * 1024)

# Data protection (README "Datenschutz"). Mails, reminders, answers and minutes comments of a
# conference are removed this many full calendar years after the conference's year.
SIKO_RETENTION_CONFERENCE_YEARS = env.int("SIKO_RETENTION_CONFERENCE_YEARS", default=5)
# Who the privacy notice (/datenschutz/) and the accessibility statement (/barrierefreiheit/)
# name; templates/siko/privacy.html and accessibility.html can be overridden as a whole.
SIKO_PRIVACY_CONTROLLER = env.str(
    "SIKO_PRIVACY_CONTROLLER",
    default="Landesamt für Zentrale Polizeiliche Dienste NRW, Schifferstraße 10, 47059 Duisburg",
)
SIKO_PRIVACY_DPO = env.str(
    "SIKO_PRIVACY_DPO",
    default="Behördliche Datenschutzbeauftragte, datenschutz@polizei.nrw.example",
)
SIKO_ACCESSIBILITY_CONTACT = env.str(
    "SIKO_ACCESSIBILITY_CONTACT", default="barrierefreiheit@polizei.nrw.example"
)
# Housekeeping (beat below): sent mails without a conference are deleted, those of a conference
# lose their content, this many days after sending; local mailbox rows go after their own period.
SIKO_OUTBOX_RETENTION_DAYS = env.int("SIKO_OUTBOX_RETENTION_DAYS", default=180)
SIKO_LOCAL_MAILBOX_RETENTION_DAYS = env.int("SIKO_LOCAL_MAILBOX_RETENTION_DAYS", default=30)
# Calendar replies (README "Kalenderantworten"): the ORGANIZER of every meeting request is this
# mailbox, which beat polls over IMAP (imaps://user:password@host:993/INBOX); unset, the
# organising staff member stays the ORGANIZER and nothing is polled.
SIKO_REPLY_MAILBOX = env.str("SIKO_REPLY_MAILBOX", default="")
SIKO_REPLY_IMAP_URL = env.str("SIKO_REPLY_IMAP_URL", default="")
SIKO_REPLY_FOLDER_DONE = env.str("SIKO_REPLY_FOLDER_DONE", default="SiKo/verarbeitet")
SIKO_REPLY_FOLDER_UNMATCHED = env.str(
    "SIKO_REPLY_FOLDER_UNMATCHED", default="SiKo/nicht-zugeordnet"
)
# Reminders planned for a day are due at this local time, when the daily sweep runs (beat below).
SIKO_REMINDER_TIME = time(6, 0)
CELERY_BEAT_SCHEDULE: dict = {
    # Reminders are rows; one sweep a day sends the due ones (each at most once).
    "send-due-reminders": {
        "task": "conferences.send_due_reminders",
        # Europe/Berlin (CELERY_TIMEZONE)
        "schedule": crontab(hour=SIKO_REMINDER_TIME.hour, minute=SIKO_REMINDER_TIME.minute),
        "options": {"expires": 6 * 3600},
    },
    # Expired sessions, old login attempts, old local mailbox rows; sent mails past retention.
    "housekeeping": {
        "task": "siko.housekeeping",
        "schedule": crontab(hour=3, minute=15),
        "options": {"expires": 12 * 3600},
    },
    "outbox-housekeeping": {
        "task": "notifications.housekeeping",
        "schedule": crontab(hour=3, minute=20),
        "options": {"expires": 12 * 3600},
    },
    # Replies of calendar programs in the reply mailbox (nothing to do while it is unset).
    "poll-calendar-replies": {
        "task": "conferences.poll_calendar_replies",
        "schedule": 180.0,
        "options": {"expires": 170},
    },
    # Nothing waits forever: re-queue mails whose task or worker got lost.
    "sweep-outbox": {
        "task": "conferences.sweep_outbox",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Every stored document against its SHA-256; the result is shown in the admin.
    "verify-documents": {
        "task": "siko.verify_documents",
        "schedule": crontab(day_of_week="sun", hour=3, minute=30),
        "options": {"expires": 24 * 3600},
    },
    # Personal data past its retention period (SIKO_RETENTION_*) is removed once a day.
    "apply-retention": {
        "task": "siko.apply_retention",
        "schedule": crontab(hour=2, minute=45),
        "options": {"expires": 12 * 3600},
    },
}

# Production hardening (active whenever DEBUG is off).
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    # HTTPS only: the __Host- prefix makes browsers refuse these cookies unless they are Secure,
    # have Path=/ and no Domain, so no other host or plain-HTTP page can set or overwrite them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp 4): nothing inline, nothing from another origin. Web pages
# keep scripts and styles in static/; htmx's indicator <style> is off (htmx-config in base.html).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],  # Bootstrap draws its icons as data: SVGs
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
# The read API (api/, README "API"): token authentication only, JSON only, one OpenAPI schema.
# Views set their own authentication, permissions, paging and throttling (api/views.py).
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SiKo-API",
    "DESCRIPTION": "Lesender Zugriff für Programme von LZPD, LKA, IM und KPB (README „API“).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from drf-spectacular-sidecar's static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_error_answers",
    ],
}
# Requests per token (DRF rate syntax: number/second|minute|hour|day), counted in the cache.
SIKO_API_RATE = env.str("SIKO_API_RATE", default="600/minute")
# The counts live in Redis where there is one, so every gunicorn worker counts together.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "api": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "api"}
    ),
    # A session cache that does not answer within the timeouts is skipped: the database answers.
    "sessions": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
        if REDIS_URL and SESSION_CACHE == "redis"
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "sessions",
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    ),
}
SILENCED_SYSTEM_CHECKS = env.list("SILENCED_SYSTEM_CHECKS", default=[])

LOG_FORMAT = env.str("LOG_FORMAT", default="text")
if LOG_FORMAT not in {"text", "json"}:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("LOG_FORMAT ist „text“ oder „json“.")
# Error mails of unhandled exceptions go to these addresses (comma-separated); none when empty.
ADMINS = [(address, address) for address in env.list("ADMINS", default=[])]
# The worker logs through LOGGING too (format, request id, masking), not Celery's own handler.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # The tokens of signed links never reach a log (siko/log_masking.py): masked on the loggers
    # that write request paths, before any handler, and on every handler for anything else.
    # gunicorn's access log: --logger-class siko.log_masking.GunicornLogger (Dockerfile).
    # Every line carries the request id (siko/request_log.py); LOG_FORMAT=json: one JSON object
    # per line (time, level, logger, message, request_id and the request's fields).
    "filters": {
        "mask_secrets": {"()": "siko.log_masking.MaskSecretsFilter"},
        "request_id": {"()": "siko.request_log.RequestIdFilter"},
    },
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
        "text": {"format": "{asctime} {levelname} {name} [{request_id}] {message}", "style": "{"},
        "json": {"()": "siko.request_log.JsonLineFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "mask_secrets"],
        },
        # Error mails to ADMINS (unhandled exceptions), their subject and text masked too.
        "mail_admins": {
            "class": "siko.log_masking.MaskedAdminEmailHandler",
            "level": "ERROR",
            "filters": ["mask_secrets"],
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["mask_secrets"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Without Django's default handlers (console in DEBUG, mail_admins without ADMINS), which
        # would write unmasked: django.* records reach the root's console.
        "django": {"level": "INFO"},
        "django.request": {"filters": ["mask_secrets"], "handlers": ["mail_admins"]},
        "django.security.csrf": {"filters": ["mask_secrets"]},
        # runserver's access log ("GET /konferenzen/antwort/…" 200)
        "django.server": {
            "handlers": ["django.server"],
            "level": "INFO",
            "propagate": False,
            "filters": ["mask_secrets"],
        },
        "django.security.DisallowedHost": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
        # WeasyPrint's steps and fontTools' subsetting log many lines per PDF at INFO.
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Optional error reporting (sentry-sdk): only with SENTRY_DSN; no personal data is sent
# (siko/error_reporting.py scrubs users, cookies, headers, bodies and the tokens of links).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from siko.error_reporting import init_sentry

    init_sentry(SENTRY_DSN, environment=env.str("SENTRY_ENVIRONMENT", default="production"))
