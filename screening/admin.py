"""System admins edit the identification catalogue here, without a deploy (never case data)."""

from typing import Any

from django.apps import apps
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from screening.catalogue import copy_as_new_version
from screening.models import Advice, CatalogueVersion, ExploitationForm, Indicator, Question


def _get_model(name: str) -> Any:
    return apps.get_model("screening", name)


class ItemInline(admin.TabularInline):
    extra = 0

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or not obj.screenings.exists()

    has_add_permission = has_change_permission
    has_delete_permission = has_change_permission


class FormInline(ItemInline):
    model = ExploitationForm


class IndicatorInline(ItemInline):
    model = Indicator


class AdviceInline(ItemInline):
    model = Advice


class QuestionInline(ItemInline):
    model = Question


@admin.register(CatalogueVersion)
class CatalogueVersionAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "is_active", "published_at"]
    readonly_fields = ["is_active", "published_at"]
    inlines = [FormInline, IndicatorInline, AdviceInline, QuestionInline]
    actions = ["copy_as_new_version", "activate"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A version that screenings have used stays exactly as it was.
        return super().has_change_permission(request, obj) and (obj is None or not obj.screenings.exists())

    @admin.action(description=_("Copy as a new draft version"))
    def copy_as_new_version(self, request: HttpRequest, queryset: QuerySet[CatalogueVersion]) -> None:
        for version in queryset:
            copy = copy_as_new_version(version, get_model=_get_model)
            self.message_user(request, _("Version %(number)s created as a draft.") % {"number": copy.number})

    @admin.action(description=_("Activate (new screenings use it)"))
    def activate(self, request: HttpRequest, queryset: QuerySet[CatalogueVersion]) -> None:
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one version."), messages.ERROR)
            return
        with transaction.atomic():
            CatalogueVersion.objects.filter(is_active=True).update(is_active=False)
            queryset.update(is_active=True, published_at=timezone.now())
