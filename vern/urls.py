from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from core import views as core_views
from vern.api import api

# The admin is for system admins only, and its log-in goes through Vern's MFA log-in.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "Vern – system administration"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("account/", include("accounts.urls")),
    path("organisation/", include("organisations.urls")),
    path("cases/", include("cases.urls")),
    path("audit/", include("audit.urls")),
    path("identification/", include("screening.urls")),
    path("rights/", include("rights.urls")),
    path("chain/", include("chain.urls")),
    path("referrals/", include("referrals.urls")),
    path("learning/", include("learning.urls")),
    path("statistics/dark-figure/", include("dark_figure.urls")),
    path("statistics/", include("national_statistics.urls")),
    path("notifications/", include("notifications.urls")),
    path("placements/", include("placements.urls")),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("system-admin/", admin.site.urls),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
