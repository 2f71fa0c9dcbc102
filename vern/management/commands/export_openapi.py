from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from vern.api import openapi_document

OPENAPI_PATH = Path(settings.BASE_DIR) / "docs" / "openapi.json"


class Command(BaseCommand):
    help = "Write the API's OpenAPI schema to docs/openapi.json (committed; a test checks it is current)."

    def handle(self, *args: Any, **options: Any) -> None:
        OPENAPI_PATH.write_text(openapi_document(), encoding="utf-8")
        self.stdout.write(f"Wrote {OPENAPI_PATH.relative_to(settings.BASE_DIR)}")
