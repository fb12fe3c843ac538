# SiKo production image: one image for web (gunicorn), worker and beat (Celery).
# Configuration comes only from the environment at run time (see .env.example, docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=siko.settings

# WeasyPrint renders the annual report PDF through Pango/HarfBuzz; DejaVu gives it fonts with umlauts.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz-subset0 \
        fontconfig \
        fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 1000 siko \
    && useradd --system --uid 1000 --gid siko --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin siko

WORKDIR /app

# Dependencies first (pinned by constraints.txt) so code changes do not reinstall them.
COPY pyproject.toml constraints.txt ./
COPY siko/ siko/
COPY notifications/ notifications/
COPY authorities/ authorities/
COPY conferences/ conferences/
COPY followup/ followup/
COPY cooperations/ cooperations/
COPY practices/ practices/
COPY reports/ reports/
COPY api/ api/
# The project itself runs from /app (templates, static and locale live beside the code), so only its
# dependencies stay installed in site-packages.
RUN pip install -c constraints.txt . \
    && pip uninstall -y siko

COPY manage.py ./
COPY templates/ templates/
COPY static/ static/
COPY locale/ locale/

# Static files are baked into the image (served by WhiteNoise). The key only lets settings load here;
# it never reaches a running container.
RUN SECRET_KEY=collectstatic-build-only python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p /app/var/media /app/var/celerybeat \
    && chown -R siko:siko /app/var

USER siko:siko
EXPOSE 8000

# No curl in slim images: ask /healthz with Python. Host and X-Forwarded-Proto mimic the reverse proxy,
# so ALLOWED_HOSTS and the HTTPS redirect of production settings accept the request.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; hosts = [h.strip().lstrip('.') for h in os.environ.get('ALLOWED_HOSTS', '').split(',')]; host = next((h for h in hosts if h and h != '*'), 'localhost'); u.urlopen(u.Request('http://127.0.0.1:8000/healthz', headers={'Host': host, 'X-Forwarded-Proto': 'https'}), timeout=8)"]

# The compose file's migrate service runs before this; worker and beat override the command.
# No access log: SiKo writes one line per request itself (siko/request_log.py). The logger class
# masks the tokens of signed links in the error log (siko/log_masking.py). No control socket
# (gunicorn 27 opens one in $HOME by default; SiKo does not use it and /app is read-only).
CMD ["gunicorn", "siko.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120", \
     "--graceful-timeout", "120", "--no-control-socket", \
     "--worker-tmp-dir", "/dev/shm", "--error-logfile", "-", \
     "--logger-class", "siko.log_masking.GunicornLogger"]
