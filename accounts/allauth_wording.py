"""allauth's messages that reach Vern's members, in Språkrådet's plain bokmål instead of allauth's own.

allauth's bokmål asks with "Vennligst …"; locale/nb holds Vern's wording of each message below, which
takes precedence over allauth's catalogue. Listing them here keeps them in the catalogue when
makemessages runs (an entry no source names would be dropped as obsolete).
"""

from django.utils.translation import gettext_noop

REWORDED = [
    gettext_noop("Please type your current password."),
    gettext_noop("Too many failed login attempts. Try again later."),
    gettext_noop("We've sent a code to %(recipient)s. The code expires shortly, so please enter it soon."),
    gettext_noop("Please reauthenticate to safeguard your account."),
    gettext_noop("Your password reset code is listed below. Please enter it in your open browser window."),
    gettext_noop("Your sign-in code is listed below. Please enter it in your open browser window."),
    gettext_noop("Your email verification code is listed below. Please enter it in your open browser window."),
    gettext_noop("Please Confirm Your Email Address"),
    gettext_noop(
        "The password reset link was invalid, possibly because it has already been used.  Please request a "
        '<a href="%(passwd_reset_url)s">new password reset</a>.'
    ),
    gettext_noop(
        "We have sent you an email. If you have not received it please check your spam folder. Otherwise contact "
        "us if you do not receive it in a few minutes."
    ),
    gettext_noop("Your account is protected by two-factor authentication. Please enter an authenticator code:"),
    gettext_noop(
        'This email confirmation link expired or is invalid. Please <a href="%(email_url)s">issue a new email '
        "confirmation request</a>."
    ),
]
