from django.core.management.base import BaseCommand, CommandError

from audit.services import checkpoint_head


class Command(BaseCommand):
    help = (
        "Check the access log entries written since the latest checkpoint and, if they are intact, append a signed "
        "checkpoint of the chain head to VERN_AUDIT_CHECKPOINT_FILE. Run it from a timer, e.g. every 15 minutes; "
        "exits with status 1, writing nothing, if the log has been tampered with."
    )

    def handle(self, *args: object, **options: object) -> None:
        result = checkpoint_head()
        if result.problems:
            for problem in result.problems:
                self.stdout.write(problem)
            raise CommandError(
                f"The audit log has been tampered with: {len(result.problems)} problem(s) found; no checkpoint written."
            )
        if result.checkpoint is None:
            self.stdout.write("The audit log is empty: nothing to checkpoint.")
        else:
            self.stdout.write(f"Wrote {result.checkpoint.describe()} (entry {result.checkpoint.sequence}).")
