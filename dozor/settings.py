"""Django settings for Dozor. Every value comes from the environment through dozor.config."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from dozor import config

DOZOR_HOME = config.dozor_home()
DOZOR_ENV = config.env_choice("DOZOR_ENV", config.ENVIRONMENTS)
DEBUG = config.env_bool("DOZOR_DEBUG")
SECRET_KEY = config.secret_key(DOZOR_HOME)
ALLOWED_HOSTS = config.env_list("DOZOR_ALLOWED_HOSTS")
DOZOR_ESTIMATION_WORKER = config.env_choice("DOZOR_ESTIMATION_WORKER", ("thread", "command"))
# Where the encryption key comes from (dozor.security.keys reads it; the key is not a setting).
DOZOR_KEY_FILE = config.env_str("DOZOR_KEY_FILE")
DOZOR_KEY_PASSPHRASE_FILE = config.env_str("DOZOR_KEY_PASSPHRASE_FILE")
DOZOR_FILES = DOZOR_HOME / "files"

if DEBUG and DOZOR_ENV != "development":
    raise ImproperlyConfigured(
        f"DOZOR_DEBUG is on while DOZOR_ENV={DOZOR_ENV}: debug pages are allowed only with "
        "DOZOR_ENV=development."
    )
if DOZOR_ENV == "production":
    _problems = config.production_refusals(debug=DEBUG, key=SECRET_KEY, allowed_hosts=ALLOWED_HOSTS)
    if _problems:
        raise ImproperlyConfigured("Refusing to start in production: " + " ".join(_problems))

_database_url = config.env_str("DOZOR_DATABASE_URL") or f"sqlite:///{DOZOR_HOME / 'dozor.sqlite3'}"
try:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
except ValueError as error:
    raise ImproperlyConfigured(f"DOZOR_DATABASE_URL is not a database URL: {error}") from error
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "dozor",
    "dozor.security",
    "dozor.records",
    "dozor.demo",
    "dozor.estimation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "dozor.security.middleware.KeyringMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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

AUTH_USER_MODEL = "security.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "records:incident_list"
LOGOUT_REDIRECT_URL = "login"
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
WHITENOISE_USE_FINDERS = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = config.env_bool("DOZOR_SECURE_COOKIES")
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# A form larger than this is refused before it is parsed; the views turn that into a form error.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {"dozor": {"handlers": ["console"], "level": "INFO"}},
}
