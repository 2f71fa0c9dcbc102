from django.core.management.base import BaseCommand, CommandError

from audit.models import HEAD_PK, AccessEntry, ChainHead
from audit.services import verify_chain


class Command(BaseCommand):
    help = "Check that no access log entry has been changed or removed; exits with status 1 if one has."

    def handle(self, *args: object, **options: object) -> None:
        problems = verify_chain()
        if problems:
            for problem in problems:
                self.stdout.write(problem)
            raise CommandError(f"The audit log has been tampered with: {len(problems)} problem(s) found.")
        self.stdout.write(f"Audit log intact: {AccessEntry.objects.count()} entries.")
        head = ChainHead.objects.filter(pk=HEAD_PK).first()
        if head is not None:
            # Kept outside the database, this hash shows a later rewrite of the whole chain.
            self.stdout.write(f"Chain head: entry {head.sequence}, hash {head.hash}")
