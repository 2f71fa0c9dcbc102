"""Signals organisations sends, so that it need not know the apps above it (the access log writes invitations)."""

from django.dispatch import Signal

# Sent inside the transaction that sends an invitation, first or again, with `invitation` and `by` (the admin).
invitation_sent = Signal()
# Sent inside the transaction that withdraws an invitation, with `invitation` and `by` (the admin).
invitation_withdrawn = Signal()
# Sent inside the transaction that makes the invitee a member, with `invitation` and `user` (the new member).
invitation_accepted = Signal()
