"""Settings, read from environment variables (12-factor).

Every variable is documented in `.env.example`. With no environment at all the
platform runs on the *embedded default*: SQLite for data, SQLite (through kombu's
SQLAlchemy transport) for the Celery broker, a local-memory cache. The production
profile sets DATABASE_URL, CELERY_BROKER_URL and CACHE_URL (see docs/deploy.md).
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
import plotly

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("ICH_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# pytest (>= 8.2) sets PYTEST_VERSION. Each test process then gets its own test
# database and its own embedded broker file, so concurrent runs never share state.
TEST_RUN_ID = str(os.getpid()) if os.environ.get("PYTEST_VERSION") else ""

env = environ.Env()
env_file = BASE_DIR / ".env"
if env_file.exists():
    env.read_env(str(env_file))

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY",
    # The fallback key only exists so `make run` works on a fresh machine; the
    # production check (`manage.py check --deploy`) flags it.
    default="insecure-embedded-default-change-me-0123456789abcdefghijklmnopqrstuvwxyz",
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_celery_results",
    "ichplatform",
    "accounts",
    "dissemination",
    "qca",
    "generation",
    "campaigns",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Response-cache hits answered here, before what follows (ichplatform/response_cache_early.py)
    "ichplatform.response_cache_early.EarlyHitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.tenancy.CurrentInstitutionMiddleware",
    "ichplatform.chart_csv.ChartCsvMiddleware",  # ?chart_csv=<id>: a chart's data from its own page
]

ROOT_URLCONF = "ichplatform.urls"
WSGI_APPLICATION = "ichplatform.wsgi.application"
ASGI_APPLICATION = "ichplatform.asgi.application"

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
                "accounts.tenancy.institution_context",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'ichplatform.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one SQLite file on the embedded default: WAL lets
    # readers run beside the writer, IMMEDIATE transactions take the write lock up
    # front (no deadlock on lock upgrade) and the timeout waits instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    # A file, not :memory:, so a worker process started by a test sees the test DB.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-ichplatform-{TEST_RUN_ID}.sqlite3")}
else:
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{TEST_RUN_ID}"}
    # Tests use fresh connections (0): Celery's Django fix-up then closes a worker
    # thread's connection after each task, so the test database can be dropped.
    DATABASES["default"]["CONN_MAX_AGE"] = 0 if TEST_RUN_ID else env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (throttling counters, per-token quotas) -------------------------------
CACHE_URL = env.str("CACHE_URL", default="locmem://")
if CACHE_URL.startswith(("redis://", "rediss://")):
    # Django's Redis backend, reusing its client object (ichplatform/redis_cache.py says why).
    CACHES = {"default": {"BACKEND": "ichplatform.redis_cache.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
_SHARED_CACHE = CACHE_URL.startswith(("redis://", "rediss://"))
# The response cache (ichplatform/response_cache.py) is exact only where every process sees every
# data-version bump, i.e. with a shared cache; off on locmem (the embedded profile).
RESPONSE_CACHE_ENABLED = env.bool("RESPONSE_CACHE_ENABLED", default=_SHARED_CACHE)
# An entry's life bounds a bump lost while the cache was unreachable (no database probe on a hit).
RESPONSE_CACHE_SECONDS = env.int("RESPONSE_CACHE_SECONDS", default=300)
# Largest fsQCA result (solutions as JSON) an analysis stores; PostgreSQL's jsonb holds 256 MiB a value.
QCA_RESULT_MAX_BYTES = env.int("QCA_RESULT_MAX_BYTES", default=128 * 2**20)
# Above this size (JSON of the engine's own form) the API and JSON export hand out solutions pooled as stored.
QCA_EXPANDED_MAX_BYTES = env.int("QCA_EXPANDED_MAX_BYTES", default=16 * 2**20)
ICH_RELEASE = env.str("ICH_RELEASE", default="")  # the deploy's commit: cached responses never outlive it
# Sessions read through the shared cache (one Redis GET instead of a PostgreSQL query per request),
# written through to the database so that evicting the cache signs nobody out.
if _SHARED_CACHE:
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Auth -----------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- I18n -------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["ichplatform.formats"]  # ISO short dates in English; Django's formats otherwise
# The language switch sets this cookie; a year, so a staff member's choice outlives the session.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media --------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # plotly.js straight from the plotly wheel (same version as the Python figures,
    # never a CDN): {% static 'vendor/plotly.min.js' %}.
    ("vendor", Path(plotly.__file__).resolve().parent / "package_data"),
]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Security (production profile turns these on) ------------------------------------
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "SAMEORIGIN"

# --- REST API ------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.permissions.IsInstitutionMember"],
    "DEFAULT_THROTTLE_CLASSES": ["accounts.throttling.PerTokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": env.str("API_DEFAULT_TOKEN_RATE", default="600/min")},
    "DEFAULT_PAGINATION_CLASS": "ichplatform.rest.DefaultPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "ichplatform.rest.error_handler",
    "DEFAULT_VERSIONING_CLASS": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ichplatform API",
    "DESCRIPTION": "Partner API of ichplatform: dissemination data, QCA results and stylisation jobs. "
    "Authenticate with `Authorization: Bearer <token>`; tokens are created by an institution's admins.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and Redoc from the drf-spectacular-sidecar wheel: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Fields called `status`, `kind` or `strategy` carry different choice sets in different apps; name
    # each set after its app so the schema has no hash-suffixed enums (StatusD4fEnum) and no warnings.
    "ENUM_NAME_OVERRIDES": {
        "GenerationStatusEnum": "generation.models.JobStatus",
        "ProductKindEnum": "generation.models.ProductKind",
        "HarvestKindEnum": "dissemination.models.HarvestKind",
        "CampaignStrategyEnum": "campaigns.models.CampaignStrategy",
        "QcaStrategyEnum": "qca.models.Strategy",
    },
}
API_TOKEN_DEFAULT_DAYS = env.int("API_TOKEN_DEFAULT_DAYS", default=90)

# --- Celery ---------------------------------------------------------------------------
_broker_file = f"celery-broker-test-{TEST_RUN_ID}.sqlite3" if TEST_RUN_ID else "celery-broker.sqlite3"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=f"sqla+sqlite:///{VAR_DIR / _broker_file}")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="django-db")
CELERY_RESULT_EXTENDED = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=60 * 60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=60 * 60 + 300)
CELERY_TASK_TRACK_STARTED = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# How long an unacknowledged message waits before Redis hands it to another
# worker. It must exceed the longest task (acks_late); tests shorten it.
if CELERY_BROKER_URL.startswith(("sqla+", "sqlalchemy+")):
    # kombu passes these straight to SQLAlchemy's create_engine: wait on the file
    # lock rather than fail while another process writes.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"connect_args": {"timeout": 30}}
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=2 * 60 * 60),
        # A worker scans for expired unacked messages every interval x throttle seconds.
        "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
        "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
    }
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE

# --- Application settings -------------------------------------------------------------------
YOUTUBE_API_KEY = env.str("YOUTUBE_API_KEY", default="")
YOUTUBE_DAILY_QUOTA = env.int("YOUTUBE_DAILY_QUOTA", default=10_000)
GAN_INCEPTION_WEIGHTS = env.str("GAN_INCEPTION_WEIGHTS", default="")
GAN_LPIPS_BACKBONE_WEIGHTS = env.str("GAN_LPIPS_BACKBONE_WEIGHTS", default="")
JOB_STALE_AFTER = timedelta(minutes=env.int("JOB_STALE_AFTER_MINUTES", default=15))
# Generation app (docs/generation.md): upload limits, work folders, batching.
GENERATION_UPLOAD_MAX_BYTES = env.int("GENERATION_UPLOAD_MAX_BYTES", default=25 * 1024 * 1024)
GENERATION_UPLOAD_MAX_PIXELS = env.int("GENERATION_UPLOAD_MAX_PIXELS", default=40_000_000)
GENERATION_UPLOAD_MIN_SIDE = env.int("GENERATION_UPLOAD_MIN_SIDE", default=32)
GENERATION_ZIP_MAX_MEMBERS = env.int("GENERATION_ZIP_MAX_MEMBERS", default=2000)
GENERATION_ZIP_MAX_UNCOMPRESSED_BYTES = env.int("GENERATION_ZIP_MAX_UNCOMPRESSED_BYTES", default=1024**3)
GENERATION_MAX_OUTPUT_SIDE = env.int("GENERATION_MAX_OUTPUT_SIDE", default=4096)
GENERATION_WORK_DIR = Path(env.str("GENERATION_WORK_DIR", default=str(VAR_DIR / "generation")))
GENERATION_DEVICE = env.str("GENERATION_DEVICE", default="auto")
GENERATION_BATCH_MAX = env.int("GENERATION_BATCH_MAX", default=16)
GENERATION_DATA_WORKERS = env.int("GENERATION_DATA_WORKERS", default=2)
GENERATION_GPU_QUEUE = env.str("GENERATION_GPU_QUEUE", default="gpu")
GENERATION_PRODUCT_QUEUE = env.str("GENERATION_PRODUCT_QUEUE", default="default")
GENERATION_PROGRESS_SECONDS = env.float("GENERATION_PROGRESS_SECONDS", default=2.0)
GENERATION_TRAIN_TIME_LIMIT = env.int("GENERATION_TRAIN_TIME_LIMIT", default=48 * 3600)
# Training speed on CUDA workers (docs/generation.md, "Training speed"): the whole iteration as one CUDA
# graph, and torch.compile ('auto' = for runs of at least GENERATION_COMPILE_MIN_ITERATIONS, where the
# one-off compilation of ~2-3 minutes pays for itself; 'always'; 'never').  CPU workers use neither.
GENERATION_CUDA_GRAPH = env.bool("GENERATION_CUDA_GRAPH", default=True)
GENERATION_COMPILE = env.str("GENERATION_COMPILE", default="auto")
GENERATION_COMPILE_MIN_ITERATIONS = env.int("GENERATION_COMPILE_MIN_ITERATIONS", default=2000)
# A duplicate delivery of a run or job that a live worker holds looks again this many seconds later.
GENERATION_BUSY_RETRY_SECONDS = env.int("GENERATION_BUSY_RETRY_SECONDS", default=30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
