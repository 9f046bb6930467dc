"""Settings for the test suite: Dozor's own settings with a throwaway home and fast hashing."""

import os
import tempfile

os.environ.setdefault("DOZOR_HOME", tempfile.mkdtemp(prefix="dozor-test-"))
os.environ.setdefault("DOZOR_ENV", "test")
os.environ.setdefault("DOZOR_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
# Two-factor enforcement has its own tests (override_settings); the rest sign in with force_login.
os.environ.setdefault("DOZOR_TWO_FACTOR_ROLES", "")
# A fixed key, so that the suite runs unlocked; tests of locked mode swap the key ring.
os.environ.setdefault("DOZOR_KEY", "ZG96b3ItdGVzdC1rZXktbm90LXNlY3JldC0zMmJ5dGU")

from dozor.settings import *  # noqa: F403 - the test settings are the project's, amended

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
