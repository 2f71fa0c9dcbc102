"""Render Django forms as Designsystemet markup, accessibly, everywhere.

Every widget gets the `ds-input` class; a field with errors points to its
message with aria-describedby, and the form opens with an error summary.
"""

import uuid
from typing import Any

from django import forms
from django.forms.renderers import TemplatesSetting


class DesignsystemetBoundField(forms.BoundField):
    def build_widget_attrs(self, attrs: dict[str, Any], widget: forms.Widget | None = None) -> dict[str, Any]:
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if not widget.is_hidden:
            attrs["class"] = f"{attrs.get('class', '')} ds-input".strip()
        if self.errors and self.auto_id:
            attrs["aria-describedby"] = f"{attrs.get('aria-describedby', '')} {self.auto_id}_error".strip()
        return attrs


class DesignsystemetFormRenderer(TemplatesSetting):
    """Project-wide renderer, so django-allauth's forms look and behave like ours."""

    form_template_name = "core/forms/form.html"
    field_template_name = "core/forms/field.html"
    bound_field_class = DesignsystemetBoundField


class DateInput(forms.DateInput):
    """The browser's own date picker: accessible, and always ISO 8601 on the wire."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DateField(forms.DateField):
    widget = DateInput


class SubmissionKeyField(forms.UUIDField):
    """A hidden one-time key, new each time a form is rendered, so that sending it twice records once.

    The service creating the record stores the key (`core.submission`); a second POST of the same
    rendered form finds the record of the first. Not required: a client that sends no key (an API
    client, a tab opened before the field existed) gets no protection against doubles, but is not
    refused. A form shown again after an error keeps the key it was sent with, as nothing was saved.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.HiddenInput)
        kwargs.setdefault("initial", uuid.uuid4)  # a callable: evaluated anew for every rendering
        super().__init__(**kwargs)
