"""The one settings file. Everything configurable is an environment variable prefixed ``TONGXIN_``.

Defaults are safe for the embedded mode (SQLite under ``var/``, no external server). With
``TONGXIN_ENV=production`` every security control is on and ``check --deploy`` is clean.
"""

from __future__ import annotations

import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url


def env(name: str, default: str = "") -> str:
    return os.environ.get(f"TONGXIN_{name}", default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(f"TONGXIN_{name}")
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(f"TONGXIN_{name}")
    return int(raw) if raw else default


PACKAGE_DIR = Path(__file__).resolve().parent
# The checkout (src/tongxin/ -> repo root); override when installed elsewhere.
BASE_DIR = Path(env("HOME_DIR", str(PACKAGE_DIR.parent.parent)))
DATA_DIR = Path(env("DATA_DIR", str(BASE_DIR / "var")))

TESTING = "pytest" in sys.modules or env("ENV") == "test"
ENVIRONMENT = env("ENV", "test" if TESTING else "development")
PRODUCTION = ENVIRONMENT == "production"
# The embedded demo: 2FA enforcement off, demo passwords set, a banner on the login page.
DEMO_MODE = env_bool("DEMO", default=False) and not PRODUCTION


def _secret_key() -> str:
    key = env("SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise RuntimeError("TONGXIN_SECRET_KEY must be set when TONGXIN_ENV=production")
    if TESTING:
        return "tongxin-test-secret-key-not-for-production-0123456789abcdef"
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", default=False)
ALLOWED_HOSTS = [h for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in env("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",  # its Swagger UI from our static files, without the inline script the CSP refuses
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "tongxin.core",
    "tongxin.accounts",
    "tongxin.orgs",
    "tongxin.points",
    "tongxin.cases",
    "tongxin.stars",
    "tongxin.dashboard",
    "tongxin.demo",
    "tongxin.ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "tongxin.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tongxin.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "tongxin.accounts.middleware.SessionTimeoutMiddleware",
    "tongxin.accounts.middleware.LoginPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Bearer-token calls to /api/ skip the browser middleware (see core/handlers.py).
TOKEN_API_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "tongxin.core.middleware.ContentSecurityPolicyMiddleware",
    "tongxin.core.middleware.ContentSecurityPolicyMiddleware",
    "tongxin.core.middleware.RequestContextMiddleware",
    "django.middleware.common.CommonMiddleware",
]

ROOT_URLCONF = "tongxin.urls"
WSGI_APPLICATION = "tongxin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tongxin.accounts.context.navigation",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
SQLITE_PATH = DATA_DIR / "tongxin.sqlite3"
_db_url = env("DATABASE_URL")
if _db_url:
    DATABASES = {"default": dj_database_url.parse(_db_url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"].setdefault("OPTIONS", {})
        # A health check is one more round trip (SELECT 1) per request; off, a worker whose connection
        # died (server restart, failover) fails one request and reconnects on the next.
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = env_bool("DB_HEALTH_CHECKS", True)
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(SQLITE_PATH),
            # Keep the connection per worker: opening one re-runs the PRAGMAs below on every request.
            "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 600),
            "OPTIONS": {
                # IMMEDIATE: a write transaction takes the write lock at BEGIN, so two writers queue
                # on the busy timeout instead of failing with "database is locked" on upgrade.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000; "
                    # 64 MiB page cache per connection (the default is 2 MiB): ledgers and totals of a
                    # county do not fit in 2 MiB, and index upserts then go to the OS for every page.
                    f"PRAGMA cache_size=-{env_int('SQLITE_CACHE_KIB', 65536)};"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and sessions -----------------------------------------------------------------------
_redis = env("REDIS_URL")
if _redis and not TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _redis}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Rate limits of the public endpoints (cases.ratelimit): counted in Redis when configured, else in the
# database (a per-process memory cache would let each worker count on its own).
RATELIMIT_BACKEND = "cache" if _redis and not TESTING else "database"

# --- Auth and login policy --------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "tongxin.accounts.passwords.CharacterClassValidator",
        "OPTIONS": {"min_classes": env_int("PASSWORD_MIN_CLASSES", 3)},
    },
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 90)
SESSION_IDLE_TIMEOUT = timedelta(minutes=env_int("IDLE_TIMEOUT_MINUTES", 30))
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=env_int("ABSOLUTE_TIMEOUT_HOURS", 12))
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_TIMEOUT.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# 2FA for county_admin, security_admin and auditor; on everywhere except the embedded demo.
ENFORCE_2FA = env_bool("ENFORCE_2FA", default=not DEMO_MODE)
TWO_FACTOR_ROLES = ("county_admin", "security_admin", "auditor")
OTP_TOTP_ISSUER = "同心 Tongxin"
# API bearer tokens stop working this many days after they are made (and at once on a password change
# or when the account is disabled).
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 90)

AXES_FAILURE_LIMIT = env_int("LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOCKOUT_MINUTES", 10))
# Lock by account, not by IP: a village office or a rider station shares one NAT address, and locking
# the address would lock out everyone there. Guessing across accounts is slowed by the password policy.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

AUDIT_RETENTION_DAYS = max(180, env_int("AUDIT_RETENTION_DAYS", 365))

# --- Personal data ----------------------------------------------------------------------------
FIELD_KEY = env("FIELD_KEY")
FIELD_KEY_FILE = DATA_DIR / "field_key"

# --- Ledger anchors ---------------------------------------------------------------------------
# The points chain heads appended when a board is published, kept outside the database so that a
# rolled-back chain is detected (`tongxin points verify`); copy this directory off the machine.
ANCHOR_DIR = Path(env("ANCHOR_DIR", str(DATA_DIR / "anchors")))

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").exists() else []
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = TESTING or DEBUG
# Upload limits per kind of file (core/uploads.py); zip limits guard every .xlsx/.docx before unzipping.
UPLOAD_MAX_IMAGE_BYTES = env_int("UPLOAD_MAX_IMAGE_BYTES", 10 * 1024 * 1024)
UPLOAD_MAX_PDF_BYTES = env_int("UPLOAD_MAX_PDF_BYTES", 20 * 1024 * 1024)
UPLOAD_MAX_XLSX_BYTES = env_int("UPLOAD_MAX_XLSX_BYTES", 10 * 1024 * 1024)
UPLOAD_MAX_DOCX_BYTES = env_int("UPLOAD_MAX_DOCX_BYTES", 20 * 1024 * 1024)
UPLOAD_MAX_IMAGE_PIXELS = env_int("UPLOAD_MAX_IMAGE_PIXELS", 40_000_000)
UPLOAD_MAX_UNZIPPED_BYTES = env_int("UPLOAD_MAX_UNZIPPED_BYTES", 64 * 1024 * 1024)
UPLOAD_MAX_ZIP_ENTRIES = env_int("UPLOAD_MAX_ZIP_ENTRIES", 2000)

# --- Security headers -------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}

DEMO_PASSWORD = env("DEMO_PASSWORD", "Tongxin@2026")
