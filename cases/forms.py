from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from cases.glass import break_glass_grounds
from cases.models import CASE_CODE, PROGRESS_MAX_LENGTH, PROGRESS_TOPICS, Case
from core.forms import DateField
from core.text import validate_real_reason
from organisations.models import Municipality


class CreateCaseForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label=_("Municipality responsible for assistance"),
        queryset=Municipality.objects.order_by("name"),
        help_text=_("The municipality where the person stays. It gives the case code its prefix."),
    )


class FindCaseForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    birth_date = DateField(label=_("Date of birth"), required=False)

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if not cleaned.get("name") and not cleaned.get("birth_date"):
            raise forms.ValidationError(_("Give a name, a date of birth or both."))
        return cleaned


class OpenCaseForm(forms.Form):
    """Opens a case by its pseudonym code: the way to a protected case, which no list shows."""

    code = forms.CharField(label=_("Case code"), max_length=20, help_text=_("For example OSL-2026-0042."), strip=True)

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].upper()
        if not CASE_CODE.fullmatch(code):
            raise forms.ValidationError(_("A case code looks like OSL-2026-0042."))
        return code


class VersionForm(forms.Form):
    """Carries the case version the user opened, to refuse saving over someone else's change."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class ProtectForm(forms.Form):
    protected = forms.BooleanField(label=_("The person is under high threat: protect the case"), required=False)
    named_users = forms.ModelMultipleChoiceField(
        label=_("Who may open the case"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Everybody else must break the glass, with a reason, to open it."),
    )

    def __init__(self, *args: object, members: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["named_users"].queryset = members  # type: ignore[attr-defined]


class BreakGlassForm(forms.Form):
    ground = forms.ChoiceField(
        label=_("What is the need?"),
        choices=[],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what the need is."), "invalid_choice": _("Choose what the need is.")},
    )
    explanation = forms.CharField(
        label=_("Why do you need to open this case now?"),
        max_length=400,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[validate_real_reason],
        help_text=_(
            "In a few words, for example who asked and what must be done now. Do not write the person's name or "
            "other personal data. Your reason is logged, and the administrators of the organisation that owns the "
            "case and of your own organisation are told."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ground"].choices = [(ground.code, ground.title) for ground in break_glass_grounds()]  # type: ignore[attr-defined]


class ChangeTrackForm(forms.Form):
    track = forms.ChoiceField(label=_("Track"), choices=Case.Track.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example the result of an age assessment. Do not write the person's name."),
    )


class ProgressEntryForm(forms.Form):
    """A progress entry: what it is about (only what the member's organisation may write about) and the text."""

    group = forms.ChoiceField(
        label=_("About"),
        choices=[],
        error_messages={
            "required": _("Choose what the entry is about."),
            "invalid_choice": _(
                "Your organisation can write only about the information the case is shared with it for. Nothing "
                "was saved. Choose one of the choices in the list."
            ),
        },
        help_text=_(
            "An entry about a kind of information is seen by the owner, by your organisation and by those the "
            "case shares that information with. A general entry is seen by the owner and your organisation only."
        ),
    )
    text = forms.CharField(
        label=_("What has your organisation done or learnt?"),
        max_length=PROGRESS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write what your organisation has done or learnt. Nothing was saved.")},
        help_text=_(
            "Write what the others need to know to do their part, and no more personal data than that. Do not "
            "write the person's name: the case code is enough."
        ),
    )

    def __init__(self, *args: Any, groups: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(PROGRESS_TOPICS)
        field = cast(forms.ChoiceField, self.fields["group"])
        field.choices = [("", _("Choose")), *((group, labels[group]) for group in groups)]
