from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path

from cases import urls as case_urls
from core import views as core_views
from home import views as home_views
from vern.api import api, not_found

# The admin is for system admins only, and its log-in goes through Vern's MFA log-in.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "Vern – system administration"

# Every page inside a case, under /cases/ in the "cases" namespace: the case app's own, then
# those of the apps above it, which cases itself must not import.
case_pages: list[URLPattern | URLResolver] = [
    *case_urls.urlpatterns,
    path("<case:code>/", include("rights.case_urls")),
    path("<case:code>/", include("chain.case_urls")),
    path("<case:code>/", include("referrals.case_urls")),
    path("<case:code>/", include("meetings.case_urls")),
    path("<case:code>/placement/", include("placements.case_urls")),
]

urlpatterns = [
    path("", home_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("account/", include("accounts.urls")),
    path("organisation/", include("organisations.urls")),
    path("invitation/", include("organisations.invitation_urls")),
    path("cases/", include((case_pages, case_urls.app_name))),
    path("audit/review/", include("log_review.urls")),
    path("identification/", include("screening.urls")),
    path("rights/", include("rights.urls")),
    path("chain/", include("chain.urls")),
    path("referrals/", include("referrals.urls")),
    path("learning/", include("learning.urls")),
    path("statistics/dark-figure/", include("dark_figure.urls")),
    path("statistics/", include("national_statistics.urls")),
    path("notifications/", include("notifications.urls")),
    path("placements/", include("placements.urls")),
    # The API's own root would answer with the HTML 404 page; every other path under api/ answers as the API.
    path("api/v1/", not_found),
    path("api/v1/", api.urls),
    re_path(r"^api/", not_found),
    path("i18n/", include("django.conf.urls.i18n")),
    path("system-admin/", admin.site.urls),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
