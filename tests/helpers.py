import time

from django.test import Client

from accounts.middleware import SESSION_KEY as MFA_SESSION_KEY
from accounts.models import User
from organisations.access import SESSION_KEY as MEMBERSHIP_SESSION_KEY
from organisations.models import Organisation


def client_acting_in(user: User, organisation: Organisation | None = None) -> Client:
    """A test client logged in (past MFA, password just re-entered) and acting in `organisation`, if given."""
    client = Client()
    client.force_login(user)
    session = client.session
    session[MFA_SESSION_KEY] = True
    # What allauth records when the password is re-entered for a sensitive action.
    session["account_authentication_methods"] = [{"method": "password", "at": time.time(), "reauthenticated": True}]
    session["account_authentication_methods_user"] = str(user.pk)
    if organisation is not None:
        session[MEMBERSHIP_SESSION_KEY] = user.memberships.get(organisation=organisation).pk
    session.save()
    return client
