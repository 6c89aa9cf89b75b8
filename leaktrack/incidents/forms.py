from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional

from leaktrack.vocab import choices

LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


def _local_time(label):
    return DateTimeLocalField(label, format=LOCAL_FORMATS, validators=[Optional()])


class IncidentForm(FlaskForm):
    title = StringField(_l("Title"))
    summary = TextAreaField(_l("Summary (Markdown)"))
    # Choices are checked by the service, which gives the same messages to the API.
    severity = SelectField(_l("Severity"), choices=[], validate_choice=False)
    cause = SelectField(_l("Cause"), choices=[], validate_choice=False)
    data_categories = SelectMultipleField(_l("Data categories"), choices=[], validate_choice=False)
    malicious = BooleanField(_l("Unlawful purpose (an attack, theft)"))
    data_encrypted = BooleanField(
        _l("The leaked data was strongly encrypted and the key did not leak")
    )
    risk_level = SelectField(_l("Risk assessment"), choices=[], validate_choice=False)
    jurisdictions = StringField(
        _l("Jurisdictions (country codes, comma-separated, e.g. JP, US, EU)")
    )
    occurred_at = _local_time(_l("Occurred"))
    detected_at = _local_time(_l("Detected"))
    aware_at = _local_time(_l("Became aware"))
    contained_at = _local_time(_l("Contained"))
    resolved_at = _local_time(_l("Resolved"))
    affected_count = IntegerField(_l("People affected (estimate)"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.severity.choices = choices("severity")
        self.cause.choices = choices("cause")
        self.data_categories.choices = choices("data_category")
        self.risk_level.choices = [("", _l("Not assessed yet")), *choices("risk_level")]


class StatusForm(FlaskForm):
    status = SelectField(_l("New status"), choices=[])


class NoteForm(FlaskForm):
    text = TextAreaField(_l("Note (Markdown)"))
