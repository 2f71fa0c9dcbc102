from typing import Any

from allauth.mfa.signals import authentication_failed
from django.dispatch import receiver

from accounts import login_attempts
from accounts.models import User


@receiver(authentication_failed)
def count_wrong_totp_code(sender: Any, user: User, **kwargs: Any) -> None:
    """A wrong TOTP code means someone has the password: it counts towards the warning to the user and admins."""
    login_attempts.totp_failed(user=user)
