"""Settings, read from the environment (twelve-factor).

DATABASE_URL  default: SQLite file var/motcua.sqlite3 under the project root
SECRET_KEY    required when MOTCUA_PRODUCTION=1
DEBUG         "1"/"true" to enable (default off)
ALLOWED_HOSTS comma-separated (default: localhost names)
MOTCUA_VAR_DIR where the SQLite file and uploads live (default: <project>/var)
MOTCUA_PUBLIC_URL the portal's address, for links in e-mails (default http://127.0.0.1:8000)
MOTCUA_TASKS  immediate (default) or database (run `motcua db_worker`)
EMAIL_BACKEND and EMAIL_*: how applicants are e-mailed (default: files under var/mail/)
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("MOTCUA_VAR_DIR", BASE_DIR / "var"))
(VAR_DIR / "static").mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if env_bool("MOTCUA_PRODUCTION"):
        raise ImproperlyConfigured("SECRET_KEY must be set in production")
    # A development key, so that the demo and the tests run without configuration.
    SECRET_KEY = "motcua-insecure-development-key-change-me"

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "motcua.core",
    "motcua.org",
    "motcua.catalog",
    "motcua.worktime",
    "motcua.dossiers",
    "motcua.api",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "motcua.core.middleware.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "motcua.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "motcua.core.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "motcua.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'motcua.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while a worker writes; a busy timeout avoids
    # "database is locked" under short write bursts.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
        }
    )
    # A file, not memory, so tests can fork several processes against one database; one
    # file per test run, so that runs side by side do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dossiers:queue"
LOGOUT_REDIRECT_URL = "catalog:home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Vietnamese first; English as the second locale.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Background tasks (django_tasks API). MOTCUA_TASKS=immediate (default) runs them at once;
# MOTCUA_TASKS=database stores them for `motcua db_worker` (django-tasks-db, no broker).
TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
TASKS = {"default": {"BACKEND": TASK_BACKENDS[os.environ.get("MOTCUA_TASKS", "immediate")]}}

# E-mail to applicants. The default writes each message to a file under var/mail/, so the
# demo sends nothing; production sets EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend
# and EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "motcua@localhost")

# Province-wide settings. Rules marked [check] in docs/rules.md are settings with these defaults.
MOTCUA = {
    "PROVINCE_NAME": os.environ.get("MOTCUA_PROVINCE_NAME", "Tỉnh Hà Nam"),
    "PORTAL_NAME": os.environ.get(
        "MOTCUA_PORTAL_NAME", "Cổng Dịch vụ công và Hệ thống thông tin một cửa điện tử"
    ),
    "CATALOGUE_PAGE_SIZE": 20,
    # Attached files (scans at the desk, files sent online): accepted types and largest size.
    "UPLOAD_EXTENSIONS": ("pdf", "jpg", "jpeg", "png", "tif", "tiff", "doc", "docx", "xls", "xlsx"),
    "UPLOAD_MAX_BYTES": int(os.environ.get("MOTCUA_UPLOAD_MAX_MB", "10")) * 1024 * 1024,
    # The portal's address, for links sent outside a request (e-mails to applicants).
    "PUBLIC_URL": os.environ.get("MOTCUA_PUBLIC_URL", "http://127.0.0.1:8000"),
    # The programme period the catalogue report counts publication decisions over.
    "CATALOGUE_REPORT_PERIOD": (
        os.environ.get("MOTCUA_REPORT_FROM", "2017-01-01"),
        os.environ.get("MOTCUA_REPORT_TO", "2020-12-31"),
    ),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
