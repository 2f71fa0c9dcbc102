from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand

from chain.catalogue import load_templates


class Command(BaseCommand):
    help = "Load the shipped chain templates (Oslo adult relay, Bergen child TOT) for municipalities that have none."

    def handle(self, *args: Any, **options: Any) -> None:
        created = load_templates(apps.get_model)
        self.stdout.write(f"{created} chain template(s) loaded.")
