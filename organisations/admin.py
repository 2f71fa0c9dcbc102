"""Django admin for system admins: municipalities, organisations, memberships. Never case data."""

from django.contrib import admin

from organisations.models import Membership, Municipality, Organisation


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "police_district"]
    search_fields = ["number", "name"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "owner_type", "municipality", "is_active"]
    list_filter = ["kind", "owner_type", "municipality", "is_active"]
    search_fields = ["name"]
    list_select_related = ["municipality"]
    inlines = [MembershipInline]
