"""Django settings for Dozor. Every value comes from the environment through dozor.config."""

from __future__ import annotations

import datetime
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from dozor import config
from dozor.security import filemodes

DOZOR_HOME = config.dozor_home()
# 0700, with the database, keys and file store in it 0600 (dozor.security.filemodes says why).
filemodes.home_make_private(DOZOR_HOME)
DOZOR_ENV = config.env_choice("DOZOR_ENV", config.ENVIRONMENTS)
DEBUG = config.env_bool("DOZOR_DEBUG")
SECRET_KEY = config.secret_key(DOZOR_HOME)
ALLOWED_HOSTS = config.env_list("DOZOR_ALLOWED_HOSTS")
DOZOR_ESTIMATION_WORKER = config.env_choice("DOZOR_ESTIMATION_WORKER", ("thread", "command"))
DOZOR_ESTIMATION_DEFAULT_METHOD = config.env_choice(
    "DOZOR_ESTIMATION_DEFAULT_METHOD", config.ESTIMATION_METHODS
)
DOZOR_TRUSTED_PROXIES = config.env_int("DOZOR_TRUSTED_PROXIES")
DOZOR_TWO_FACTOR_ROLES = frozenset(config.env_list("DOZOR_TWO_FACTOR_ROLES"))
DOZOR_SESSION_MAX_SECONDS = config.env_int("DOZOR_SESSION_MAX_HOURS", minimum=1) * 3600
DOZOR_PUBLIC_PAGE = config.env_bool("DOZOR_PUBLIC_PAGE")
_PRODUCTION = DOZOR_ENV == "production"
# Where the encryption key comes from (dozor.security.keyring reads it; the key is not a setting).
DOZOR_KEY_FILE = config.env_str("DOZOR_KEY_FILE")
DOZOR_KEY_PASSPHRASE_FILE = config.env_str("DOZOR_KEY_PASSPHRASE_FILE")
DOZOR_FILES = DOZOR_HOME / "files"
DOZOR_LINKAGE_ACCEPT_PROBABILITY = config.env_probability("DOZOR_LINKAGE_ACCEPT_PROBABILITY")
DOZOR_IMPORT_UPLOAD_HOURS = config.env_int("DOZOR_IMPORT_UPLOAD_HOURS", minimum=1)
DOZOR_IMPORT_UPLOAD_MAX_MB = config.env_int("DOZOR_IMPORT_UPLOAD_MAX_MB", minimum=1)
DOZOR_EVIDENCE_FILE_MAX_MB = config.env_int("DOZOR_EVIDENCE_FILE_MAX_MB", minimum=1)
DOZOR_EVIDENCE_UPLOAD_MAX_MB = config.env_int("DOZOR_EVIDENCE_UPLOAD_MAX_MB", minimum=1)
DOZOR_INTAKE_ORGANISATION = config.env_str("DOZOR_INTAKE_ORGANISATION")
DOZOR_INTAKE_KEEP_IP = config.env_bool("DOZOR_INTAKE_KEEP_IP")
DOZOR_INTAKE_RATE_PER_HOUR = config.env_int("DOZOR_INTAKE_RATE_PER_HOUR")

if DEBUG and DOZOR_ENV != "development":
    raise ImproperlyConfigured(
        f"DOZOR_DEBUG is on while DOZOR_ENV={DOZOR_ENV}: debug pages are allowed only with "
        "DOZOR_ENV=development."
    )
if DOZOR_ENV == "production":
    _problems = config.production_refusals(debug=DEBUG, key=SECRET_KEY, allowed_hosts=ALLOWED_HOSTS)
    if _problems:
        raise ImproperlyConfigured("Refusing to start in production: " + " ".join(_problems))

# The production server's size (dozor/gunicorn_conf.py reads the same variables).
DOZOR_WORKERS = config.server_workers()
DOZOR_THREADS = config.server_threads()
DOZOR_SLOW_REQUEST_MS = config.env_int("DOZOR_SLOW_REQUEST_MS", minimum=1)
DOZOR_API_RATE_PER_MINUTE = config.env_int("DOZOR_API_RATE_PER_MINUTE")
DOZOR_TELLA_TOKEN_DAYS = config.env_int("DOZOR_TELLA_TOKEN_DAYS", minimum=1)

_database_url = config.env_str("DOZOR_DATABASE_URL") or f"sqlite:///{DOZOR_HOME / 'dozor.sqlite3'}"
try:
    # A PostgreSQL connection costs a few milliseconds to open (TCP, authentication, the
    # session's settings): each server thread keeps one for DOZOR_DATABASE_CONN_MAX_AGE seconds,
    # and one that broke meanwhile (a database restart) is noticed before a request uses it.
    DATABASES = {
        "default": dj_database_url.parse(
            _database_url,
            conn_max_age=config.env_int("DOZOR_DATABASE_CONN_MAX_AGE"),
            conn_health_checks=True,
        )
    }
except ValueError as error:
    raise ImproperlyConfigured(f"DOZOR_DATABASE_URL is not a database URL: {error}") from error
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: PostgreSQL compiles a query it estimates as costly, which for the list's
    # searches took 90 ms of a 580 ms query at a million incidents and saves nothing on queries
    # that read thousands of rows, not millions. A random read costed as on solid-state disks
    # or in memory (1.1, not the 4 of spinning disks): with 4, PostgreSQL read a search's
    # 70,000 people one after the other rather than look up the 2,300 a name's token holds,
    # at twice the time. No parallel workers: a server answers many requests at once, and each
    # worker of a parallel plan repeats its hashing, so a search's query took three times the
    # CPU and, beside other requests, longer too (a title word at 100,000 incidents: 84 ms
    # parallel, 18 ms alone). Options given in the URL come after these, so they win.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _planning = "-c jit=off -c random_page_cost=1.1 -c max_parallel_workers_per_gather=0"
    _options["options"] = f"{_planning} {_options.get('options', '')}".strip()
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # Opening an SQLite file costs a fraction of a millisecond, so keeping it open buys nothing,
    # and a connection held open between requests keeps the database's write-ahead log on disk
    # (SQLite folds it into the database and deletes it when the last connection closes).
    # Every request opens its own and closes it.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        filemodes.sqlite_make_private(Path(DATABASES["default"]["NAME"]))

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "dozor",
    "dozor.security",
    "dozor.accounts",
    "dozor.records",
    "dozor.responses",
    "dozor.intake",
    "dozor.demo",
    "dozor.estimation",
    "dozor.press",
    "dozor.audit",
    "dozor.publication",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "dozor.evaluation",
    "dozor.reporting",
    "dozor.linkage",
    "dozor.exports",
    "dozor.api",
    "dozor.evidence",
    "dozor.submissions",
    "dozor.tella",
    # Its static files: the API's reference page (Swagger UI) served by Dozor, no CDN.
    "ninja",
]

MIDDLEWARE = [
    # First, so that its time is the whole request's, static files included.
    "dozor.request_timing.RequestTimingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "dozor.accounts.middleware.SessionLimitMiddleware",
    "dozor.accounts.middleware.TwoFactorMiddleware",
    "dozor.audit.middleware.AuditOriginMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "dozor.security.middleware.KeyringMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "dozor.security.middleware.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dozor.urls"
WSGI_APPLICATION = "dozor.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dozor.security.middleware.keyring_context",
            ],
        },
    },
]

# Django's templates, with drop-down lists written directly (dozor/lib/form_renderer.py).
FORM_RENDERER = "dozor.lib.form_renderer.FormRenderer"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out user name or address is refused before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the user of each request with their organisation.
    "dozor.accounts.backends.UserBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    # Older hashes are still accepted and upgraded to Argon2 at the next sign-in.
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
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

LANGUAGE_CODE = config.env_choice("DOZOR_LANGUAGE", ("en", "ru"))
LANGUAGES = [("en", _("English")), ("ru", _("Russian"))]
LOCALE_PATHS = [Path(__file__).parent / "locale"]
USE_I18N = True
TIME_ZONE = config.env_str("DOZOR_TIME_ZONE")
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DOZOR_HOME / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise expects it, even when empty
# `dozor serve` collects the static files into STATIC_ROOT with a hash of their content in their
# names, so WhiteNoise serves them as immutable, cached for a year, and a changed file gets a new
# URL. Until they are collected (the test suite, a command that prints a page) the plain names are
# used and the files are served from the apps' folders with a short cache lifetime.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "dozor.static_storage.HashedStaticStorage"},
}
WHITENOISE_USE_FINDERS = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# models.W040: "SQLite does not support indexes with non-key columns", printed by every command
# on SQLite. The list's covering indexes (records.Incident.Meta) carry the visibility columns as
# INCLUDE columns for PostgreSQL's index-only scans; SQLite makes the same index on its keys.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Idle expiry: the stored session runs out this long after it was last saved. An active session
# is saved again (renewed) at most once a minute, not on every request, by
# dozor.accounts.middleware.SessionLimitMiddleware, which also keeps the absolute limit
# (DOZOR_SESSION_MAX_SECONDS).
SESSION_COOKIE_AGE = config.env_int("DOZOR_SESSION_IDLE_MINUTES", minimum=1) * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = config.env_auto_bool(
    "DOZOR_SECURE_COOKIES", auto=_PRODUCTION
)
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if _PRODUCTION:
    SECURE_HSTS_SECONDS = config.env_int("DOZOR_HSTS_SECONDS")
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
if DOZOR_TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Sign-in lockout (django-axes): a user name at an address, counted together. Counting an address
# on its own would let one person's mistyped password (or anyone who knows a colleague's user
# name) lock out every user behind the same office or VPN address; `dozor user NAME --unlock`
# clears what locked a user (docs/security.md, "Sign-in lockout").
AXES_FAILURE_LIMIT = config.env_int("DOZOR_LOGIN_FAILURE_LIMIT", minimum=1)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=config.env_int("DOZOR_LOGIN_LOCKOUT_MINUTES"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "dozor.security.network.client_ip"
AXES_USERNAME_CALLABLE = "dozor.security.network.client_username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["password", "otp_token"]
AXES_ENABLE_ADMIN = False

OTP_TOTP_ISSUER = "Dozor"
OTP_TOTP_THROTTLE_FACTOR = 1

# A form larger than this is refused before it is parsed; the views turn that into a form error.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Uploaded files stay in memory (up to DOZOR_IMPORT_UPLOAD_MAX_MB), never in a temporary file in
# clear: an import file holds names and reaches the disk only sealed in the file store.
FILE_UPLOAD_HANDLERS = ["dozor.intake.uploads.MemoryOnlyUploadHandler"]

# A case with no response event for this many months counts as stalled.
RESPONSE_STALL_MONTHS = config.env_int("DOZOR_STALL_MONTHS", minimum=1, maximum=120)

# The refusal log (dozor.audit.refusals): this many refusals within these minutes raise an alert.
DOZOR_REFUSAL_ALERT_COUNT = config.env_int("DOZOR_REFUSAL_ALERT_COUNT", minimum=1)
DOZOR_REFUSAL_ALERT_MINUTES = config.env_int("DOZOR_REFUSAL_ALERT_MINUTES", minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {"dozor": {"handlers": ["console"], "level": "INFO"}},
}
