"""Settings, read from INTERLUDE_* environment variables (and a `.env` file in development)."""

from __future__ import annotations

import os
from pathlib import Path

from dotenv import load_dotenv

from audio_scripts.settings import BUILTIN_SOUNDS_DIR, user_cache_dir

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("INTERLUDE_INSTANCE_DIR", PROJECT_ROOT / "instance"))


def _env(name: str, default: str) -> str:
    return os.environ.get(f"INTERLUDE_{name}", default)


def _env_list(name: str) -> list[str]:
    return [item.strip() for item in _env(name, "").split(",") if item.strip()]


# The public push services of Chrome, Firefox, Edge/Windows and Apple, matched by host suffix.
DEFAULT_PUSH_HOSTS = (
    "fcm.googleapis.com",
    "push.services.mozilla.com",
    "notify.windows.com",
    "push.apple.com",
)

# The tests' data key (tests/live.py hands it to gunicorn too): never a real one.
TEST_DATA_KEY = "dGVzdC1kYXRhLWtleS1ub3QtZm9yLXByb2R1Y3Rpb24="


class Config:
    """Production and `make run` settings. Each attribute can be overridden by a mapping
    passed to `create_app(config=...)`."""

    # One setting a line, each with its reason beside it: a long list, on purpose, so that
    # every setting is declared in this one place and read once (docs/architecture.md).
    def __init__(self) -> None:
        load_dotenv(PROJECT_ROOT / ".env", override=False)
        self.INSTANCE_DIR = INSTANCE_DIR
        self.SECRET_KEY = _env("SECRET_KEY", "")
        # "production" refuses to start without INTERLUDE_DATA_KEYS (so does any database
        # other than SQLite); anything else lets the embedded default make a key file.
        self.ENVIRONMENT = _env("ENV", "development")
        # Fernet keys for health data at rest (api/crypto.py), newest first.
        self.DATA_KEYS = _env_list("DATA_KEYS")
        self.SQLALCHEMY_DATABASE_URI = _env(
            "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'interlude.db'}"
        )
        # hide_parameters: a logged database error names the statement, never the values
        # (email addresses, notes) it carried.
        self.SQLALCHEMY_ENGINE_OPTIONS: dict[str, object] = {
            "pool_pre_ping": True,
            "hide_parameters": True,
        }
        self.STORAGE_URL = _env("STORAGE_URL", (INSTANCE_DIR / "media").as_uri())
        self.S3_ENDPOINT_URL = _env("S3_ENDPOINT_URL", "") or None
        # The S3 region, from AWS_REGION (no INTERLUDE_ prefix: it is the name every AWS tool
        # reads). Unset: boto3's chain decides (AWS_DEFAULT_REGION, ~/.aws/config, us-east-1).
        self.AWS_REGION = os.environ.get("AWS_REGION") or None
        self.JOB_QUEUE = _env("JOB_QUEUE", "thread")
        self.MAX_UPLOAD_MB = int(_env("MAX_UPLOAD_MB", "50"))
        self.CORS_ORIGINS = _env_list("CORS_ORIGINS")
        self.TTS_VOICE = _env("TTS_VOICE", "default")
        # The narration cache (docs/audio.md) and the background sounds scripts may name.
        self.TTS_CACHE_DIR = _env("CACHE_DIR", "") or str(
            user_cache_dir(os.environ.get("XDG_CACHE_HOME"))
        )
        self.SOUNDS_DIR = _env("SOUNDS_DIR", "") or str(BUILTIN_SOUNDS_DIR)
        # AAC (m4a) is always rendered; add opus and/or mp3 here.
        self.RENDER_FORMATS = _env("RENDER_FORMATS", "aac")
        self.RENDER_BITRATES = _env("RENDER_BITRATES", "")
        self.JOB_THREADS = int(_env("JOB_THREADS", "2"))
        self.CONTENT_DIR = Path(_env("CONTENT_DIR", str(PROJECT_ROOT / "content")))
        # Anonymous catalog reads are cached per process this long (0: off).
        self.CATALOG_CACHE_SECONDS = float(_env("CATALOG_CACHE_SECONDS", "5"))
        self.PRESIGN_SECONDS = int(_env("PRESIGN_SECONDS", "3600"))
        self.ACCESS_TOKEN_SECONDS = int(_env("ACCESS_TOKEN_SECONDS", "3600"))
        self.REFRESH_TOKEN_DAYS = int(_env("REFRESH_TOKEN_DAYS", "30"))
        # Limits for POST /auth/token: per account (the email tried) and per client address.
        self.TOKEN_RATE_LIMIT_ACCOUNT = _env("TOKEN_RATE_LIMIT_ACCOUNT", "10/minute;50/hour")
        self.TOKEN_RATE_LIMIT_ADDRESS = _env("TOKEN_RATE_LIMIT_ADDRESS", "30/minute")
        # Sign-ups (POST /auth/register), per client address and in total: refused before the
        # password is hashed. A clinic signing people up from one network shares one address.
        self.REGISTER_RATE_LIMIT_ADDRESS = _env("REGISTER_RATE_LIMIT_ADDRESS", "10/minute;50/hour")
        self.REGISTER_RATE_LIMIT_TOTAL = _env("REGISTER_RATE_LIMIT_TOTAL", "60/minute;1000/hour")
        # Invitation codes tried, per client and per address.
        self.INVITE_RATE_LIMIT = _env("INVITE_RATE_LIMIT", "10/hour")
        # Reverse proxies in front of the app whose X-Forwarded-* headers are trusted (0: none,
        # so a client cannot pick its own address for the rate limits).
        self.PROXY_HOPS = int(_env("PROXY_HOPS", "0"))
        # Shared by the workers on this machine (see api/ratelimit.py); redis://… for many.
        self.RATELIMIT_STORAGE_URI = _env(
            "RATELIMIT_STORAGE_URI", f"sqlite:///{INSTANCE_DIR / 'ratelimits.sqlite'}"
        )
        # Mail (docs/mail.md): unset, each mail is written into instance/outbox/ as an .eml
        # file; smtp://user:password@host:587 (STARTTLS) or smtps://user:password@host:465.
        self.MAIL_URL = _env("MAIL_URL", "")
        self.MAIL_FROM = _env("MAIL_FROM", "Interlude <noreply@localhost>")
        self.MAIL_TIMEOUT_SECONDS = float(_env("MAIL_TIMEOUT_SECONDS", "20"))
        # Where people open the app: the links in mails start with it.
        self.PUBLIC_URL = _env("PUBLIC_URL", "http://127.0.0.1:8000")
        # "Forgot your password?" (POST /auth/password-reset): per address asked about and
        # per client address; choosing the new password, per client address.
        self.RESET_RATE_LIMIT_ACCOUNT = _env("RESET_RATE_LIMIT_ACCOUNT", "5/hour;10/day")
        self.RESET_RATE_LIMIT_ADDRESS = _env("RESET_RATE_LIMIT_ADDRESS", "10/hour")
        self.RESET_CONFIRM_RATE_LIMIT = _env("RESET_CONFIRM_RATE_LIMIT", "20/hour")
        # Mails to an account's owner about sign-ups with its address, per address: more
        # sign-ups are answered alike and change nothing, but are not mailed about.
        self.SIGNUP_NOTICE_LIMIT = _env("SIGNUP_NOTICE_LIMIT", "3/day")
        # Invitations sent by mail, per therapist (the code alone is not limited).
        self.INVITE_MAIL_RATE_LIMIT = _env("INVITE_MAIL_RATE_LIMIT", "30/hour;100/day")
        self.LOG_LEVEL = _env("LOG_LEVEL", "INFO")
        # /metrics answers only a request bearing this token; unset, it is a 404 (api/metrics.py).
        self.METRICS_TOKEN = _env("METRICS_TOKEN", "")
        # The web app's files (index.html, sw.js, app/...); empty: the ones in the package.
        self.WEB_DIR = _env("WEB_DIR", "")
        # A JSON file of crisis contacts for "Need help now?"; empty: a marked placeholder.
        self.SUPPORT_CONTACTS = _env("SUPPORT_CONTACTS", "")
        # argon2id cost; the defaults are argon2-cffi's RFC 9106 "low memory" profile.
        self.ARGON2_TIME_COST = int(_env("ARGON2_TIME_COST", "3"))
        self.ARGON2_MEMORY_KIB = int(_env("ARGON2_MEMORY_KIB", "65536"))
        # Web Push reminders (docs/reminders.md): the VAPID key (PEM, or the base64url raw key
        # `flask push keys` prints) and a contact for push services (mailto: or https:).
        # Without both, the push endpoints answer 503 and no reminder is sent.
        self.VAPID_PRIVATE_KEY = _env("VAPID_PRIVATE_KEY", "")
        self.VAPID_SUBJECT = _env("VAPID_SUBJECT", "")
        # Hosts (by suffix) that subscriptions may point at: our server sends requests there.
        self.PUSH_HOSTS = _env_list("PUSH_HOSTS") or list(DEFAULT_PUSH_HOSTS)

        # flask-smorest / OpenAPI
        self.API_TITLE = "Interlude"
        self.API_VERSION = "v1"
        self.OPENAPI_VERSION = "3.0.3"  # 3.1 is not shown by the bundled Swagger UI (4.x)
        self.OPENAPI_URL_PREFIX = "/api"
        self.OPENAPI_JSON_PATH = "openapi.json"
        self.OPENAPI_SWAGGER_UI_PATH = "/docs"
        self.OPENAPI_SWAGGER_UI_URL = "/api/docs/static/"
        self.API_SPEC_OPTIONS = {
            "info": {
                "description": (
                    "Interlude: guided practice between therapy sessions. "
                    "Errors share one shape: {code, status, message, errors?}. "
                    "Objects the caller may not see answer 404; 403 is for a role that may "
                    "never use an operation."
                ),
                "license": {
                    "name": "AGPL-3.0-or-later",
                    "url": "https://www.gnu.org/licenses/agpl-3.0.html",
                },
            },
            # Paths are absolute (/api/v1/...): the server is wherever the document came from.
            "servers": [{"url": "/", "description": "this server"}],
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer"},
                }
            },
        }
        self.JSON_SORT_KEYS = False

    def as_mapping(self) -> dict[str, object]:
        return {k: v for k, v in vars(self).items() if k.isupper()}


class TestConfig(Config):
    """Settings for the test suite: a throwaway SQLite file unless
    INTERLUDE_TEST_DATABASE_URL names another database; cheap password hashing."""

    __test__ = False  # not a pytest test class, despite the name

    def __init__(self, instance_dir: Path | None = None) -> None:
        super().__init__()
        self.TESTING = True
        if instance_dir is not None:
            self.INSTANCE_DIR = instance_dir
            self.STORAGE_URL = (instance_dir / "media").as_uri()
            self.RATELIMIT_STORAGE_URI = f"sqlite:///{instance_dir / 'ratelimits.sqlite'}"
        self.SECRET_KEY = "test-secret-key-not-for-production"
        self.DATA_KEYS = [TEST_DATA_KEY]
        self.SQLALCHEMY_DATABASE_URI = os.environ.get(
            "INTERLUDE_TEST_DATABASE_URL", f"sqlite:///{self.INSTANCE_DIR / 'test.db'}"
        )
        self.ARGON2_TIME_COST = 1
        self.ARGON2_MEMORY_KIB = 1024
        self.JOB_QUEUE = "inline"
        self.CATALOG_CACHE_SECONDS = 0.0  # the tests that want it turn it on
        self.CORS_ORIGINS = []
        self.LOG_LEVEL = "WARNING"
