"""The invitation's token and e-mail: what the invitee receives, and how a link is matched to its invitation.

The e-mail is written in bokmål and English, one after the other, in one message: the invitee has no account and
so no language of their own yet, and the admin may not know which they read. The link's page then follows the
language the browser asks for, with the usual switch.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from organisations.models import Invitation

# The e-mail's languages, in order: bokmål first, as Vern's default.
EMAIL_LANGUAGES = ("nb", "en")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh random token for the e-mail's link, and the hash that alone is stored."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def new_expiry() -> datetime:
    return timezone.now() + timedelta(days=settings.VERN_INVITATION_DAYS)


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation the token opens, accepted, withdrawn or expired too; None for a token that is no one's."""
    return (
        Invitation.objects.select_related("organisation", "invited_by__user", "invited_by__organisation")
        .filter(token_hash=hash_token(token))
        .first()
    )


def has_account(invitation: Invitation) -> bool:
    return User.objects.filter(email__iexact=invitation.email).exists()


def send_invitation_email(*, invitation: Invitation, token: str) -> None:
    link = settings.SITE_URL.rstrip("/") + reverse("invitations:open", args=[token])
    # Someone with an account (in another organisation) logs in to accept; no password is chosen.
    context = {"invitation": invitation, "link": link, "has_account": has_account(invitation)}
    subjects, texts, sections = [], [], []
    for language in EMAIL_LANGUAGES:
        with translation.override(language):
            subjects.append(_("Invitation to Vern from %(organisation)s") % {"organisation": invitation.organisation})
            texts.append(render_to_string("organisations/email/invitation.txt", context).strip())
            sections.append(render_to_string("organisations/email/invitation.html", {**context, "language": language}))
    message = EmailMultiAlternatives(
        subject=" / ".join(subjects), body="\n\n----------\n\n".join(texts), to=[invitation.email]
    )
    message.attach_alternative(
        render_to_string("organisations/email/invitation_document.html", {"sections": sections}), "text/html"
    )
    message.send()
