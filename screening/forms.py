from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from organisations.models import Municipality
from screening import rules
from screening.models import Screening

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class YesNoField(forms.TypedChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            choices=YES_NO, coerce=lambda value: value == "yes", widget=forms.RadioSelect, empty_value=None, **kwargs
        )


def yes_no(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


class StepForm(forms.Form):
    """A step of the screening; labels and help come from the catalogue version it uses."""

    boolean_fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, screening: Screening, **kwargs: Any) -> None:
        initial: dict[str, Any] = {
            name: getattr(screening, name) for name in self.base_fields if hasattr(screening, name)
        }
        for name in self.boolean_fields:
            initial[name] = yes_no(initial.get(name))
        if screening.municipality_id and "municipality" in self.base_fields:
            initial["municipality"] = screening.municipality_id
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.screening = screening
        questions = {q.code: q for q in screening.version.questions.all()}
        for name, field in self.fields.items():
            if name in questions:
                field.label = questions[name].localised("text")
                field.help_text = questions[name].localised("help")


class DangerForm(StepForm):
    boolean_fields = ("acute_danger",)
    acute_danger = YesNoField(label=_("Is the person in acute danger?"), required=True)


class PersonForm(StepForm):
    """Every required answer about the person comes first, so no error points to the end of a long page."""

    possibly_minor = forms.ChoiceField(
        label=_("Might the person be under 18?"), choices=Screening.PossiblyMinor.choices, widget=forms.RadioSelect
    )
    stated_age = forms.IntegerField(label=_("Stated or estimated age"), required=False, min_value=0, max_value=120)
    gender = forms.ChoiceField(label=_("Gender"), choices=Screening.Gender.choices, widget=forms.RadioSelect)
    municipality = forms.ModelChoiceField(
        label=_("Municipality where you met the person"),
        queryset=Municipality.objects.order_by("name"),
        empty_label=_("Choose a municipality"),
    )


# Indicator groups that belong to no single form of exploitation.
GENERAL_SIGNS, SIGNS_OF_A_MINOR = "general", "minor"
SHOWN_FORMS = "shown_forms"


class ExploitationStepForm(StepForm):
    """The forms of exploitation first; only the signs of the forms ticked are shown, and kept.

    The page lists the forms whose signs it shows (`shown_forms`); a worker who ticks another form
    gets the page again with its signs before moving on, also without JavaScript.
    """

    indicators = forms.MultipleChoiceField(
        label=_("What have you seen or heard?"), widget=forms.CheckboxSelectMultiple, required=False
    )
    # Named like the model field; defined last because the name shadows the forms module in this class body.
    forms = forms.MultipleChoiceField(label=_("Forms of exploitation"), widget=forms.CheckboxSelectMultiple)
    field_order = ["forms", "indicators"]

    data: QueryDict  # always request.POST when bound

    def __init__(self, *args: Any, screening: Screening, **kwargs: Any) -> None:
        super().__init__(*args, screening=screening, **kwargs)
        version = screening.version
        exploitation_forms = list(version.forms.all())
        known = {f.code for f in exploitation_forms}
        self.fields["forms"].choices = [(f.code, f.localised("label")) for f in exploitation_forms]  # type: ignore[attr-defined]
        ticked = self.data.getlist("forms") if self.is_bound else screening.forms
        self.ticked_forms = [code for code in ticked if code in known]
        groups = [GENERAL_SIGNS, *self.ticked_forms] if self.ticked_forms else []
        track = rules.track_for(possibly_minor=screening.possibly_minor, stated_age=screening.stated_age)
        if groups and track == Case.Track.CHILD:
            groups.insert(1, SIGNS_OF_A_MINOR)
        labels: dict[str, Any] = {
            GENERAL_SIGNS: _("Signs in all forms"),
            SIGNS_OF_A_MINOR: _("Signs that the person may be under 18"),
        }
        labels |= {f.code: f.localised("label") for f in exploitation_forms}
        grouped: dict[str, list[tuple[str, str]]] = {group: [] for group in groups}
        for indicator in version.indicators.all():
            if indicator.form in grouped:
                grouped[indicator.form].append((indicator.code, indicator.localised("text")))
        self.fields["indicators"].choices = [  # type: ignore[attr-defined]
            (str(labels[group]), choices) for group, choices in grouped.items() if choices
        ]
        if self.is_bound:
            # Signs of a form that is no longer ticked are dropped, not refused.
            shown = {code for _group, choices in self.fields["indicators"].choices for code, _text in choices}  # type: ignore[attr-defined]
            data = self.data.copy()
            data.setlist("indicators", [code for code in self.data.getlist("indicators") if code in shown])
            self.data = data

    def has_unseen_signs(self) -> bool:
        """Forms ticked whose signs were not on the page the worker sent."""
        return bool(set(self.ticked_forms) - set(self.data.getlist(SHOWN_FORMS)))


class ConversationForm(StepForm):
    boolean_fields = ("alone", "companion_present", "interpreter_needed")
    alone = YesNoField(label=_("Can you talk with the person alone?"), required=False)
    companion_present = YesNoField(label=_("Is someone with the person who speaks for them?"), required=False)
    interpreter_needed = YesNoField(label=_("Is an interpreter needed?"), required=False)
    interpreter_language = forms.CharField(label=_("Which language?"), max_length=60, required=False)


class OutcomeForm(StepForm):
    outcome = forms.ChoiceField(label=_("What was the outcome of the conversation?"), widget=forms.RadioSelect)

    def __init__(self, *args: Any, screening: Screening, **kwargs: Any) -> None:
        super().__init__(*args, screening=screening, **kwargs)
        track = rules.track_for(possibly_minor=screening.possibly_minor, stated_age=screening.stated_age)
        allowed = rules.outcomes_for(track)
        self.fields["outcome"].choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in Screening.Outcome.choices if value in allowed
        ]


STEPS: dict[str, tuple[type[StepForm], Any]] = {
    "danger": (DangerForm, _("Danger")),
    "age": (PersonForm, _("About the person")),
    "exploitation": (ExploitationStepForm, _("Exploitation")),
    "conversation": (ConversationForm, _("Conversation")),
    "outcome": (OutcomeForm, _("Outcome")),
}


# Filled in from the worker's organisation when a screening starts, so not yet an answer.
PREFILLED = frozenset({"municipality"})


def step_reached(screening: Screening) -> str:
    """The last step with an answer, so an unfinished screening can be told apart and continued there."""
    answered = [
        name
        for name, (form_class, _label) in STEPS.items()
        if any(
            getattr(screening, field, None) not in (None, "", [])
            for field in form_class.base_fields
            if field not in PREFILLED
        )
    ]
    return answered[-1] if answered else next(iter(STEPS))


@dataclass(frozen=True)
class ReviewSection:
    step: str
    title: Any
    answers: list[tuple[str, list[str]]]


def _flat_choices(choices: Any) -> tuple[dict[str, str], list[tuple[str, dict[str, str]]]]:
    flat: dict[str, str] = {}
    groups: list[tuple[str, dict[str, str]]] = []
    for value, label in choices:
        if isinstance(label, (list, tuple)):
            group = {str(code): str(text) for code, text in label}
            groups.append((str(value), group))
            flat |= group
        else:
            flat[str(value)] = str(label)
    return flat, groups


def review_sections(screening: Screening) -> list[ReviewSection]:
    """Every answer of every step, worded as the step asked it, for the worker to check before finishing."""
    sections = []
    for step, (form_class, title) in STEPS.items():
        form = form_class(screening=screening)
        answers: list[tuple[str, list[str]]] = []
        for bound in form.visible_fields():
            value = form.initial.get(bound.name)
            values = (
                [str(v) for v in value] if isinstance(value, list) else ([] if value in (None, "") else [str(value)])
            )
            if isinstance(bound.field, forms.ModelChoiceField):
                answers.append((str(bound.label), [str(screening.municipality)] if screening.municipality else []))
                continue
            flat, groups = _flat_choices(getattr(bound.field, "choices", []))
            if groups:  # the signs, grouped by the form they belong to
                ticked = [
                    (group, [text for code, text in options.items() if code in values]) for group, options in groups
                ]
                answers.extend((group, texts) for group, texts in ticked if texts)
                if not any(texts for _group, texts in ticked):
                    answers.append((str(bound.label), []))
                continue
            answers.append((str(bound.label), [flat.get(v, v) for v in values]))
        sections.append(ReviewSection(step, title, answers))
    return sections
