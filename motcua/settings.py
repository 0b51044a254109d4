"""Settings, read from the environment (twelve-factor).

DATABASE_URL  default: SQLite file var/motcua.sqlite3 under the project root
SECRET_KEY    required when MOTCUA_PRODUCTION=1
DEBUG         "1"/"true" to enable (default off)
ALLOWED_HOSTS comma-separated (default: localhost names)
MOTCUA_VAR_DIR where the SQLite file and uploads live (default: <project>/var)
MOTCUA_PUBLIC_URL the portal's address, for links in e-mails (default http://127.0.0.1:8000)
MOTCUA_TASKS  immediate (default) or database (run `motcua worker`)
EMAIL_BACKEND and EMAIL_*: how applicants are e-mailed (default: files under var/mail/)
LOG_LEVEL     the root logger's level (default INFO: one line per request)
LOG_FORMAT    keyvalue (default) or json (one object per line; `motcua serve`'s default)
MOTCUA_METRICS_TOKEN  bearer token /metrics asks for (default: private addresses only)
MOTCUA_GC_FREEZE_AFTER  requests before a process freezes what it holds out of the
    garbage collector (default 200; 0: never; ops/memory.py)
DATABASE_REPLICA_URL  a PostgreSQL read replica for reports and public pages (default: none)
MOTCUA_REDIS_URL  Redis for the shared rate-limit counters (default: a database table)
MOTCUA_REDIS_PREFIX  the prefix of motcua's keys in that Redis (default motcua)

Production (MOTCUA_PRODUCTION=1; see docs/security.md): DEBUG must be off, SECRET_KEY set;
cookies are Secure, HSTS and the HTTPS redirect are on. Tune with
MOTCUA_SSL_REDIRECT (default on in production), MOTCUA_PROXY_SSL_HEADER (e.g.
"HTTP_X_FORWARDED_PROTO=https" behind a TLS-terminating proxy), MOTCUA_PROXY_COUNT (proxies
that append to X-Forwarded-For, for the client address), MOTCUA_HSTS_SECONDS (default one
year), MOTCUA_HSTS_INCLUDE_SUBDOMAINS (default on), MOTCUA_HSTS_PRELOAD (default off),
CSRF_TRUSTED_ORIGINS (comma-separated https://… origins), MOTCUA_LOGIN_FAILURE_LIMIT
(default 5) and MOTCUA_LOGIN_LOCKOUT_MINUTES (default 15).
"""

import json
import os
from datetime import timedelta
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


def env_int(name: str, default: int) -> int:
    """A whole number from the environment (unset or empty: `default`); anything else stops
    the start with the variable's name, rather than a bare ValueError."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value[:40]!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [v.strip() for v in os.environ.get(name, default).split(",") if v.strip()]


# Production mode: the safe defaults below switch on; development and tests run over http.
MOTCUA_PRODUCTION = env_bool("MOTCUA_PRODUCTION")
DEBUG = env_bool("DEBUG")
if MOTCUA_PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production (MOTCUA_PRODUCTION=1)")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if MOTCUA_PRODUCTION:
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
    "motcua.stats",
    "motcua.index766",
    "motcua.api",
    "motcua.outbox",
    "motcua.results",
    "motcua.accounts",
    "motcua.eforms",
    "motcua.store",  # the personal electronic data store (docs/store.md)
    "motcua.devidp",
    "oauth2_provider",  # the development identity provider's OpenID Connect (motcua.devidp)
    "motcua.payments",
    "motcua.postal",
    "motcua.reorg",  # the 2025 reorganisation: plans and their application (docs/reorganisation.md)
    "django_tasks",
    "django_tasks_db",
    "csp",
    "axes",
    "pgtrigger",
    "motcua.ops",  # /healthz, /readyz, /metrics, `motcua serve` and `motcua worker`
    "django_prometheus",
    "ninja",  # the API docs from our own static files: no CDN, no inline script (CSP)
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",  # the metrics' request timer
    "motcua.core.middleware.RequestLogMiddleware",  # first: times and logs every request
    "django.middleware.security.SecurityMiddleware",
    # Refuses NUL and other control characters, and the API's too-large bodies, before
    # anything else reads the request (docs/decisions/0008-input-bounds.md).
    "motcua.core.hostile.HostileInputMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "motcua.core.middleware.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "motcua.accounts.middleware.CitizenBoundaryMiddleware",  # citizens stay out of the office
    "motcua.core.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
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
                "motcua.dossiers.context_processors.office_menu",
                "motcua.accounts.context_processors.citizen",
            ],
        },
    },
]

WSGI_APPLICATION = "motcua.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'motcua.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 0),
    )
}
# The same backends wrapped by django-prometheus, which counts queries and their errors.
DATABASES["default"]["ENGINE"] = DATABASES["default"]["ENGINE"].replace(
    "django.db.backends.", "django_prometheus.db.backends."
)
if DATABASES["default"]["ENGINE"].endswith(".sqlite3"):
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

# A PostgreSQL read replica for the reports and the public pages (core/replica.py,
# docs/scaling.md): DATABASE_REPLICA_URL. Without one, the `replica` alias is a second
# connection to the primary that nothing uses (in tests, a mirror of the test database).
_replica_url = os.environ.get("DATABASE_REPLICA_URL", "")
MOTCUA_READ_REPLICA = bool(_replica_url)
DATABASES["replica"] = (
    dj_database_url.parse(_replica_url, conn_max_age=env_int("CONN_MAX_AGE", 0))
    if _replica_url
    else dict(DATABASES["default"])
)
DATABASES["replica"]["ENGINE"] = DATABASES["replica"]["ENGINE"].replace(
    "django.db.backends.", "django_prometheus.db.backends."
)
DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["motcua.core.replica.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"
# django-axes first: it refuses a locked-out user name and address before any password check.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "motcua.accounts.oidc.CitizenBackend",  # citizens, through OpenID Connect (docs/portal.md)
]
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
EMAIL_PORT = env_int("EMAIL_PORT", 25)
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
    "UPLOAD_MAX_BYTES": env_int("MOTCUA_UPLOAD_MAX_MB", 10) * 1024 * 1024,
    # The portal's address, for links sent outside a request (e-mails to applicants).
    "PUBLIC_URL": os.environ.get("MOTCUA_PUBLIC_URL", "http://127.0.0.1:8000"),
    # The programme period the catalogue report counts publication decisions over.
    "CATALOGUE_REPORT_PERIOD": (
        os.environ.get("MOTCUA_REPORT_FROM", "2017-01-01"),
        os.environ.get("MOTCUA_REPORT_TO", "2020-12-31"),
    ),
    # The public dossier lookup (docs/lookup.md): wrong passwords allowed per client address
    # and per dossier code, each as (attempts, window in seconds); how many days a receipt's
    # QR link still opens the dossier after it is finished (returned, refused, withdrawn).
    "LOOKUP_LIMIT_PER_CLIENT": (env_int("MOTCUA_LOOKUP_CLIENT_LIMIT", 10), 15 * 60),
    "LOOKUP_LIMIT_PER_CODE": (env_int("MOTCUA_LOOKUP_CODE_LIMIT", 20), 60 * 60),
    "LOOKUP_LINK_DAYS": env_int("MOTCUA_LOOKUP_LINK_DAYS", 90),
}

# Request bodies: the API carries files as base64 in JSON (4/3 of their size), so a body
# has room for API_FILES_PER_REQUEST files of the largest size plus 1 MB for the rest;
# larger bodies get a JSON 413 from the API (docs/api.md, "Limits").
API_FILES_PER_REQUEST = 3
DATA_UPLOAD_MAX_MEMORY_SIZE = (
    API_FILES_PER_REQUEST * (-(-MOTCUA["UPLOAD_MAX_BYTES"] // 3) * 4) + 1024 * 1024
)

# --- Security (docs/security.md, docs/decisions/0007-security-defaults.md) -------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = MOTCUA_PRODUCTION
CSRF_COOKIE_SECURE = MOTCUA_PRODUCTION
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SECURE_SSL_REDIRECT = env_bool("MOTCUA_SSL_REDIRECT", MOTCUA_PRODUCTION)
# The load balancer's probes and the metrics scrape may come over plain http inside.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
if os.environ.get("MOTCUA_PROXY_SSL_HEADER"):  # e.g. HTTP_X_FORWARDED_PROTO=https
    _header, _, _value = os.environ["MOTCUA_PROXY_SSL_HEADER"].partition("=")
    SECURE_PROXY_SSL_HEADER = (_header.strip(), _value.strip() or "https")
MOTCUA_PROXY_COUNT = env_int("MOTCUA_PROXY_COUNT", 0)
SECURE_HSTS_SECONDS = int(
    os.environ.get("MOTCUA_HSTS_SECONDS", 365 * 24 * 3600 if MOTCUA_PRODUCTION else 0)
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("MOTCUA_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("MOTCUA_HSTS_PRELOAD")
# Preloading is the domain owner's decision for the whole registrable domain (the
# province's gov.vn name), not this application's: without it, its deploy warning is noise.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"  # lookup links carry a token: never sent elsewhere
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp 4): scripts only from our own static files. Some
# templates still have style attributes, so style-src-attr allows those (and only those);
# <style> elements and every inline script stay refused.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# Sign-in throttling (django-axes): after MOTCUA_LOGIN_FAILURE_LIMIT failures for one user
# name from one address, each within MOTCUA_LOGIN_LOCKOUT_MINUTES of the previous, that pair
# is refused for MOTCUA_LOGIN_LOCKOUT_MINUTES. Sign-ins and failures are audited
# (core/signals.py).
AXES_FAILURE_LIMIT = env_int("MOTCUA_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("MOTCUA_LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are in our audit trail already
AXES_LOCKOUT_CALLABLE = "motcua.core.security.lockout_response"  # Vietnamese page, 429
AXES_CLIENT_IP_CALLABLE = "motcua.core.security.client_ip"
AXES_USERNAME_CALLABLE = "motcua.core.security.axes_username"  # bounded, for its column

# Logging: key=value lines on stderr (docs/security.md). One line per request with its id
# (core.middleware.RequestLogMiddleware); errors with their traceback; personal data (ID
# numbers, phone numbers, e-mail addresses) masked in every line by a filter.
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
# keyvalue (logfmt, the default) or json (one object per line; `motcua serve`'s default).
LOG_FORMAT = "json" if os.environ.get("LOG_FORMAT", "").lower() == "json" else "keyvalue"

# Operations (motcua.ops, docs/operations.md): a task worker touches its heartbeat every
# HEARTBEAT_SECONDS; /readyz wants one seen within HEARTBEAT_STALE_SECONDS. /metrics asks
# for METRICS_TOKEN as a bearer token when it is set, else answers loopback and private
# addresses only.
# SCHEDULE: the periodic jobs the task worker runs (a management command and its timing:
# {"every": seconds} | {"daily": "HH:MM"} | {"monthly": "D HH:MM"}, local time).
# GC_FREEZE_AFTER: after this many requests a process freezes what it holds out of the
# garbage collector's walks (ops/memory.py); 0: never.
OPS = {
    "GC_FREEZE_AFTER": env_int("MOTCUA_GC_FREEZE_AFTER", 200),
    "HEARTBEAT_SECONDS": 10,
    "HEARTBEAT_STALE_SECONDS": 60,
    "METRICS_TOKEN": os.environ.get("MOTCUA_METRICS_TOKEN", ""),
    "SCHEDULE": {
        # a safety net: each message is also scheduled on its own when written
        "outbox": {"command": ["outbox", "deliver"], "timing": {"every": 60}},
        "payments-expire": {"command": ["payments", "expire"], "timing": {"every": 300}},
        "close-unsupplemented": {
            "command": ["close_unsupplemented"],
            "timing": {"daily": "00:30"},
        },
        "monthly-reports": {"command": ["monthly_reports"], "timing": {"monthly": "1 06:00"}},
        # next year's partition of the dossier events, well before it is needed (PostgreSQL)
        "event-partitions": {
            "command": ["events", "partitions"],
            "timing": {"monthly": "1 05:00"},
        },
    },
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"personal_data": {"()": "motcua.core.logging.PersonalDataFilter"}},
    "formatters": {
        "keyvalue": {"()": "motcua.core.logging.KeyValueFormatter"},
        "json": {"()": "motcua.core.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["personal_data"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Errors with their traceback; a 4xx is in the request line already.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},  # runserver's own line repeats ours
        "axes": {"level": "WARNING"},
        # A line per task run repeats what the task logs itself.
        "django_tasks": {"level": "WARNING"},
        # A signature that fails to verify is the verification's answer, not an error.
        "pyhanko": {"level": "CRITICAL"},
        "pyhanko_certvalidator": {"level": "CRITICAL"},
        "weasyprint": {"level": "WARNING"},  # not seven lines per printed page
    },
}

# Outbox: messages to applicants are rows written with the change, sent by the task worker
# and retried with back-off (1, 2, 4 … minutes, at most an hour apart) until MAX_ATTEMPTS,
# then marked failed for a supervisor (docs/outbox.md). The claim must outlast one send, so
# SMTP gets a timeout (Django's default is none).
OUTBOX = {
    "MAX_ATTEMPTS": env_int("OUTBOX_MAX_ATTEMPTS", 30),
    "RETRY_BASE_SECONDS": env_int("OUTBOX_RETRY_BASE_SECONDS", 60),
    "RETRY_MAX_SECONDS": env_int("OUTBOX_RETRY_MAX_SECONDS", 3600),
    "CLAIM_SECONDS": 300,
    "BATCH": 100,
}
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 60)

# Text messages to applicants (docs/notifications.md), sent by the outbox like e-mail. The
# provider is an adapter (motcua/outbox/sms.py): "file" (development: one JSON line per message
# under var/sms/), "http" (a brandname SMS provider behind our HTTP contract) or "disabled".
# Default: "http" when MOTCUA_SMS_URL is set, else "file" outside production and "disabled" in
# it. The development provider under /dev/sms/ answers like a brandname gateway (never in
# production).
MOTCUA_DEV_SMS = env_bool("MOTCUA_DEV_SMS", not MOTCUA_PRODUCTION)
if MOTCUA_PRODUCTION and MOTCUA_DEV_SMS:
    raise ImproperlyConfigured("The development SMS provider cannot run in production")
SMS = {
    "PROVIDER": os.environ.get(
        "MOTCUA_SMS_PROVIDER",
        "http"
        if os.environ.get("MOTCUA_SMS_URL")
        else ("disabled" if MOTCUA_PRODUCTION else "file"),
    ),
    "DIRECTORY": os.environ.get("MOTCUA_SMS_DIRECTORY") or VAR_DIR / "sms",
    "URL": os.environ.get("MOTCUA_SMS_URL", ""),
    "API_KEY": os.environ.get("MOTCUA_SMS_API_KEY", ""),
    "SENDER": os.environ.get("MOTCUA_SMS_SENDER", "MOTCUA"),  # the registered brandname
    "ASCII": env_bool("MOTCUA_SMS_ASCII", True),  # strip diacritics: 160 GSM-7 characters a segment
    "TIMEOUT": env_int("MOTCUA_SMS_TIMEOUT", 10),
    # Text messages to applicants without an account (given their phone at a desk).
    "WITHOUT_ACCOUNT": env_bool("MOTCUA_SMS_WITHOUT_ACCOUNT", False),
}

# Electronic results (docs/results.md): each agency signs with the key file configured for
# its code, else the "default" one (MOTCUA_SIGNING_CERTIFICATES="default=/etc/motcua/p.p12,
# 000.00.01.H40=/etc/motcua/stp.pem"; passwords in MOTCUA_SIGNING_KEY_PASSWORD[_<code>]);
# without one, while demo certificates are on (not in production), with its demo certificate
# under MOTCUA_CERTIFICATES_DIR (`motcua certificates demo`). Signing times come from the
# RFC 3161 authority at MOTCUA_TSA_URL, else a local one (MOTCUA_TSA_CERTIFICATE, the demo's).
# The verification page trusts MOTCUA_TRUST_ANCHORS (comma-separated PEM/DER files) and,
# in demo, the demo root CA.
RESULTS = {
    "CERTIFICATES_DIR": Path(os.environ.get("MOTCUA_CERTIFICATES_DIR", VAR_DIR / "certificates")),
    "SIGNING_CERTIFICATES": os.environ.get("MOTCUA_SIGNING_CERTIFICATES", ""),
    "TRUST_ANCHORS": env_list("MOTCUA_TRUST_ANCHORS"),
    "TSA_URL": os.environ.get("MOTCUA_TSA_URL", ""),
    "TSA_CERTIFICATE": os.environ.get("MOTCUA_TSA_CERTIFICATE", ""),
    "DEMO_CERTIFICATES": env_bool("MOTCUA_DEMO_CERTIFICATES", not MOTCUA_PRODUCTION),
    "FETCH_REVOCATION": env_bool("MOTCUA_FETCH_REVOCATION", MOTCUA_PRODUCTION),
    "AUTO_SIGN_DAYS": 30,
    "VERIFY_MAX_BYTES": MOTCUA["UPLOAD_MAX_BYTES"],
    "LINK_MAX_AGE_DAYS": 3650,
    "MAX_ATTEMPTS": 10,
}

# The personal electronic data store (docs/store.md): which kinds of stored item their owner
# may delete (results issued by an agency are kept [check]); how long supervisors have to
# answer a data subject's correction request (Luật 91/2025/QH15, Nghị định 356/2025) [check];
# at most how many stored papers the application page offers under one required document.
STORE = {
    "OWNER_MAY_DELETE": ("paper",),
    "CORRECTION_RESPONSE_HOURS": env_int("MOTCUA_CORRECTION_RESPONSE_HOURS", 72),
    "CANDIDATES_MAX": 20,
}

# Caches. `default` is each process's own memory. `limits` holds the rate-limit counters
# (core/ratelimit.py; the public lookup's wrong passwords) and must be shared by every web
# process: a database table by default (`motcua createcachetable`, run by `make demo` and for
# the test database), Redis when MOTCUA_REDIS_URL is set (e.g. redis://127.0.0.1:6379/0), its
# keys under MOTCUA_REDIS_PREFIX (default "motcua"; the load bench uses one of its own).
MOTCUA_REDIS_URL = os.environ.get("MOTCUA_REDIS_URL", "")
LIMITS_CACHE = "limits"
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    LIMITS_CACHE: (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": MOTCUA_REDIS_URL,
            "KEY_PREFIX": os.environ.get("MOTCUA_REDIS_PREFIX") or "motcua",
        }
        if MOTCUA_REDIS_URL
        else {"BACKEND": "motcua.core.cache.DatabaseCache", "LOCATION": "motcua_limits_cache"}
    ),
}

# --- Citizen sign-in through OpenID Connect (docs/portal.md) ---------------------------------
# The development identity provider (motcua.devidp, under /dev/idp/): a real OpenID Connect
# provider with demo citizens and an organisation, on by default outside production and
# never in production. MOTCUA_OIDC_* point the portal at a real provider (VNeID or the
# province's identity service) instead: no code changes.
MOTCUA_DEV_IDP = env_bool("MOTCUA_DEV_IDP", not MOTCUA_PRODUCTION)
if MOTCUA_PRODUCTION and MOTCUA_DEV_IDP:
    raise ImproperlyConfigured("The development identity provider cannot run in production")
OIDC_OP_ISSUER = os.environ.get(
    "MOTCUA_OIDC_ISSUER", f"{MOTCUA['PUBLIC_URL'].rstrip('/')}/dev/idp/o" if MOTCUA_DEV_IDP else ""
).rstrip("/")
OIDC_CONFIGURED = bool(OIDC_OP_ISSUER)
OIDC_PROVIDER_NAME = os.environ.get("MOTCUA_OIDC_PROVIDER_NAME", "VNeID")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get(
    "MOTCUA_OIDC_AUTHORIZATION_ENDPOINT", f"{OIDC_OP_ISSUER}/authorize/"
)
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("MOTCUA_OIDC_TOKEN_ENDPOINT", f"{OIDC_OP_ISSUER}/token/")
OIDC_OP_USER_ENDPOINT = os.environ.get(
    "MOTCUA_OIDC_USERINFO_ENDPOINT", f"{OIDC_OP_ISSUER}/userinfo/"
)
OIDC_OP_JWKS_ENDPOINT = os.environ.get(
    "MOTCUA_OIDC_JWKS_ENDPOINT", f"{OIDC_OP_ISSUER}/.well-known/jwks.json"
)
OIDC_RP_CLIENT_ID = os.environ.get("MOTCUA_OIDC_CLIENT_ID", "motcua-portal")
OIDC_RP_CLIENT_SECRET = os.environ.get(
    "MOTCUA_OIDC_CLIENT_SECRET", "" if MOTCUA_PRODUCTION else "motcua-dev-idp-secret"
)
OIDC_RP_SIGN_ALGO = os.environ.get("MOTCUA_OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("MOTCUA_OIDC_SCOPES", "openid profile email phone address vneid")
OIDC_USE_PKCE = True
OIDC_TIMEOUT = env_int("MOTCUA_OIDC_TIMEOUT", 10)
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:callback"
OIDC_STATE_MAX_AGE = 600  # seconds from the sign-in button to the provider's answer
# The provider's names for our claims, if they differ (JSON, e.g. {"id_number": "cccd"}).
OIDC_CLAIM_NAMES = json.loads(os.environ.get("MOTCUA_OIDC_CLAIM_NAMES") or "{}")
# The development provider (django-oauth-toolkit): its RS256 key is generated on first use
# into var/ (or given by MOTCUA_DEV_IDP_KEY / MOTCUA_DEV_IDP_KEY_FILE), never committed.
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": "",
    "OAUTH2_VALIDATOR_CLASS": "motcua.devidp.validator.DevIdpValidator",
    "SCOPES": {
        "openid": "OpenID Connect",
        "profile": "Name and date of birth",
        "email": "E-mail address",
        "phone": "Phone number",
        "address": "Address",
        "vneid": "ID number, tax code, kind and level of the identity",
    },
    "PKCE_REQUIRED": True,
    # OAuth 2.0 Security BCP (RFC 9700): only the secure behaviour; http callbacks only
    # where the provider may run at all (development, demo, tests).
    **{
        f"COMPLIANT_BCP_RFC9700_{name}": True
        for name in (
            "IMPLICIT_GRANT",
            "PASSWORD_GRANT",
            "PKCE_METHOD",
            "PKCE_REQUIRED",
            "ACCESS_TOKEN_TRANSPORT",
            "AUTHZ_RESPONSE_ISS",
            "TOKEN_STORAGE",
            "REFRESH_TOKEN",
            "REDIRECT_URI_MATCHING",
        )
    },
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"] if MOTCUA_PRODUCTION else ["http", "https"],
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 600,
    "ID_TOKEN_EXPIRE_SECONDS": 600,
}
if MOTCUA_DEV_IDP:
    from motcua.devidp.keys import private_key_pem

    OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"] = os.environ.get(
        "MOTCUA_DEV_IDP_KEY"
    ) or private_key_pem(
        os.environ.get("MOTCUA_DEV_IDP_KEY_FILE") or VAR_DIR / "devidp" / "oidc-rs256.pem"
    )

# --- Postal option (docs/postal.md) ----------------------------------------------------------
# Dossiers and results through the public postal service (Quyết định 45/2016/QĐ-TTg).
# Operators are adapters registered in motcua/postal/operators/; each key of OPERATORS
# enables one with its options. The development operator (motcua/postal/devpost, served
# under /dev/post/) and its adapter "dev" are on by default outside production only.
MOTCUA_DEV_POSTAL_OPERATOR = env_bool("MOTCUA_DEV_POSTAL_OPERATOR", not MOTCUA_PRODUCTION)
if MOTCUA_PRODUCTION and MOTCUA_DEV_POSTAL_OPERATOR:
    raise ImproperlyConfigured("The development postal operator cannot run in production")
POSTAL = {
    "DEV_OPERATOR": MOTCUA_DEV_POSTAL_OPERATOR,
    "OPERATORS": {
        "dev": {
            "MERCHANT": "MOTCUA",
            # The HMAC-SHA256 secret shared with the operator.
            "SECRET": os.environ.get("MOTCUA_DEV_POST_SECRET", "motcua-dev-post-secret"),
            # The operator's address; empty: /dev/post/ under MOTCUA_PUBLIC_URL.
            "URL": os.environ.get("MOTCUA_DEV_POST_URL", ""),
        }
    }
    if MOTCUA_DEV_POSTAL_OPERATOR
    else {},
    "OPERATOR": os.environ.get("MOTCUA_POSTAL_OPERATOR", ""),  # empty: the first enabled
    "PAYER": "applicant",  # who pays the postal charges (QĐ 45/2016 art. 7 [check])
    "DEFAULT_WEIGHT_GRAMS": 500,  # a result's envelope
    "HTTP_TIMEOUT_SECONDS": 10,
    "DEV_CALLBACK_ATTEMPTS": 3,  # the development operator's tries of each event
}

# --- Payments of fees (docs/payments.md) -----------------------------------------------------
# Gateways are adapters registered in motcua/payments/gateways/; each key of GATEWAYS enables
# one with its options. The development gateway (motcua/payments/devgateway, served under
# /dev/payment-gateway/, a VNPay/MoMo-like gateway with signed messages) and its adapter
# "dev" are on by default outside production and never in production.
MOTCUA_DEV_PAYMENT_GATEWAY = env_bool("MOTCUA_DEV_PAYMENT_GATEWAY", not MOTCUA_PRODUCTION)
if MOTCUA_PRODUCTION and MOTCUA_DEV_PAYMENT_GATEWAY:
    raise ImproperlyConfigured("The development payment gateway cannot run in production")
PAYMENTS = {
    "DEV_GATEWAY": MOTCUA_DEV_PAYMENT_GATEWAY,
    "GATEWAYS": {
        "dev": {
            "MERCHANT": "MOTCUA",
            # The HMAC-SHA256 secret shared with the gateway.
            "SECRET": os.environ.get("MOTCUA_DEV_GATEWAY_SECRET", "motcua-dev-gateway-secret"),
            # The gateway's address; empty: /dev/payment-gateway/ under MOTCUA_PUBLIC_URL.
            "URL": os.environ.get("MOTCUA_DEV_GATEWAY_URL", ""),
        }
    }
    if MOTCUA_DEV_PAYMENT_GATEWAY
    else {},
    # How long the payer has at the gateway; after it (and a grace period) `motcua payments
    # expire` asks the gateway and expires what it did not pay.
    "PENDING_MINUTES": env_int("MOTCUA_PAYMENT_PENDING_MINUTES", 15),
    "EXPIRY_GRACE_MINUTES": 5,
    "GIVE_UP_HOURS": 24,
    "HTTP_TIMEOUT_SECONDS": 10,
    # The development gateway's IPN: attempts, and seconds between them.
    "DEV_GATEWAY_IPN_ATTEMPTS": 3,
    "DEV_GATEWAY_IPN_RETRY_SECONDS": 1,
    "RECEIPT_SERIES": os.environ.get("MOTCUA_RECEIPT_SERIES", "BLP"),
    # The account for VietQR transfers of agencies without one of their own (the admin's
    # bank accounts come first). Outside production: a demo account.
    "BANK_ACCOUNT": {
        "BIN": os.environ.get("MOTCUA_FEE_BANK_BIN", "" if MOTCUA_PRODUCTION else "970415"),
        "BANK": os.environ.get("MOTCUA_FEE_BANK_NAME", "" if MOTCUA_PRODUCTION else "VietinBank"),
        "NUMBER": os.environ.get(
            "MOTCUA_FEE_ACCOUNT_NUMBER", "" if MOTCUA_PRODUCTION else "113000000999"
        ),
        "NAME": os.environ.get(
            "MOTCUA_FEE_ACCOUNT_NAME",
            "" if MOTCUA_PRODUCTION else "TRUNG TAM PHUC VU HANH CHINH CONG (THU NGHIEM)",
        ),
    },
}
