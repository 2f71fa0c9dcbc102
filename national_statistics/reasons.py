"""Why linkage.files refused a file or left a line out, in the statistician's language.

linkage.files is plain Python and names each reason by a code with its values; the texts here
say the same as its English ones (REASONS), without commands to type.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from linkage.files import Reason

_TEXTS: dict[str, Promise] = {
    "not_utf8": _("This is not a file written by the encoding tool Vern encode (it is not UTF-8 text)."),
    "old_format": _(
        "The file was written by an older version of the encoding tool Vern encode (format v%(version)s); Vern "
        "now links format v%(current)s, which encodes each field apart. Ask the organisation to encode again with "
        "the current version."
    ),
    "not_encoded": _(
        "This is not a file written by the encoding tool Vern encode (the first line does not name the format)."
    ),
    "other_key": _(
        "The file was encoded with another linkage key (fingerprint %(fingerprint)s, expected %(expected)s); its "
        "persons could not be linked with anyone. Ask the organisation to encode again with the key it was given."
    ),
    "encoding_size": _("The file holds %(bytes)s-byte encodings; Vern links %(expected)s-byte encodings."),
    "columns": _("The second line must name the columns %(columns)s."),
    "incomplete": _("The file is incomplete (cut short or edited): its end line is missing or counts other rows."),
    "field_count": _("%(count)s fields where there should be %(expected)s"),
    "damaged_encoding": _("the encoding is damaged"),
    "not_a_year": _("the year “%(value)s” is not a year"),
    "not_a_country": _("the nationality “%(value)s” is not a two-letter country code"),
    "not_a_municipality": _("the municipality number “%(value)s” is not four digits"),
    "unknown_value": _("%(column)s “%(value)s” is not a known value"),
    "unknown_forms": _("unknown form of exploitation: %(value)s"),
}
_COLUMNS: dict[str, Promise] = {
    "gender": _("the gender"),
    "age_group": _("the age group"),
    "organisation_kind": _("the kind of organisation"),
}


def reason_text(reason: Reason) -> str:
    params = dict(reason.params)
    if "column" in params:
        params["column"] = str(_COLUMNS[str(params["column"])])
    return str(_TEXTS[reason.code]) % params
