"""The public form's image challenge: a sum drawn by Dozor itself, read by a person.

No third-party service and no JavaScript: the form carries a signed token naming a random nonce;
the sum is derived from the nonce with the site's secret key, so the token says nothing of the
answer and the server keeps nothing until the form comes back. Each token is spent once, right
or wrong, and lives an hour; a spent nonce is remembered in the database (not in one process's
memory) until its token has expired anyway.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import io
import secrets

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageDraw, ImageFont

from dozor.submissions.models import SpentChallenge

SALT = "dozor.submissions.challenge"
MAX_AGE = datetime.timedelta(hours=1)
WIDTH, HEIGHT = 220, 70

MSG_WRONG = _("The sum in the picture is not %(answer)s. Here is a new one.")
MSG_NOT_A_NUMBER = _("Write the sum in the picture as a number, e.g. 27.")
MSG_EXPIRED = _(
    "The picture was more than an hour old or had been used already. Here is a new one: "
    "nothing you wrote is lost."
)


class ChallengeFailed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def challenge_new() -> str:
    """A new token for the form (and for the picture's URL)."""
    return signing.dumps({"n": secrets.token_urlsafe(12)}, salt=SALT)


def nonce_of(token: str) -> str:
    """The token's nonce; ChallengeFailed when the token is forged, garbled or too old."""
    try:
        value = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        raise ChallengeFailed(str(MSG_EXPIRED)) from None
    nonce = value.get("n") if isinstance(value, dict) else None
    if not isinstance(nonce, str) or not nonce:
        raise ChallengeFailed(str(MSG_EXPIRED))
    return nonce


def question(nonce: str) -> tuple[int, int]:
    """The two numbers to add, derived from the nonce with the secret key."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"challenge:{nonce}".encode(), hashlib.sha256
    ).digest()
    return 10 + digest[0] % 40, 1 + digest[1] % 9


def image_png(token: str) -> bytes:
    """The picture of the sum: wobbling digits over a few lines, as a PNG."""
    first, second = question(nonce_of(token))
    jitter = hmac.new(settings.SECRET_KEY.encode(), token.encode(), hashlib.sha256).digest()
    picture = Image.new("RGB", (WIDTH, HEIGHT), (248, 246, 240))
    draw = ImageDraw.Draw(picture)
    for index in range(5):
        a, b, c, d = jitter[4 * index : 4 * index + 4]
        draw.line(
            ((a % WIDTH, b % HEIGHT), (c % WIDTH, d % HEIGHT)),
            fill=(150 + a % 80, 150 + b % 80, 150 + c % 80),
            width=2,
        )
    font = ImageFont.load_default(size=34)
    x = 12
    for index, character in enumerate(f"{first} + {second} ="):
        if character == " ":
            x += 10
            continue
        lift = jitter[20 + index % 12] % 16
        draw.text((x, 8 + lift), character, font=font, fill=(40, 40, 70))
        x += 22
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def challenge_check(token: str, answer: str) -> None:
    """Spend the token and check the answer; ChallengeFailed with the reason otherwise."""
    nonce = nonce_of(token)
    now = timezone.now()
    SpentChallenge.objects.filter(spent_at__lt=now - MAX_AGE).delete()
    try:
        with transaction.atomic():
            SpentChallenge.objects.create(nonce=nonce, spent_at=now)
    except IntegrityError:
        raise ChallengeFailed(str(MSG_EXPIRED)) from None
    given = answer.strip()
    if not given.isdigit() or len(given) > 4:
        raise ChallengeFailed(str(MSG_NOT_A_NUMBER))
    first, second = question(nonce)
    if int(given) != first + second:
        raise ChallengeFailed(str(MSG_WRONG) % {"answer": given})
