from django.contrib import admin

from rights.models import Right


@admin.register(Right)
class RightAdmin(admin.ModelAdmin):
    """System admins maintain the rights catalogue; case rights are never shown here."""

    list_display = ["code", "title_nb", "legal_reference_nb", "tracks", "is_active"]
    list_filter = ["is_active"]
