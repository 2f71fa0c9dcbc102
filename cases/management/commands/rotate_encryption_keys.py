from django.core.management.base import BaseCommand, CommandError

from cases.rotation import rotate_all
from core import crypto


class Command(BaseCommand):
    help = "Re-encrypt all identifying data and TOTP secrets under the first key in VERN_ENCRYPTION_KEYS."

    def handle(self, *args: object, **options: object) -> None:
        try:
            result = rotate_all()
        except crypto.DecryptionError as error:
            raise CommandError(
                f"Rotation stopped: a value could not be decrypted ({error}). Nothing is lost."
            ) from error
        self.stdout.write(
            f"Re-encrypted and verified {result.rotated} values; {result.already_current} were already "
            f"under key {crypto.keyring().active_id}."
        )
