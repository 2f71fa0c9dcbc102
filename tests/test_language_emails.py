"""Every e-mail Vern sends speaks its language: notifications in bokmål, invitations in bokmål then English.

Each is sent through the code that sends it (Django's locmem backend in tests) and its subject and body,
line by line, are checked as tests/test_language.py checks a page.
"""

from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from notifications import services
from notifications.models import Notification
from tests.conftest import Cast
from tests.factories import CaseFactory
from tests.helpers import client_acting_in
from tests.test_language import _catalogue, leaks
from tests.test_organisations_invitations import NEW_PERSON

pytestmark = pytest.mark.django_db


def _lines(*texts: str) -> list[str]:
    return [" ".join(line.split()) for text in texts for line in text.splitlines() if line.strip()]


def test_every_notification_email_is_in_bokmal(cast: Cast) -> None:
    case = CaseFactory.create(owner=cast.ngo)
    for kind in Notification.Kind:
        for about_case in (case, None):
            services.notify(
                user_ids=[cast.ngo_worker.pk],
                organisation_id=cast.ngo.pk,
                kind=kind,
                case=about_case,
                link_path=f"/cases/{case.code}/" if about_case else "/",
                event_key=f"test:{kind}:{bool(about_case)}",
            )
    assert services.send_pending_emails() == 2 * len(Notification.Kind)
    catalogue = _catalogue()
    problems = [
        f"{message.subject}: {leak}"
        for message in mail.outbox
        for leak in leaks(_lines(str(message.subject), str(message.body)), "nb", catalogue)
    ]
    assert not problems, "\n".join(problems)


def test_the_invitation_email_is_in_bokmal_then_english(cast: Cast, django_capture_on_commit_callbacks: Any) -> None:
    client = client_acting_in(cast.ngo_admin, cast.ngo)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("organisations:members"), {**NEW_PERSON, "role": "caseworker"})
    [message] = mail.outbox
    subject_nb, subject_en = message.subject.split(" / ")
    body_nb, body_en = str(message.body).split("\n\n----------\n\n")
    catalogue = _catalogue()
    problems = leaks(_lines(subject_nb, body_nb), "nb", catalogue) + leaks(_lines(subject_en, body_en), "en", catalogue)
    assert not problems, "\n".join(problems)
