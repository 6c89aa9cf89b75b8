"""Reading JSON request bodies with the contract's errors."""

import json

from flask import abort, request
from flask_babel import gettext as _

from leaktrack.errors import ValidationError


def json_body(*, expect=dict):
    """The request's JSON body: 415 when it is not JSON, 400 when it does not parse."""
    if request.mimetype != "application/json" and not request.mimetype.endswith("+json"):
        abort(415, _("Send the body as application/json."))
    try:
        body = json.loads(request.get_data(cache=True) or b"null")
    except (ValueError, UnicodeDecodeError):
        raise ValidationError({}, _("The body is not valid JSON.")) from None
    if not isinstance(body, expect):
        raise ValidationError(
            {}, _("Expected a JSON %(kind)s.", kind="object" if expect is dict else "array")
        )
    return body
