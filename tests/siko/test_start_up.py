"""A process starts without the heavy libraries it may never need: every manage.py command, every
Celery worker and gunicorn worker pays for what django.setup() imports."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: Imported on first use only: the PDF (siko.pdf), spreadsheets (siko.spreadsheet), the API
#: schema's parts (api.views_schema), the QR code of the authenticator set-up (siko.otp_views).
LAZY = ("weasyprint", "openpyxl", "drf_spectacular.extensions", "qrcode")

PROBE = f"""
import sys
import django
django.setup()
print(" ".join(name for name in {LAZY!r} if name in sys.modules))
"""


def test_django_setup_imports_none_of_the_libraries_used_on_one_page_or_task_only():
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "siko.settings", "DEBUG": "true", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )

    assert result.stdout.split() == []
