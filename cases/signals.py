"""Signals other apps listen to, so that cases need not know them (the chain starts a new case's steps)."""

from django.dispatch import Signal

# Sent inside the transaction that creates the case, with `case` and `membership`.
case_created = Signal()
