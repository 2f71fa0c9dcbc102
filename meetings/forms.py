from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chain.forms import DateTimeInput
from chain.models import CaseChain
from core.forms import DateField, SubmissionKeyField
from core.i18n import interpolate_lazy
from meetings.models import Finding, FindingCategory, Invitation, Meeting
from meetings.services import Invitee, Minutes, ground_label
from organisations.forms import ByKind
from organisations.models import ROLES_WITHOUT_CASE_WORK, Membership, Organisation

NO_PERSONAL_DATA = _("Do not write the person's name or anything else that identifies them.")


def _now() -> datetime:
    return timezone.localtime().replace(second=0, microsecond=0)


class LocalDateTimeField(forms.DateTimeField):
    widget = DateTimeInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(input_formats=["%Y-%m-%dT%H:%M"], **kwargs)


def _not_in_the_future(moment: datetime) -> datetime:
    if moment > timezone.now() + timedelta(minutes=5):
        raise forms.ValidationError(_("This time is in the future."))
    return moment


class InviteeField(forms.ModelMultipleChoiceField):
    """Each organisation with its role in the track's meetings and the ground it would be invited on, by kind."""

    iterator = ByKind

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invitees: dict[int, Invitee] = {}

    def label_from_instance(self, obj: Organisation) -> str:
        invitee = self.invitees[obj.pk]
        parts = [obj.name]
        if invitee.role is not None:
            parts.append(invitee.role.role)
        parts.append(ground_label(invitee))
        return " – ".join(parts)


class ConveneForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of meeting"), choices=Meeting.Kind.choices, widget=forms.RadioSelect)
    scheduled_at = LocalDateTimeField(label=_("Time"), initial=_now)
    invited = InviteeField(
        label=_("Invite"),
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Those with a responsibility in the case are proposed. The others have a role in the meetings of "
            "this track; each can be invited once the case is shared with it by consent or on a legal basis, "
            "and what it learns in the meeting rests on that."
        ),
        error_messages={
            "required": _("Invite at least one organisation with a responsibility in the case."),
            "invalid_choice": _(
                "Only organisations with a responsibility in the case or a role in its meetings can be invited."
            ),
        },
    )
    agenda = forms.CharField(
        label=_("Other points for the agenda"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "The police's assessment of safety, the person's needs, each organisation's progress and decisions are "
            "always on the agenda. What you write here is stored encrypted and shown only to the invited."
        ),
    )
    submission_key = SubmissionKeyField()

    def __init__(self, *args: Any, invitees: list[Invitee], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: InviteeField = self.fields["invited"]  # type: ignore[assignment]
        # Those the case is not shared with yet are listed apart, with links to share (convene.html).
        field.invitees = {invitee.organisation.pk: invitee for invitee in invitees if invitee.ground}
        field.queryset = Organisation.objects.filter(pk__in=field.invitees).order_by("kind", "name", "pk")
        proposed = (Invitation.Ground.OWNER, Invitation.Ground.RESPONSIBLE)
        field.initial = [invitee.organisation.pk for invitee in invitees if invitee.ground in proposed]

    def clean_scheduled_at(self) -> datetime:
        scheduled_at: datetime = self.cleaned_data["scheduled_at"]
        if scheduled_at > timezone.now() + timedelta(days=366):
            raise forms.ValidationError(_("The meeting is more than a year ahead."))
        return scheduled_at


class MinutesForm(forms.Form):
    """The minutes, with one progress entry per invited organisation."""

    held_at = LocalDateTimeField(label=_("Held"))
    safety = forms.CharField(
        label=_("The police's assessment of safety"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    needs = forms.CharField(label=_("The person's needs"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    decisions = forms.CharField(label=_("Decisions"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, invited: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invited = invited
        decisions = self.fields.pop("decisions")
        for organisation in invited:
            self.fields[self.progress_field(organisation)] = forms.CharField(
                label=_("Progress: %(organisation)s") % {"organisation": organisation.name},
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        self.fields["decisions"] = decisions

    @staticmethod
    def progress_field(organisation: Organisation) -> str:
        return f"progress_{organisation.pk}"

    @classmethod
    def initial_from(cls, minutes: Minutes | None, *, invited: list[Organisation]) -> dict[str, Any]:
        if minutes is None:
            return {}
        initial: dict[str, Any] = {"safety": minutes.safety, "needs": minutes.needs, "decisions": minutes.decisions}
        for organisation in invited:
            initial[cls.progress_field(organisation)] = minutes.progress.get(organisation.pk, "")
        return initial

    def clean_held_at(self) -> datetime:
        return _not_in_the_future(self.cleaned_data["held_at"])

    def cleaned_minutes(self) -> Minutes:
        data = self.cleaned_data
        progress = {
            organisation.pk: data[self.progress_field(organisation)]
            for organisation in self.invited
            if data[self.progress_field(organisation)].strip()
        }
        return Minutes(safety=data["safety"], needs=data["needs"], progress=progress, decisions=data["decisions"])


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        return f"{obj.user.get_full_name()} ({obj.organisation.name})"


class ActionItemForm(forms.Form):
    title = forms.CharField(
        label=_("What is to be done"),
        max_length=200,
        help_text=interpolate_lazy(_("Shown on the owner's deadlines board. %(warning)s"), warning=NO_PERSONAL_DATA),
    )
    organisation = forms.ModelChoiceField(
        label=_("Owner"), queryset=Organisation.objects.none(), empty_label=_("Choose an invited organisation")
    )
    member = MemberChoiceField(
        label=_("Named member (optional)"),
        queryset=Membership.objects.none(),
        required=False,
        empty_label=_("Nobody named: the organisation"),
    )
    due_on = DateField(label=_("Due on"))

    def __init__(self, *args: Any, invited: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = invited  # type: ignore[attr-defined]
        self.fields["member"].queryset = (  # type: ignore[attr-defined]
            Membership.objects.filter(organisation__in=invited)
            .exclude(role__in=ROLES_WITHOUT_CASE_WORK)
            .select_related("user", "organisation")
            .order_by("organisation__name", "user__first_name", "user__last_name")
        )

    def clean_due_on(self) -> date:
        due_on: date = self.cleaned_data["due_on"]
        if due_on < timezone.localdate():
            raise forms.ValidationError(_("The due date has passed."))
        return due_on

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        member, organisation = data.get("member"), data.get("organisation")
        if member is not None and organisation is not None and member.organisation_id != organisation.pk:
            self.add_error("member", _("Choose a member of the owner organisation, or nobody."))
        return data


class FindingCategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: FindingCategory) -> str:
        return obj.title


class FindingForm(forms.Form):
    category = FindingCategoryChoiceField(
        label=_("Category"), queryset=FindingCategory.objects.filter(is_active=True), empty_label=_("Choose")
    )
    outcome = forms.ChoiceField(label=_("Did it work?"), choices=Finding.Outcome.choices, widget=forms.RadioSelect)
    text = forms.CharField(
        label=_("What happened"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "About how the system worked, not about the person: findings are shared across cases and municipalities "
            "in the learning log. Write no name, age, nationality, place or other detail that could identify anyone."
        ),
    )


class EndCaseForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why the case ended"), choices=CaseChain.EndReason.choices, widget=forms.RadioSelect
    )
    ended_at = LocalDateTimeField(label=_("Ended"), initial=_now)

    def clean_ended_at(self) -> datetime:
        return _not_in_the_future(self.cleaned_data["ended_at"])
