"""Settings read from the environment, declared as data so that each one is documented.

Every setting Dozor reads is a :class:`Setting` in :data:`SETTINGS`; ``docs/configuration.md`` lists
them and a test fails when one is missing there. Values are parsed strictly: a malformed value stops
the program with a message that names the variable and what was expected.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

ENVIRONMENTS = ("production", "development", "test")
# The estimation methods (dozor.analysis.mse.METHODS; a test keeps them equal). Named here so that
# reading the settings does not load the statistics.
ESTIMATION_METHODS = ("loglinear", "lcmcr", "dga")
INSECURE_KEY_PREFIXES = ("django-insecure", "change-me", "changeme", "secret")
MIN_SECRET_KEY_LENGTH = 50
# The production server's size (DOZOR_WORKERS=auto). A worker process with Dozor loaded takes a
# few hundred MB once it has served lists, searches and a PDF, so one per 512 MB leaves room for
# the database and the page cache. At most 16: even with DOZOR_THREADS=4 that is 64 connections,
# under PostgreSQL's default max_connections of 100 with room for commands and backups.
WORKER_MEMORY_BYTES = 512 * 1024 * 1024
MAX_AUTO_WORKERS = 16
MAX_WORKERS = 64
MAX_THREADS = 64
CGROUP_MEMORY_MAX = Path("/sys/fs/cgroup/memory.max")


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str


SETTINGS = (
    Setting(
        "DOZOR_HOME", "./dozor-data", "Folder for the SQLite database, the secret key and files."
    ),
    Setting(
        "DOZOR_DATABASE_URL",
        "",
        "Database URL, e.g. postgres://user:password@127.0.0.1:5432/dozor. "
        "Empty: an SQLite file in DOZOR_HOME.",
    ),
    Setting(
        "DOZOR_ENV",
        "production",
        "production, development or test. Production refuses DEBUG, a default secret key "
        "and ALLOWED_HOSTS=*.",
    ),
    Setting(
        "DOZOR_DEBUG", "false", "Django's debug pages; allowed only when DOZOR_ENV=development."
    ),
    Setting(
        "DOZOR_SECRET_KEY",
        "",
        "Django's secret key. Empty: a random key generated once into DOZOR_HOME/secret_key.",
    ),
    Setting(
        "DOZOR_ALLOWED_HOSTS",
        "127.0.0.1,localhost",
        "Comma-separated host names the web app answers to.",
    ),
    Setting("DOZOR_LANGUAGE", "en", "Default interface language: en or ru."),
    Setting(
        "DOZOR_TIME_ZONE",
        "UTC",
        'Time zone for displaying times and for what "today" is (dates in the future, '
        "overdue follow-ups, the date on dossiers and reports), e.g. Europe/Moscow.",
    ),
    Setting(
        "DOZOR_SECURE_COOKIES",
        "auto",
        "Send session and CSRF cookies over HTTPS only: true, false, or auto (on in production).",
    ),
    Setting(
        "DOZOR_HSTS_SECONDS",
        "31536000",
        "In production, how long browsers must use HTTPS only for this site (Strict-Transport-"
        "Security); 0 turns the header off.",
    ),
    Setting(
        "DOZOR_TRUSTED_PROXIES",
        "0",
        "How many reverse proxies stand in front of Dozor. 0: the client address is the "
        "connection's. 1 or more: the address is read from X-Forwarded-For that many hops from "
        "the right, and X-Forwarded-Proto=https marks a secure request.",
    ),
    Setting(
        "DOZOR_TWO_FACTOR_ROLES",
        "administrator,documenter",
        "Roles that must sign in with a one-time code from an authenticator app (comma-separated; "
        "empty: two-factor sign-in is optional for everyone).",
    ),
    Setting(
        "DOZOR_SESSION_IDLE_MINUTES",
        "30",
        "Sign a user out after this many minutes without a request.",
    ),
    Setting(
        "DOZOR_SESSION_MAX_HOURS",
        "10",
        "Sign a user out this many hours after they signed in, however active.",
    ),
    Setting(
        "DOZOR_LOGIN_FAILURE_LIMIT",
        "5",
        "Failed sign-ins (per user name and per address) before sign-in is locked.",
    ),
    Setting(
        "DOZOR_LOGIN_LOCKOUT_MINUTES",
        "30",
        "How long a locked sign-in stays locked.",
    ),
    Setting(
        "DOZOR_REFUSAL_ALERT_COUNT",
        "20",
        "Refused requests (403, and 404 on a page of Dozor) by one user, or one address when "
        "signed out, that raise a refusal alert in the audit trail and the log.",
    ),
    Setting(
        "DOZOR_REFUSAL_ALERT_MINUTES",
        "10",
        "The window, in minutes, within which DOZOR_REFUSAL_ALERT_COUNT refusals raise an alert.",
    ),
    Setting(
        "DOZOR_PUBLIC_PAGE",
        "false",
        "Serve the published aggregates (no names, suppressed small cells) at /public/ to "
        "anyone, without signing in.",
    ),
    Setting(
        "DOZOR_ESTIMATION_WORKER",
        "thread",
        "Where estimate runs started on the web page execute: thread (a background thread of "
        "the web process) or command (queued for `dozor estimate --run-pending`).",
    ),
    Setting(
        "DOZOR_ESTIMATION_DEFAULT_METHOD",
        "lcmcr",
        "The method a new estimate run uses when none is chosen (loglinear, lcmcr or dga), and "
        "the one ticked on the Estimates page. The default is the method the coverage study in "
        "docs/estimation.md recommends.",
    ),
    Setting(
        "DOZOR_LINKAGE_ACCEPT_PROBABILITY",
        "0.5",
        "The lowest match probability at which `dozor link accept` (and the Linkage page's "
        '"Accept the model\'s groups") joins two reports into one incident; pairs between the '
        "run's review threshold and this stay in the queue for a person.",
    ),
    Setting(
        "DOZOR_IMPORT_UPLOAD_HOURS",
        "24",
        "Files uploaded for import and never confirmed are deleted after this many hours (they "
        "are kept encrypted meanwhile).",
    ),
    Setting(
        "DOZOR_IMPORT_UPLOAD_MAX_MB",
        "200",
        "The largest file the import page accepts, in MB. Uploads are held in memory while the "
        "request is read (never in a temporary file), so this bounds a request's memory; "
        "import larger files with `dozor import`.",
    ),
    Setting(
        "DOZOR_EVIDENCE_FILE_MAX_MB",
        "500",
        "The largest evidence file (a photo, a document, a recording) Dozor accepts, in MB. "
        "Files are read in chunks into the encrypted store, never whole in memory.",
    ),
    Setting(
        "DOZOR_EVIDENCE_UPLOAD_MAX_MB",
        "1000",
        "The most one upload of evidence files (several chosen at once) may carry, in MB.",
    ),
    Setting(
        "DOZOR_INTAKE_ORGANISATION",
        "",
        "The organisation that receives what the public form at /report/ sends: its name, "
        "or the name as a slug (`северный-маяк`). "
        "Empty: the only organisation, when there is exactly one; otherwise the form says it "
        "is not open.",
    ),
    Setting(
        "DOZOR_INTAKE_KEEP_IP",
        "false",
        "Keep the sender's IP address with each submission of the public form (sealed like "
        "its text) and in its audit entries. Off: no address is kept anywhere.",
    ),
    Setting(
        "DOZOR_INTAKE_RATE_PER_HOUR",
        "10",
        "How many times one client may send the public form in an hour (0: no limit). "
        "Counted under a keyed digest of the address in memory; the address is not stored.",
    ),
    Setting(
        "DOZOR_STALL_MONTHS",
        "12",
        "A case with no official response event for this many months is shown as stalled.",
    ),
    Setting(
        "DOZOR_WORKERS",
        "auto",
        "Processes of `dozor serve --production` (and of gunicorn started with "
        "dozor/gunicorn_conf.py). auto: CPU cores + 1, at most one per 512 MB of memory "
        "and at most 16.",
    ),
    Setting(
        "DOZOR_THREADS",
        "1",
        "Threads in each process of `dozor serve --production`: the requests one process "
        "answers at once (each holds a database connection). Above 1, gunicorn's threaded "
        "worker, which keeps connections open but lets a long request hold those it accepted.",
    ),
    Setting(
        "DOZOR_DATABASE_CONN_MAX_AGE",
        "60",
        "PostgreSQL: seconds a database connection is kept open and reused by later requests "
        "(checked before reuse); 0 opens a new one for every request. SQLite always opens one "
        "per request.",
    ),
    Setting(
        "DOZOR_SLOW_REQUEST_MS",
        "500",
        "A request that takes longer than this many milliseconds is logged as a warning with "
        "its time (method, page name, status; never the query or the form).",
    ),
    Setting(
        "DOZOR_API_RATE_PER_MINUTE",
        "600",
        "Calls one API token may make in a minute before it is answered 429 with Retry-After; "
        "0: no limit. Counted in the database: the limit holds across all server processes.",
    ),
    Setting(
        "DOZOR_TELLA_TOKEN_DAYS",
        "30",
        "Days a Tella app stays signed in to Dozor before it must sign in again. Changing the "
        "account's password or deactivating it ends every Tella sign-in of it at once.",
    ),
    Setting(
        "DOZOR_KEY_FILE",
        "",
        "File holding the encryption key (made by `dozor keys init --key-file`); best on "
        "removable media, never beside the database. Empty: DOZOR_HOME/keys/dozor.key if it "
        "exists (the demo's key).",
    ),
    Setting(
        "DOZOR_KEY_PASSPHRASE_FILE",
        "",
        "File holding the passphrase the encryption key is derived from (scrypt), for a "
        "database set up with `dozor keys init --passphrase-file`.",
    ),
    Setting(
        "DOZOR_KEY",
        "",
        "The encryption key itself, base64 as in a key file; for containers that pass secrets "
        "in the environment. Takes precedence over the two above.",
    ),
)
_BY_NAME = {setting.name: setting for setting in SETTINGS}


def env_str(name: str) -> str:
    return os.environ.get(name, _BY_NAME[name].default).strip()


def env_bool(name: str) -> bool:
    value = env_str(name).lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ImproperlyConfigured(f"{name}={value!r}: expected true or false.")


def env_int(name: str, *, minimum: int = 0, maximum: int | None = None) -> int:
    value = env_str(name)
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r}: expected a whole number.") from None
    if number < minimum or (maximum is not None and number > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise ImproperlyConfigured(
            f"{name}={value!r}: expected a number of at least {minimum}{upper}."
        )
    return number


def env_probability(name: str) -> float:
    value = env_str(name)
    try:
        number = float(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name}={value!r}: expected a probability such as 0.5."
        ) from None
    if not 0 <= number <= 1:
        raise ImproperlyConfigured(f"{name}={value!r}: expected a probability between 0 and 1.")
    return number


def env_auto_bool(name: str, *, auto: bool) -> bool:
    """true/false, or "auto" (the default given by the caller, e.g. on in production)."""
    if env_str(name).lower() == "auto":
        return auto
    return env_bool(name)


def env_choice(name: str, choices: tuple[str, ...]) -> str:
    value = env_str(name).lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r}: expected one of {', '.join(choices)}.")
    return value


def env_list(name: str) -> list[str]:
    return [item.strip() for item in env_str(name).split(",") if item.strip()]


def workers_for(*, cores: int, memory_bytes: int | None) -> int:
    """The auto number of server processes: cores + 1, bounded by memory and MAX_AUTO_WORKERS.

    ``memory_bytes`` is None where the machine's memory cannot be read (then only cores count).
    """
    workers = max(cores, 1) + 1
    if memory_bytes is not None:
        workers = min(workers, memory_bytes // WORKER_MEMORY_BYTES)
    return max(1, min(workers, MAX_AUTO_WORKERS))


def machine_cores() -> int:
    """The cores this process may run on (a container's or taskset's share, where set)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def cgroup_memory_limit(path: Path = CGROUP_MEMORY_MAX) -> int | None:
    """A container's memory limit (cgroup v2's memory.max), or None where there is none."""
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isascii() and text.isdigit() else None


def machine_memory_bytes() -> int | None:
    """The memory this process may use: the machine's, or its container's limit if lower."""
    try:
        physical: int | None = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):
        physical = None
    limits = [limit for limit in (physical, cgroup_memory_limit()) if limit is not None]
    return min(limits) if limits else None


def server_workers() -> int:
    """DOZOR_WORKERS: a number, or auto (sized for this machine's cores and memory)."""
    value = env_str("DOZOR_WORKERS")
    if value.lower() == "auto":
        return workers_for(cores=machine_cores(), memory_bytes=machine_memory_bytes())
    try:
        number = int(value)
    except ValueError:
        number = 0
    if not 1 <= number <= MAX_WORKERS:
        raise ImproperlyConfigured(
            f"DOZOR_WORKERS={value!r}: expected auto or a number from 1 to {MAX_WORKERS}."
        )
    return number


def server_threads() -> int:
    return env_int("DOZOR_THREADS", minimum=1, maximum=MAX_THREADS)


def dozor_home() -> Path:
    return Path(env_str("DOZOR_HOME")).expanduser().resolve()


def secret_key(home: Path) -> str:
    """DOZOR_SECRET_KEY, or a key generated once into DOZOR_HOME/secret_key (mode 600)."""
    configured = env_str("DOZOR_SECRET_KEY")
    if configured:
        return configured
    path = home / "secret_key"
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(64))
    return path.read_text().strip()


def production_refusals(*, debug: bool, key: str, allowed_hosts: list[str]) -> list[str]:
    """Why these settings are unsafe for production; empty when they are fine."""
    problems = []
    if debug:
        problems.append("DOZOR_DEBUG is on: debug pages would show data and settings to anyone.")
    lowered = key.lower()
    if len(key) < MIN_SECRET_KEY_LENGTH or lowered.startswith(INSECURE_KEY_PREFIXES):
        problems.append(
            f"DOZOR_SECRET_KEY is a default or too short (under {MIN_SECRET_KEY_LENGTH} "
            "characters): leave it empty to have one generated, or set a long random value."
        )
    if "*" in allowed_hosts:
        problems.append(
            "DOZOR_ALLOWED_HOSTS contains '*': name the host names the site answers to."
        )
    return problems
