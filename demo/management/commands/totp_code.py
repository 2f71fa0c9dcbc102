from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.totp import totp_code


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo user. Refuses to run outside demo mode."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")

    def handle(self, *args: object, email: str, **options: object) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("totp_code works only in demo mode (VERN_DEBUG=true and VERN_DEMO=true).")
        authenticator = Authenticator.objects.filter(user__email__iexact=email, type=Authenticator.Type.TOTP).first()
        if authenticator is None:
            raise CommandError("No user with TOTP enrolled has that e-mail address.")
        self.stdout.write(totp_code(decrypt(authenticator.data["secret"])))
