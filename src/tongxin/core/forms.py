"""Form helpers shared by every module."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import Model, QuerySet

if TYPE_CHECKING:
    _ModelChoiceField = forms.ModelChoiceField[Any]
    _ModelMultipleChoiceField = forms.ModelMultipleChoiceField[Any]
else:  # generic in the stubs only; at run time the plain classes
    _ModelChoiceField = forms.ModelChoiceField
    _ModelMultipleChoiceField = forms.ModelMultipleChoiceField


class StyledForm(forms.Form):
    """A form whose widgets carry Bootstrap's classes, so templates stay plain."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)


# The largest primary key a 64-bit integer column holds: SQLite raises OverflowError (a 500) on a larger
# one in a query, so an id typed or tampered into a form is checked before it reaches the database.
MAX_ID = 2**63 - 1


def _is_id(value: Any) -> bool:
    text = str(value).strip()
    return text.isdigit() and 0 < int(text) <= MAX_ID


def offer(form: forms.BaseForm, name: str, queryset: QuerySet[Any]) -> None:
    """Set the choices of the model-choice field ``name`` (always a selector's scoped queryset)."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset


def offer_choices(form: forms.BaseForm, name: str, choices: Iterable[tuple[Any, str]]) -> None:
    """Set the choices of the choice field ``name``."""
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = list(choices)


class _LabelOf(_ModelChoiceField):
    """``label_of`` (optional) names each choice instead of ``str(obj)``."""

    def __init__(self, *args: Any, label_of: Callable[[Any], str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.label_of = label_of

    def label_from_instance(self, obj: Model) -> str:
        return self.label_of(obj) if self.label_of else super().label_from_instance(obj)


class IdChoiceField(_LabelOf):
    """A ``ModelChoiceField`` whose submitted id is checked to be a primary key before the query: a
    non-numeric or out-of-range value is "not among the choices", a form error, never a 500.
    ``label_of`` (optional) names each choice instead of ``str(obj)``."""

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        if not _is_id(value):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class IdMultipleChoiceField(_LabelOf, _ModelMultipleChoiceField):
    """A ``ModelMultipleChoiceField`` that reports ids which cannot be primary keys (non-numeric, out of
    range) as "not among the choices" — a form error naming the value — instead of a database error.
    ``label_of`` (optional) names each choice instead of ``str(obj)``."""

    def clean(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            for pk in value:
                if pk not in self.empty_values and not _is_id(pk):
                    raise forms.ValidationError(
                        self.error_messages["invalid_choice"], code="invalid_choice", params={"value": pk}
                    )
        return super().clean(value)
