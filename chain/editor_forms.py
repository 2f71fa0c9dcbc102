from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import Case, FieldGroup
from chain.editor import StepContent
from chain.models import ChainStep, ChainTemplate, DeadlineRule, StepEvent, StepPrecondition
from organisations.models import Municipality, Organisation


class TemplateTitleForm(forms.Form):
    title_nb = forms.CharField(
        label=_("Title (bokmål)"), max_length=200, error_messages={"required": _("Give the title in bokmål.")}
    )
    title_en = forms.CharField(
        label=_("Title (English)"), max_length=200, error_messages={"required": _("Give the title in English.")}
    )


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return f"{obj.name} ({obj.municipality})" if obj.municipality_id else obj.name


class DeadlineRuleChoiceField(forms.ModelChoiceField):
    """Each rule with its legal reference beside it; a rule without one is listed, marked, and refused."""

    def label_from_instance(self, obj: DeadlineRule) -> str:
        reference = obj.legal_reference.strip() or _("no legal reference: cannot be used")
        return f"{obj.title} – {reference}"


class StepForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=60,
        help_text=_(
            "Lower-case letters, digits and hyphens, unique in the template. "
            "A case moved to another version keeps its progress in the steps with the same code."
        ),
    )
    title_nb = forms.CharField(
        label=_("Title (bokmål)"), max_length=200, error_messages={"required": _("Give the title in bokmål.")}
    )
    title_en = forms.CharField(
        label=_("Title (English)"), max_length=200, error_messages={"required": _("Give the title in English.")}
    )
    done_means_nb = forms.CharField(
        label=_("Done means (bokmål)"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say what done means, in bokmål.")},
    )
    done_means_en = forms.CharField(
        label=_("Done means (English)"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say what done means, in English.")},
    )
    responsible_kind = forms.ChoiceField(
        label=_("Responsible kind of organisation"),
        choices=[("", _("None: a named organisation is responsible")), *Organisation.Kind.choices],
        required=False,
    )
    responsible_organisation = OrganisationChoiceField(
        label=_("Named responsible organisation"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("None: any organisation of the kind above"),
    )
    deadline_rule = DeadlineRuleChoiceField(
        label=_("Deadline"), queryset=DeadlineRule.objects.order_by("title_nb"), required=False, empty_label=_("None")
    )
    legal_reference_nb = forms.CharField(label=_("Legal reference (bokmål)"), max_length=300, required=False)
    legal_reference_en = forms.CharField(label=_("Legal reference (English)"), max_length=300, required=False)
    field_groups = forms.MultipleChoiceField(
        label=_("Information a referral for this step needs"),
        choices=FieldGroup.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Chosen in advance when someone refers a case for this step; the sender can change it."),
    )
    completed_by_event = forms.ChoiceField(
        label=_("Done when this happens"),
        choices=[("", _("Nothing: the responsible organisation marks the step done")), *StepEvent.choices],
        required=False,
        help_text=_("The step is done by itself when this happens while it is in progress."),
    )
    precondition = forms.ChoiceField(
        label=_("May be referred or handed over when"),
        choices=[("", _("Always")), *StepPrecondition.choices],
        required=False,
        help_text=_("Without it, the sender must give a reason, which is shown on the case's timeline."),
    )

    def __init__(self, *args: Any, step: ChainStep | None = None, **kwargs: Any) -> None:
        if step is not None:
            kwargs.setdefault("initial", StepContent.of(step).as_dict())
        super().__init__(*args, **kwargs)
        # Active organisations, and the one the step names now, so a step naming a closed one shows what it names.
        current = step.responsible_organisation_id if step else None
        self.fields["responsible_organisation"].queryset = (  # type: ignore[attr-defined]
            Organisation.objects.filter(Q(is_active=True) | Q(pk=current))
            .select_related("municipality")
            .order_by("name", "municipality__name")
        )

    def content(self) -> StepContent:
        return StepContent(**self.cleaned_data)


class CopyTemplateForm(forms.Form):
    municipality = forms.ModelChoiceField(label=_("To municipality"), queryset=Municipality.objects.none())
    track = forms.ChoiceField(label=_("Track"), choices=Case.Track.choices, widget=forms.RadioSelect)

    def __init__(self, *args: Any, municipalities: list[Municipality], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Municipality.objects.filter(  # type: ignore[attr-defined]
            pk__in=[municipality.pk for municipality in municipalities]
        ).order_by("name")


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ChainTemplate) -> str:
        return _("Version %(version)s (%(status)s): %(title)s") % {
            "version": obj.version,
            "status": obj.get_status_display().lower(),
            "title": obj.title,
        }


class MoveCaseForm(forms.Form):
    template = VersionChoiceField(
        label=_("Version to move the case to"), queryset=ChainTemplate.objects.none(), widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, targets: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = targets  # type: ignore[attr-defined]
