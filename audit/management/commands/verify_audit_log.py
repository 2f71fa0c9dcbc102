from django.core.management.base import BaseCommand, CommandError

from audit.models import AccessEntry
from audit.services import checkpoint_head, verify_chain


class Command(BaseCommand):
    help = (
        "Check that no access log entry has been changed or removed, against the signed checkpoints outside the "
        "database; exits with status 1 if one has. An intact log is checkpointed."
    )

    def handle(self, *args: object, **options: object) -> None:
        verification = verify_chain()
        if verification.problems:
            for problem in verification.problems:
                self.stdout.write(problem)
            raise CommandError(f"The audit log has been tampered with: {len(verification.problems)} problem(s) found.")
        self.stdout.write(f"Audit log intact: {AccessEntry.objects.count()} entries.")
        if verification.checkpoint is None:
            self.stdout.write("No checkpoint to check against yet.")
        else:
            self.stdout.write(
                f"Intact up to {verification.checkpoint.describe()} (entry {verification.checkpoint.sequence})."
            )
        if verification.head is not None:
            self.stdout.write(f"Chain head: entry {verification.head.sequence}, hash {verification.head.hash}")
            # The whole log was just found intact: the best moment to record where it stands.
            written = checkpoint_head().checkpoint
            if written is not None:
                self.stdout.write(f"Wrote {written.describe()} (entry {written.sequence}).")
