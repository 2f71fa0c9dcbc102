"""Signals other apps listen to, so that cases need not know them (the chain starts a new case's
steps, the rights tracker gives the case the rights of its track)."""

from django.dispatch import Signal

# Sent inside the transaction that creates the case, with `case` and `membership`.
case_created = Signal()
# Sent inside the transaction that moves a case to another track, with `case` (already on the new track).
case_track_changed = Signal()
# Sent inside the transaction that breaks the glass, with `case`, `membership` (the member who
# broke it, acting in their organisation) and `entry` (the access-log entry). `notifications` tells the
# owner's and the breaker's admins.
glass_broken = Signal()
