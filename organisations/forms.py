from collections.abc import Iterator
from itertools import groupby
from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from organisations.models import Invitation, Membership, Organisation, assignable_roles


class ByKind(ModelChoiceIterator):
    """The choices in one `<optgroup>` per kind of organisation, the groups in the order of their labels.

    The queryset must be ordered by kind first. Radio buttons and checkboxes show each group under its
    heading (templates/django/forms/widgets/multiple_input.html).
    """

    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        groups = [
            (str(kind), [self.choice(o) for o in organisations])
            for kind, organisations in groupby(self.queryset, key=lambda o: o.get_kind_display())
        ]
        yield from sorted(groups, key=lambda group: group[0])


class ChooseOrganisationForm(forms.Form):
    membership = forms.TypedChoiceField(
        label=_("Organisation"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose an organisation.")},
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: object, memberships: list[Membership], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.memberships = {m.pk: m for m in memberships}
        self.fields["membership"].choices = [  # type: ignore[attr-defined]
            (m.pk, f"{m.organisation.name} – {m.get_role_display()}") for m in memberships
        ]

    def chosen(self) -> Membership:
        return self.memberships[self.cleaned_data["membership"]]


class AddMemberForm(forms.Form):
    """Whom to invite, and as what: only the roles the organisation's kind has are offered."""

    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args: object, organisation: Organisation, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["role"].choices = assignable_roles(organisation)  # type: ignore[attr-defined]


class ChangeRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args: object, membership: Membership, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        choices = assignable_roles(membership.organisation)
        # A role given before the organisation's kind limited them still shows as the member's, until changed.
        if membership.role not in dict(choices):
            choices.append((membership.role, membership.get_role_display()))
        self.fields["role"].choices = choices  # type: ignore[attr-defined]


class AcceptInvitationForm(forms.Form):
    """The password a new member chooses, checked by Django's password validators (settings.py)."""

    password1 = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Type the password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: object, invitation: Invitation, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.invitation = invitation
        # Built per form, in the language of the request.
        self.fields["password1"].help_text = password_validation.password_validators_help_text_html()

    def clean_password2(self) -> str:
        password1, password2 = self.cleaned_data.get("password1"), self.cleaned_data["password2"]
        if password1 and password1 != password2:
            raise forms.ValidationError(_("The two passwords are not the same."))
        # The validators compare the password with the name and e-mail address the account will have.
        future_user = User(
            email=self.invitation.email, first_name=self.invitation.first_name, last_name=self.invitation.last_name
        )
        password_validation.validate_password(password2, user=future_user)
        return password2


class TimeInput(forms.TimeInput):
    """The browser's own time picker, hours and minutes."""

    input_type = "time"

    def __init__(self) -> None:
        super().__init__(format="%H:%M")


class WorkingHoursForm(forms.ModelForm):
    """The organisation's own working hours, which the log review measures reads against."""

    class Meta:
        model = Organisation
        fields = ["works_around_the_clock", "works_from", "works_until", "works_weekends"]
        widgets = {"works_from": TimeInput(), "works_until": TimeInput()}

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if not cleaned.get("works_around_the_clock") and cleaned.get("works_from") == cleaned.get("works_until"):
            raise forms.ValidationError(_("The working day must start and end at different times."))
        return cleaned
