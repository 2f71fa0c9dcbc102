"""Signals accounts sends, so that it need not know the apps above it (the access log writes token events)."""

from django.dispatch import Signal

# Sent inside the transaction that creates an API token, with `token` (its membership loaded).
api_token_created = Signal()
# Sent inside the transaction that revokes an API token, with `token`; not sent for a token already revoked.
api_token_revoked = Signal()
